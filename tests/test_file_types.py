"""Which documents a form takes: the type read from the bytes once the bot has stored the file;
the type the channel declared when it could not; the name only when neither says anything."""

from __future__ import annotations

from bot.model import Attachment
from storage import users as user_repo
from tests.flows import reach_files


async def _files(engine) -> list[dict]:
    async with engine.connect() as conn:
        draft = (await user_repo.load_user(conn, "console", "1001"))["data"]["draft"]
    return draft["answers"].get("files") or []


async def test_a_stored_file_of_no_known_type_is_refused_whatever_its_name(resident, engine):
    await reach_files(resident)
    await resident._send(attachment=Attachment(
        "document", "doc-1", "bao-cao.pdf", "application/octet-stream", 2_000,
        key="ab" * 32, sha256="ab" * 32))
    assert "Loại tệp này không được chấp nhận" in resident.text
    assert await _files(engine) == []


async def test_a_file_the_bot_could_not_read_and_nobody_typed_goes_by_its_name(resident, engine):
    await reach_files(resident)
    await resident.send_document("chuong-trinh.exe", "application/octet-stream")
    assert "Loại tệp này không được chấp nhận" in resident.text
    await resident.send_document("ke-hoach.docx", None)
    assert [f["name"] for f in await _files(engine)] == ["ke-hoach.docx"]
