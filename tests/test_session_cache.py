"""The dispatcher's cache of conversations in progress (bot.dispatcher.SessionCache): compact,
and only what a step saves reaches it."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.dispatcher import SessionCache

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def _row(external_id: str) -> dict:
    return {"id": 7, "channel": "telegram", "external_id": external_id, "lang": "vi",
            "state": "flow:title", "interests": {}, "blocked_at": None, "updated_at": NOW,
            "data": {"opts": [["nav:back", "Quay lại"]], "draft": {"answers": {"ward": "ben-nghe"},
                                                                   "files": [], "trail": []}}}


def test_a_step_that_changes_the_answers_it_read_changes_nothing_cached_until_it_is_saved():
    cache = SessionCache()
    cache.put(("telegram", "1"), _row("1"))
    read = cache.get(("telegram", "1"))
    read["data"]["draft"]["answers"]["title"] = "Đèn đường"  # a step that then fails
    read["data"]["opts"].clear()
    read["state"] = "flow:description"
    again = cache.get(("telegram", "1"))
    assert again == _row("1")
    cache.put(("telegram", "1"), read)  # the step saved
    assert cache.get(("telegram", "1"))["data"]["draft"]["answers"]["title"] == "Đèn đường"
    assert cache.value(("telegram", "1"), "lang") == "vi"


def test_rows_are_given_back_as_they_were_put_empty_lists_and_dicts_included():
    cache = SessionCache()
    row = {**_row("2"), "interests": {}, "data": {"seen": [], "opts": []}}
    cache.put(("telegram", "2"), row)
    assert cache.get(("telegram", "2")) == row
    assert cache.pop(("telegram", "2")) == row and cache.get(("telegram", "2")) is None


def test_the_least_recently_used_conversation_leaves_a_full_cache_first():
    cache = SessionCache(size=2)
    for n in "123":
        cache.put(("telegram", n), _row(n))
        if n == "2":
            cache.get(("telegram", "1"))  # 1 is used again: 2 is now the oldest
    assert cache.get(("telegram", "2")) is None
    assert cache.get(("telegram", "1"))["external_id"] == "1"
    assert cache.value(("telegram", "3"), "state") == "flow:title"
