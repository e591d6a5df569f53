"""How an entry is shown: to anyone with its code, to its author, to officers."""

from __future__ import annotations

from bot.author_status import AUTHOR_STATUS_LABELS
from bot.i18n import N_, Translator
from bot.phones import display_phone
from bot.reference import Reference
from bot.workflow import AWARD_LEVELS, DISTRICT_STATUSES, KIND_LABELS, STATUS_LABELS


def unit_name(ref: Reference, t: Translator, slug: str) -> str:
    unit = ref.unit_by_slug.get(slug)
    return unit.name(t.lang) if unit else slug


def upper_unit(ref: Reference, ward: str) -> str | None:
    """The unit a ward forwards to: its parent in the units tree, or, when the parent belongs
    to an earlier map (a ward of the 10-ward map under the 2025 map), the first of its
    ancestors that is still a unit. None when the ward has no unit above it."""
    parent = ref.parent_of(ward)
    while parent is not None and parent.legacy:
        parent = ref.parent_of(parent.slug)
    return parent.slug if parent else None


def wards_under(ref: Reference, unit: str) -> list[str]:
    """The wards, of this map and earlier ones, whose forwarded entries `unit` holds."""
    return [slug for slug, u in ref.unit_by_slug.items()
            if u.kind == "ward" and upper_unit(ref, slug) == unit]


def handling_unit(ref: Reference, entry: dict) -> str:
    """The unit that holds the entry now: the one above its ward once forwarded, else its
    ward."""
    if entry["status"] in DISTRICT_STATUSES:
        return upper_unit(ref, entry["unit"]) or entry["unit"]
    return entry["unit"]


def status_label(t: Translator, status: str) -> str:
    return t.tr(STATUS_LABELS.get(status, status))


def author_status_label(t: Translator, status: str) -> str:
    """The status as its author reads it, spoken to them."""
    return t.tr(AUTHOR_STATUS_LABELS.get(status, status))


def public_view(t: Translator, ref: Reference, entry: dict, *, author: bool = False) -> str:
    """What anyone with the code may see: status and dates, nothing personal; the title only to
    its author, or when the author agreed to show the entry publicly (`show_name`)."""
    labels = AUTHOR_STATUS_LABELS if author else STATUS_LABELS
    title = [t._("Title: {title}").format(title=entry["title"])]
    return "\n".join([
        f"{entry['code']} — {t.tr(KIND_LABELS[entry['kind']])}",
        *(title if author or entry.get("show_name") else []),
        t._("Reviewed by: {unit}").format(unit=unit_name(ref, t, handling_unit(ref, entry))),
        t._("Status: {status}").format(status=t.tr(labels.get(entry["status"], entry["status"]))),
        t._("Sent: {date}").format(date=t.datetime(entry["created_at"])),
        t._("Last change: {date}").format(date=t.datetime(entry["updated_at"])),
    ])


DETAIL_LABELS = {
    "benefit": N_("Expected benefit"),
    "entry_type": N_("Type of work"),
    "authors": N_("Authors"),
    "owner": N_("Owner organisation"),
    "applied_where": N_("Applied at"),
    "applied_since": N_("Applied since"),
    "applied_result": N_("Result of application"),
    "ip_status": N_("Intellectual property"),
}


def _field_name(ref: Reference, t: Translator, entry: dict) -> str:
    group = "idea_fields" if entry["kind"] == "idea" else "award_fields"
    named = ref.named(group, entry.get("field"))
    return named.name(t.lang) if named else "—"


def _detail_value(ref: Reference, t: Translator, key: str, value) -> str:
    if value is None:
        return "—"
    group = {"entry_type": "entry_types", "ip_status": "ip_statuses"}.get(key)
    named = ref.named(group, value) if group else None
    return named.name(t.lang) if named else str(value)


def officer_view(t: Translator, ref: Reference, entry: dict, files: int = 0) -> str:
    """Everything an officer needs to decide, including how to reach the author."""
    lines = [
        f"{entry['code']} — {t.tr(KIND_LABELS[entry['kind']])}",
        t._("Title: {title}").format(title=entry["title"]),
        t._("Reviewed by: {unit}").format(unit=unit_name(ref, t, entry["unit"])),
        t._("Field: {field}").format(field=_field_name(ref, t, entry)),
        t._("Status: {status}").format(status=status_label(t, entry["status"])),
        t._("Sent: {date}").format(date=t.datetime(entry["created_at"])),
    ]
    if entry.get("due_at"):
        lines.append(t._("Due: {date}").format(date=t.date(entry["due_at"])))
    if entry.get("award_level"):
        lines.append(t._("Award: {level}; prize: {prize}").format(
            level=t.tr(AWARD_LEVELS.get(entry["award_level"], entry["award_level"])),
            prize=entry.get("award_prize") or "—"))
    lines += ["", entry["description"], ""]
    for key, label in DETAIL_LABELS.items():
        if key in (entry.get("details") or {}):
            value = _detail_value(ref, t, key, entry["details"][key])
            lines.append(f"• {t.tr(label)}: {value}")
    contact = entry.get("contact_name") or t._("(anonymous)")
    if entry.get("contact_phone"):
        contact = f"{contact} — {display_phone(entry['contact_phone'])}"
    lines.append(t._("Contact: {contact}").format(contact=contact))
    if files:
        lines.append(t._("Attached files: {count}").format(count=files))
    return "\n".join(lines).strip()
