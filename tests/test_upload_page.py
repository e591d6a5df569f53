"""Documents from a chat that cannot carry them (issue 10, item 3): the files question gives a
one-time link; the resident opens it in a phone's browser (headless Chromium here), picks files,
and they join the draft while the chat says so."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace

import httpx
import pytest
from playwright.async_api import async_playwright

from bot.runtime import Runtime
from bot.web import build_app, webhook_secrets
from storage import users as user_repo
from testing.serving import serving
from tests.zalo_world import ZaloWorld, to_files_question

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# .ci/run installs Chromium and sets SANGKIEN_REQUIRE_BROWSER, so there this test never skips.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("SANGKIEN_REQUIRE_BROWSER"),
    reason="Debian's chromium is not installed (apt-get install chromium)")
LAN = "3000111222"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _to_files_question(lan, dispatcher) -> str:
    await to_files_question(lan, dispatcher)
    [link] = re.findall(r"https?://\S+/u/\S+", lan.text)
    return link



async def _draft(engine) -> dict:
    async with engine.connect() as conn:
        return (await user_repo.load_user(conn, "zalo_bot", LAN))["data"]["draft"]


@pytest.fixture
async def served(dispatcher, fake_zalo, settings):
    """`serve` for the Zalo Bot channel on loopback, its address the bot's public one; the
    resident Lan at the files question of an idea. Yields (world, link)."""
    runtime = Runtime(dispatcher)
    world = ZaloWorld(fake_zalo, dispatcher, runtime)
    app = build_app(runtime, zalo_bot=world.channel, secrets=await webhook_secrets(runtime))
    async with serving(app) as url:
        dispatcher.settings = replace(settings, public_url=url)
        await world.start()
        try:
            yield world, await _to_files_question(world.person(LAN), dispatcher)
        finally:
            await world.stop()


async def test_a_resident_on_zalo_adds_a_document_from_the_phone_browser(
        served, engine, fake_zalo, tmp_path):
    world, link = served
    pdf = tmp_path / "ban-ve-den-duong.pdf"
    pdf.write_bytes(PDF)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=["--no-sandbox"])
        page = await (await browser.new_context(
            viewport={"width": 390, "height": 844}, locale="vi-VN")).new_page()
        await page.goto(link)
        assert await page.locator("html").get_attribute("lang") == "vi"
        assert "tài liệu" in (await page.title()).lower()
        await page.set_input_files("input[type=file]", str(pdf))
        await page.get_by_role("button", name="Gửi").click()
        await page.wait_for_selector("li")
        shown = await page.inner_text("body")
        again = await page.goto(link)  # the link works once
        await browser.close()
    await world.settle()
    assert "1" in shown and "5" in shown  # "file received (1 of at most 5)"
    assert again.status == 410
    [stored] = (await _draft(engine))["answers"]["files"]
    assert stored["name"] == "ban-ve-den-duong.pdf"
    assert stored["mime"] == "application/pdf"
    assert await world.runtime.files.read(stored["key"]) == PDF
    said = fake_zalo.texts(LAN)[-1]
    assert "1" in said and "5" in said  # the chat says so too


async def test_an_upload_link_not_made_by_the_bot_or_for_another_question_changes_nothing(
        served, dispatcher, engine):
    world, link = served
    async with httpx.AsyncClient() as client:
        forged = await client.post(link[:-3] + "abc", files={"files": ("a.pdf", PDF)})
        assert forged.status_code == 403
        await world.person(LAN).choose(dispatcher.translator("vi")._("Skip"))  # past it
        moved = await client.post(link, files={"files": ("a.pdf", PDF)})
        assert moved.status_code == 409
    assert not (await _draft(engine))["answers"].get("files")


async def test_too_many_files_on_the_upload_page_get_a_sentence_and_the_form_again(
        served, engine, settings):
    _, link = served
    files = [("files", (f"tep-{n}.pdf", PDF)) for n in range(settings.max_attachments + 1)]
    async with httpx.AsyncClient() as client:
        answer = await client.post(link, files=files)
    assert answer.status_code == 413
    assert "5" in answer.text and "<form" in answer.text  # the limit, and the form again
    assert not (await _draft(engine))["answers"].get("files")
