"""Scripted residents: the shortest honest paths through the forms, for tests that need an entry."""

from __future__ import annotations

from storage import entries as entry_repo
from testing.codes import code_in


async def fill_idea(resident, *, ward="ben nghe", title="Đèn đường tiết kiệm điện",
                    description="Lắp cảm biến để đèn đường tự giảm độ sáng khi vắng người qua lại.",
                    name="Nguyễn Thị Lan", phone="0903 123 456", show_name=True) -> None:
    """From the menu to the summary of an idea."""
    await resident.press("menu:idea")
    await resident.say(ward)
    await resident.press("pick:digital-smart-city")
    await resident.say(title)
    await resident.say(description)
    await resident.say("Tiết kiệm 30% điện năng chiếu sáng công cộng.")
    await resident.press("nav:skip")  # no files
    if name:
        await resident.say(name)
        await resident.say(phone) if phone else await resident.press("nav:skip")
        await resident.press("pick:yes" if show_name else "pick:no")
    else:
        await resident.press("nav:skip")
        await resident.say(phone) if phone else await resident.press("nav:skip")


async def submit_idea(resident, **kwargs) -> str:
    await fill_idea(resident, **kwargs)
    await resident.press("form:confirm")
    return code_in(resident.text)


async def reach_title(resident, ward: str = "ben thanh") -> None:
    """From the menu to the idea form's title question."""
    await resident.press("menu:idea")
    await resident.say(ward)
    await resident.press("pick:economy")


async def reach_files(resident, ward: str = "ben thanh") -> None:
    """From the menu to the idea form's files question."""
    await reach_title(resident, ward)
    await resident.say("Tiêu đề")
    await resident.say("Mô tả đủ dài của ý tưởng.")
    await resident.press("nav:skip")  # no expected benefit


async def entry_row(engine, code: str):
    """The stored entry of a tracking code."""
    async with engine.connect() as conn:
        return await entry_repo.entry_by_code(conn, code)
