"""Telegram: a failure outside the step (the error handler's sentence) speaks the sender's
language."""

from __future__ import annotations

import pytest

from testing.fakebotapi import FakeBotAPI, UpdateFactory
from tests.telegram_world import TelegramWorld


@pytest.fixture
async def world(settings, clock):
    world = TelegramWorld(settings, clock, FakeBotAPI(), UpdateFactory())
    await world.start()
    yield world
    await world.stop()


async def _fail_outside_the_step(world: TelegramWorld, monkeypatch) -> str:
    channel = world.app.bot_data["channel"]

    async def broken(event):
        raise RuntimeError("the channel broke after the step")

    monkeypatch.setattr(channel.dispatcher, "handle", broken)
    await world.text("xin chào")
    return world.last()["text"]


async def test_an_error_outside_the_step_is_told_in_english_to_who_chose_english(
        world, monkeypatch):
    await world.text("/start")
    await world.press("consent:yes")
    await world.press("menu:settings")
    await world.press("lang:en")
    text = await _fail_outside_the_step(world, monkeypatch)
    assert text.startswith("Sorry, something went wrong on our side.")


async def test_an_error_outside_the_step_is_told_in_vietnamese_by_default(world, monkeypatch):
    await world.text("/start")
    text = await _fail_outside_the_step(world, monkeypatch)
    assert text.startswith("Xin lỗi anh/chị, hệ thống đang gặp sự cố.")
