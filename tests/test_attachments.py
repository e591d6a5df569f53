"""Attachments belong to the bot: stored once with size, type (read from the bytes) and hash,
and sent on by any channel, whichever one they arrived on."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from sqlalchemy import select

from bot.channels.console import stored
from bot.files import FolderStore, sniff
from bot.model import Attachment, Event
from storage.tables import attachments
from tests.flows import code_in
from tests.telegram_world import LAN, TelegramWorld, consent, register

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8
OFFICER = 880002


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "name", "mime"), [
    (PDF, "x.bin", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n" + bytes(20), None, "image/png"),
    (b"\xff\xd8\xff\xe0" + bytes(20), None, "image/jpeg"),
    (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "a.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x/>"}), "a.pdf",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (_zip({"mimetype": b"application/vnd.oasis.opendocument.text"}), "a.odt",
     "application/vnd.oasis.opendocument.text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(50), "bang-tinh.xls", "application/vnd.ms-excel"),
    (_zip({"a.txt": b"hello"}), "nen.zip", "application/zip"),
    (b"Day la mot tep van ban.\n", "bao-cao.pdf", "application/octet-stream"),
])
def test_the_type_is_read_from_the_bytes_not_the_name(data, name, mime):
    assert sniff(data, name) == mime


async def test_the_same_file_is_stored_once(tmp_path):
    store = FolderStore(tmp_path)
    first = await store.put(PDF, name="a.pdf", mime="application/pdf")
    again = await store.put(PDF, name="b.pdf", mime="application/pdf")
    assert first == again and first.sha256 == hashlib.sha256(PDF).hexdigest()
    assert first.size == len(PDF) and await store.read(first.key) == PDF
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


async def _to_files_question(world: TelegramWorld, unit: str = "cau-kho") -> None:
    await consent(world)
    await world.press("menu:idea")
    await world.press(f"pick:{unit}")
    await world.press("pick:thrift")
    await world.text("Tiêu đề")
    await world.text("Mô tả đủ dài của ý tưởng.")
    await world.press("nav:skip")  # no expected benefit


async def test_a_text_file_named_pdf_is_refused_on_telegram(world):
    await _to_files_question(world)
    update = world.updates.document(LAN, "bao-cao.pdf", "application/pdf", size=30)
    world.api.put_file(update["message"]["document"]["file_id"], b"khong phai PDF\n")
    await world.feed(update)
    t = world.app.bot_data["channel"].dispatcher.translator("vi")
    refusal = t._("This type of file is not accepted. Accepted types: {types}.").split("{")[0]
    assert refusal in world.last()["text"]
    real = world.updates.document(LAN, "bao-cao.pdf", "application/pdf", size=len(PDF))
    world.api.put_file(real["message"]["document"]["file_id"], PDF)
    await world.feed(real)
    assert refusal not in world.last()["text"]


async def test_an_officer_on_telegram_opens_the_file_a_resident_sent_on_the_console(
        both, tmp_path):
    await register(both, OFFICER, "ben-nghe", "ward_officer", "Cán bộ Lan")
    report = tmp_path / "ke-hoach.pdf"
    report.write_bytes(PDF)
    user = "3003"

    async def say(**kwargs):
        event = Event(channel="console", user=user, **kwargs)
        replies = await both.dispatcher.handle(await stored(both.runtime, event))
        await both.runtime.deliver_pending()
        return replies

    await say(text="/start")
    await say(choice="consent:yes")
    await say(choice="menu:idea")
    await say(text="ben nghe")
    await say(choice="pick:economy")
    await say(text="Tiêu đề của ý tưởng")
    await say(text="Mô tả đủ dài của ý tưởng.")
    await say(choice="nav:skip")
    await say(attachment=Attachment("document", str(report), "ke-hoach.pdf", "text/plain"))
    await say(choice="nav:done")
    for _ in range(2):
        await say(choice="nav:skip")
    replies = await say(choice="form:confirm")
    code = code_in(replies[-1].text)
    async with both.engine.connect() as conn:
        row = (await conn.execute(select(attachments))).mappings().one()
    assert row["mime"] == "application/pdf"  # what the bytes are, not what was claimed
    assert row["sha256"] == hashlib.sha256(PDF).hexdigest() and row["size"] == len(PDF)
    await both.text(f"/hoso {code}", OFFICER)
    sent = [c for c in both.api.calls_named("sendDocument") if c["chat_id"] == OFFICER]
    assert len(sent) == 1 and PDF in sent[0]["_uploaded"].values()


async def test_a_file_kept_before_the_store_is_sent_by_its_telegram_file_id(both):
    await register(both, OFFICER, "ben-nghe", "ward_officer", "Cán bộ Lan")
    await _to_files_question(both, "ben-nghe")
    await both.feed(both.updates.photo(LAN))
    await both.press("nav:done")
    await both.press("nav:skip")
    await both.text(both.keyboard()[1])
    await both.press("form:confirm")
    code = code_in(both.last()["text"])
    async with both.engine.begin() as conn:  # as rows were before the file store
        await conn.execute(attachments.update().values(store_key=None, sha256=None,
                                                       file_ref="AgACAgIAAxk-old-id"))
    await both.text(f"/hoso {code}", OFFICER)
    photos = [c for c in both.api.calls_named("sendPhoto") if c["chat_id"] == OFFICER]
    assert [p["photo"] for p in photos] == ["AgACAgIAAxk-old-id"]
