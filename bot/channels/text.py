"""What every text-only channel does with a reply: options as numbered lines (typing the number
picks them, see bot.dispatcher), the text split at the channel's limit at paragraph boundaries,
and the options on the last part. Telegram shows options as buttons and splits only."""

from __future__ import annotations

from bot.model import Reply
from bot.text import split_message


def option_lines(reply: Reply) -> list[str]:
    """Numbered where typing the number picks the option (Reply.numbered), else bulleted."""
    if reply.numbered:
        return [f"  {number}. {o.label}" for number, o in enumerate(reply.options, start=1)]
    return [f"  - {o.label}" for o in reply.options]


def render_parts(reply: Reply, limit: int) -> list[str]:
    """The messages a text-only channel sends for `reply`, each at most `limit` characters."""
    parts = split_message(reply.text, limit)
    options = "\n".join(option_lines(reply))
    if not options:
        return parts
    last = parts.pop()
    room = limit - len(options) - 1
    if len(last) > room:
        *head, last = split_message(last, max(1, room))
        parts += head
    return [*parts, f"{last}\n{options}"]
