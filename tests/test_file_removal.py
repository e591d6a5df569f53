"""Removing the files sent so far: the bot says "press Skip", so Skip is what it offers."""

from __future__ import annotations

from tests.flows import reach_files

REMOVE = "files:all"  # the "Remove these files" option


async def test_after_removing_the_files_skip_is_offered_and_moves_on(resident):
    await reach_files(resident)
    await resident.send_photo()
    assert REMOVE in resident.values and "nav:done" in resident.values
    await resident.press(REMOVE)
    assert "Các tệp đã được xóa" in resident.text and "bấm Bỏ qua" in resident.text
    assert "nav:skip" in resident.values and "nav:done" not in resident.values
    await resident.press("nav:skip")
    assert "họ tên để cán bộ liên hệ" in resident.text  # the next question
