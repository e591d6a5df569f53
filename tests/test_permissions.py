"""The permission matrix: every workflow action × every role × own unit and another unit.

The expectation is derived from the rule, not listed by hand: ward actions belong to the
officers of the entry's own ward, district actions to the district officers, the author's to
the author (whatever their role), the clock's to the system, and nothing to anyone else."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from bot.i18n import Translator
from bot.services.outbox import Outbox
from bot.services.review import PREVIOUS, STEPS, SYSTEM_ACTOR, Actor, Review, describe
from storage import entries as entry_repo
from tests.flows import submit_idea

ACTORS = {
    "resident": Actor(user_id=1, role="resident"),
    "ward officer, own ward": Actor(user_id=2, role="ward_officer", unit="ben-nghe", name="A"),
    "ward officer, other ward": Actor(user_id=3, role="ward_officer", unit="tan-dinh", name="B"),
    "district officer": Actor(user_id=4, role="district_officer", unit="quan-1", name="C"),
    "communications": Actor(user_id=5, role="communications", unit="quan-1", name="D"),
    "admin": Actor(user_id=6, role="admin", unit="quan-1", name="E"),
    "another resident": Actor(user_id=999_999, role="resident"),
    "system": SYSTEM_ACTOR,
}
# What a step needs besides a note: the ward an entry is transferred to, an award's level.
ARGS = {"transfer": {"unit": "tan-dinh"}, "award": {"level": "first"}}
# Every actor but these two is given the author's account below.
NOT_THE_AUTHOR = ("another resident", "system")


def expected(actor_kind: str, level: str) -> bool:
    return (
        (level == "ward" and actor_kind == "ward officer, own ward")
        or (level == "district" and actor_kind == "district officer")
        or (level == "author" and actor_kind not in NOT_THE_AUTHOR)
        or (level == "system" and actor_kind == "system")
    )


@pytest.mark.parametrize(
    "action, actor_kind", list(itertools.product(sorted(STEPS), sorted(ACTORS)))
)
async def test_permission_matrix(action, actor_kind, resident, engine, dispatcher, clock):
    step = STEPS[action]
    code = await submit_idea(resident)  # an entry of Phường Bến Nghé
    other = await submit_idea(resident)
    async with engine.begin() as conn:
        entry = await entry_repo.entry_by_code(conn, code)
        await entry_repo.update_entry(conn, entry["id"], status=step.sources[0])
        review = Review(conn, dispatcher.ref, Outbox(dispatcher.translator, clock.now), clock.now)
        note = other if action == "duplicate" else "Ghi chú của cán bộ"
        # Any existing chat will do as the actor's account: permissions come from the role.
        actor = ACTORS[actor_kind]
        if actor_kind not in NOT_THE_AUTHOR:
            actor = replace(actor, user_id=entry["user_id"])
        outcome = await review.run(actor, action, entry["id"], note, **ARGS.get(action, {}))
        after = await entry_repo.entry_by_id(conn, entry["id"])
    allowed = expected(actor_kind, step.level)
    assert outcome.ok is allowed
    # Back to the status before the question: here none was asked, so where entries start.
    target = "submitted" if step.target == PREVIOUS else step.target
    assert after["status"] == (target if allowed else step.sources[0])
    if allowed and action == "transfer":
        assert after["unit"] == "tan-dinh"
    sentence = describe(Translator(dispatcher.settings.locales_dir, "vi"), dispatcher.ref, outcome)
    assert sentence and "{" not in sentence
