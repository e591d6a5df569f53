"""`sangkien serve` (issue 10): webhooks answer only the platform that knows the secret, a
Zalo Bot resident is served by webhook end to end, and files open by signed, expiring links."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import httpx

from bot.channels.zalo_bot import ZaloBotChannel
from bot.files import keep
from bot.links import FILE_SECONDS
from bot.model import Attachment, Reply
from bot.runtime import Runtime
from bot.web import build_app, webhook_secrets
from storage import users as user_repo
from testing.fakebotapi import UpdateFactory
from testing.fakezalo import TOKEN
from testing.fakezalo_oa import FakeZaloOA
from testing.serving import serving
from tests.telegram_world import by_webhook
from tests.zalo_oa_world import oa_channel

LAN = "3000111222"



async def _served(dispatcher, fake_zalo, settings):
    runtime = Runtime(dispatcher)
    channel = ZaloBotChannel(dispatcher, runtime, token=TOKEN, base_url=fake_zalo.url)
    secrets = await webhook_secrets(runtime)
    return runtime, channel, secrets, build_app(runtime, zalo_bot=channel, secrets=secrets)


async def _user(engine, user: str):
    async with engine.connect() as conn:
        return await user_repo.load_user(conn, "zalo_bot", user)


async def _until(predicate, seconds: float = 10.0) -> None:

    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_resident_on_zalo_is_served_by_webhook_and_a_forged_push_is_refused(
        dispatcher, engine, fake_zalo, settings):
    runtime, channel, secrets, app = await _served(dispatcher, fake_zalo, settings)
    async with serving(app) as url:
        await channel.start_webhook(f"{url}/zalo/bot", secrets.zalo_bot)
        assert fake_zalo.webhook["secret_token"] == secrets.zalo_bot
        fake_zalo.push_text(LAN, "Xin chào")
        await _until(lambda: fake_zalo.pushed)
        assert fake_zalo.pushed == [200] and fake_zalo.texts(LAN)  # greeted through the webhook
        greeted = len(fake_zalo.texts(LAN))
        forged = {"event_name": "message.text.received", "message": {
            "from": {"id": "666", "is_bot": False}, "chat": {"id": "666", "chat_type": "PRIVATE"},
            "message_id": "ab12", "text": "/start", "date": 0}}
        async with httpx.AsyncClient() as client:
            for headers in ({}, {"X-Bot-Api-Secret-Token": "wrong-secret"},
                            {"X-Bot-Api-Secret-Token": secrets.zalo_bot[:-1]}):
                answer = await client.post(f"{url}/zalo/bot", json=forged, headers=headers)
                assert answer.status_code == 403
            health = await client.get(f"{url}/healthz")
        assert health.json() == {"ok": True, "channels": ["zalo_bot"]}
    assert await _user(engine, "666") is None  # nothing of the forged push was kept
    assert len(fake_zalo.texts(LAN)) == greeted
    await channel.stop()


async def test_a_zalo_push_wrapped_in_ok_result_is_taken_too(
        dispatcher, engine, fake_zalo, settings):
    runtime, channel, secrets, app = await _served(dispatcher, fake_zalo, settings)
    update = {"event_name": "message.text.received", "message": {
        "from": {"id": LAN, "is_bot": False}, "chat": {"id": LAN, "chat_type": "PRIVATE"},
        "message_id": "c0ffee", "text": "Xin chào", "date": 0}}
    async with serving(app) as url, httpx.AsyncClient() as client:
        answer = await client.post(f"{url}/zalo/bot", json={"ok": True, "result": update},
                                   headers={"X-Bot-Api-Secret-Token": secrets.zalo_bot})
    assert answer.status_code == 200 and await _user(engine, LAN) is not None
    await channel.stop()


async def test_an_officer_on_zalo_opens_a_residents_photo_by_a_signed_expiring_link(
        dispatcher, engine, fake_zalo, settings):
    dispatcher.settings = replace(settings, public_url="https://sangkien.example.vn")
    runtime, channel, secrets, app = await _served(dispatcher, fake_zalo, settings)
    jpeg = b"\xff\xd8\xff\xe0" + b"\x01" * 3000 + b"\xff\xd9"

    stored = await keep(runtime.files, Attachment("photo", "p1", "den-duong.jpg"), jpeg)
    assert (await channel.send(LAN, Reply("Hồ sơ mới", attachments=[stored]))).status == "sent"
    [text] = fake_zalo.texts(LAN)
    link = next(w for w in text.split() if w.startswith("https://sangkien.example.vn/f/"))
    path = link.removeprefix("https://sangkien.example.vn")
    async with serving(app) as url, httpx.AsyncClient() as client:
        opened = await client.get(f"{url}{path}")
        assert opened.status_code == 200 and opened.content == jpeg
        assert opened.headers["content-type"] == "image/jpeg"
        tampered = await client.get(f"{url}{path[:-2]}xx")
        assert tampered.status_code == 404
        links = await dispatcher.links()
        old = links.file(stored.key, stored.name, stored.mime, now=time.time() - FILE_SECONDS - 5)
        expired = await client.get(f"{url}{old.removeprefix('https://sangkien.example.vn')}")
        assert expired.status_code == 404
    await channel.stop()


async def test_telegram_by_webhook_answers_and_a_forged_update_is_refused(
        dispatcher, engine, settings):
    updates = UpdateFactory()
    async with by_webhook(dispatcher, settings) as (url, api, header), \
            httpx.AsyncClient() as client:
        forged = await client.post(f"{url}/telegram", json=updates.text(4242, "/start"),
                                   headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        assert forged.status_code == 403
        real = await client.post(f"{url}/telegram", json=updates.text(4343, "/start"),
                                 headers=header)
        assert real.status_code == 200
        await _until(lambda: api.sent(4343))
    assert not api.sent(4242)
    async with engine.connect() as conn:
        assert await user_repo.load_user(conn, "telegram", "4242") is None


async def test_a_zalo_oa_push_through_serve_is_taken_only_when_signed(dispatcher, engine):
    oa = FakeZaloOA().start()
    runtime = Runtime(dispatcher)
    channel = oa_channel(oa, dispatcher, runtime)
    app = build_app(runtime, zalo_oa=channel, secrets=await webhook_secrets(runtime))
    try:
        async with serving(app) as url, httpx.AsyncClient() as client:
            headers, body = oa.signed_push(oa.text_event("8800112233", "Xin chào"))
            forged = await client.post(f"{url}/zalo/oa", content=body, headers={
                **headers, "X-ZEvent-Signature": "mac=" + "0" * 64})
            assert forged.status_code == 403
            async with engine.connect() as conn:
                assert await user_repo.load_user(conn, "zalo_oa", "8800112233") is None
            taken = await client.post(f"{url}/zalo/oa", content=body, headers=headers)
            assert taken.status_code == 200
            await channel.drain()
        assert oa.texts("8800112233")  # greeted, through the OA API
    finally:
        await channel.stop()
        oa.stop()
