"""A broken "Cancel the announcement" button, pressed by the office that sends them."""

from __future__ import annotations

from tests.officers import register_officer


async def test_a_broken_cancel_button_does_not_send_the_sender_to_a_queue(dispatcher):
    comms = await register_officer(dispatcher, "9501", "quan-1", "communications", "Phòng VHTT")
    await comms.press_anyway("bc:cancel:not-a-number")
    assert "Nút của thông báo này không còn hiệu lực." in comms.text
    assert "/hangdoi" not in comms.text  # the communications office has no review queue
