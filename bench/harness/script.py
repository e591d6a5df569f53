"""The resident's idea flow of tests/flows.py and tests/test_telegram.py, as Telegram updates.

Twelve updates per resident: /start, consent, menu:idea, ward, field, title, description,
skip × 3 (benefit, files, name), the phone question skipped by typing the reply keyboard's
"skip" label, and confirm. Residents are interleaved step by step (everyone's /start, then
everyone's consent, …), so all of them are mid-flow at once, as on a busy day.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from bot.reference import Reference
from testing.fakebotapi import FakeBotAPI, UpdateFactory

STEPS_PER_RESIDENT = 12
TITLE = "Đèn đường tiết kiệm điện số {n}"
DESCRIPTION = (
    "Lắp cảm biến để đèn đường tự giảm độ sáng khi vắng người qua lại, "
    "thử nghiệm tại khu phố {n} trước khi nhân rộng."
)


@dataclass(frozen=True)
class Step:
    kind: str  # "text", "press" (an inline button) or "keyboard" (typing a reply-keyboard label)
    value: str


class FlowScript:
    def __init__(self, ref: Reference, skip_label: str = "Bỏ qua"):
        self.wards = [u.slug for u in ref.wards]
        self.fields = [f.slug for f in ref.idea_fields]
        self.skip_label = skip_label

    def steps(self, n: int) -> list[Step]:
        """Resident number `n`'s twelve steps; wards and fields vary with `n`."""
        ward = self.wards[n % len(self.wards)]
        field = self.fields[n % len(self.fields)]
        return [
            Step("text", "/start"),
            Step("press", "consent:yes"),
            Step("press", "menu:idea"),
            Step("press", f"pick:{ward}"),
            Step("press", f"pick:{field}"),
            Step("text", TITLE.format(n=n)),
            Step("text", DESCRIPTION.format(n=n)),
            Step("press", "nav:skip"),
            Step("press", "nav:skip"),
            Step("press", "nav:skip"),
            Step("keyboard", self.skip_label),
            Step("press", "form:confirm"),
        ]

    def updates(self, factory: UpdateFactory, user_ids: list[int], first: int = 0,
                upto: int = STEPS_PER_RESIDENT) -> list[dict]:
        """Steps [first, upto) of every resident, interleaved step by step."""
        scripts = {uid: self.steps(uid) for uid in user_ids}
        out = []
        for index in range(first, upto):
            for uid in user_ids:
                out.append(as_update(factory, uid, scripts[uid][index]))
        return out


def as_update(factory: UpdateFactory, user_id: int, step: Step) -> dict:
    if step.kind == "press":
        return factory.press(user_id, step.value)
    return factory.text(user_id, step.value)


def decode(app, updates: list[dict]) -> list[Update]:
    """Turn update dicts into Update objects for `app` (outside the timed loop)."""
    return [Update.de_json(data, app.bot) for data in updates]


def last_sent(api: FakeBotAPI, chat_id: int) -> dict:
    for name, params in reversed(api.calls):
        if name == "sendMessage" and params.get("chat_id") == chat_id:
            return params
    raise AssertionError(f"nothing was sent to {chat_id}")


def keyboard_labels(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("keyboard", []) for b in row]
