"""Reference data read from data files: units, fields, entry types, campaigns.

None of it is code: a new ward map or a new campaign is a new data file, chosen by configuration.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.calendar import QuietHours, WorkingCalendar
from bot.config import DATA_DIR, Settings
from bot.text import fold


@dataclass(frozen=True)
class Named:
    slug: str
    name_vi: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_vi


@dataclass(frozen=True)
class Unit(Named):
    kind: str  # "ward", "district" or "city"
    aliases: tuple[str, ...] = ()
    parent: str | None = None  # the unit an entry forwarded from here goes to
    short_vi: str | None = None
    short_en: str | None = None
    legacy: bool = False  # of an earlier map: its entries keep its name; not offered any more

    def short_name(self, lang: str) -> str:
        """The name without its kind, where a label already says it ("Phường: Bến Thành")."""
        short = self.short_en if lang == "en" else self.short_vi
        if short:
            return short
        name = self.name(lang)
        for word in ("Phường ", "Quận "):
            name = name.removeprefix(word)
        return name.removesuffix(" Ward")


def read_units(path: Path, legacy: bool = False) -> list[Unit]:
    """The units of a map file, then those of the maps before it (`previous`), as legacy."""
    raw = _load(path)
    fields = set(Unit.__dataclass_fields__) - {"legacy", "aliases"}
    units = [
        Unit(**{k: v for k, v in u.items() if k in fields},
             aliases=tuple(u.get("aliases", ())), legacy=legacy)
        for u in raw["unit"]
    ]
    if raw.get("previous"):
        current = {u.slug for u in units}
        units += [u for u in read_units(path.parent / raw["previous"], legacy=True)
                  if u.slug not in current]
    return units


@dataclass(frozen=True)
class Campaign:
    slug: str
    title_vi: str
    title_en: str
    description_vi: str
    description_en: str
    kinds: tuple[str, ...]
    opens: date
    closes: date
    fields: tuple[str, ...] = ()  # empty: every field
    units: tuple[str, ...] = ()  # empty: every ward
    closed_at: datetime | None = None  # closed early by an operator

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_vi

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" else self.description_vi

    def is_open(self, today: date) -> bool:
        return self.closed_at is None and self.opens <= today <= self.closes

    @classmethod
    def from_mapping(cls, raw: dict) -> Campaign:
        known = {f: raw[f] for f in cls.__dataclass_fields__ if f in raw}
        for key in ("kinds", "fields", "units"):
            known[key] = tuple(known.get(key) or ())
        return cls(**known)


# --- the movement's plans and their targets (data/plans.toml) ----------------------------------
PLANS_FILE = DATA_DIR / "plans.toml"
TARGET_KEYS = ("dossiers", "applied")


@dataclass(frozen=True)
class PlanTarget:
    key: str  # one of TARGET_KEYS
    low: int
    high: int


@dataclass(frozen=True)
class Plan(Named):
    start: date
    end: date
    targets: tuple[PlanTarget, ...] = ()
    assumed: bool = False  # targets carried over until the office sets its own

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def read_plans(path: Path) -> list[Plan]:
    """The plans of a plans file, oldest first; overlapping plans or a wrong target stop the bot
    at start-up."""
    plans = []
    for raw in _load(path).get("plan", []):
        targets = tuple(PlanTarget(t["key"], int(t["low"]), int(t["high"]))
                        for t in raw.get("target", []))
        plan = Plan(raw["slug"], raw["name_vi"], raw.get("name_en", raw["name_vi"]),
                    start=raw["start"], end=raw["end"], targets=targets,
                    assumed=bool(raw.get("assumed", False)))
        if plan.end < plan.start:
            raise ValueError(f"{path}: plan {plan.slug} ends before it starts")
        for target in targets:
            if target.key not in TARGET_KEYS or not 0 <= target.low <= target.high:
                raise ValueError(f"{path}: plan {plan.slug}: wrong target {target}")
        plans.append(plan)
    plans.sort(key=lambda p: p.start)
    for before, after in zip(plans, plans[1:], strict=False):
        if after.start <= before.end:
            raise ValueError(f"{path}: plans {before.slug} and {after.slug} overlap")
    return plans


def _load(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


class Reference:
    def __init__(self, settings: Settings):
        known = read_units(settings.units_file)
        # Units of the current map; `unit_by_slug` also knows those of earlier maps (legacy).
        self.units = [u for u in known if not u.legacy]
        self.unit_by_slug = {u.slug: u for u in known}
        self.wards = [u for u in self.units if u.kind == "ward"]
        catalog = _load(settings.catalog_file)
        self.idea_fields = [Named(**f) for f in catalog["idea_field"]]
        self.award_fields = [Named(**f) for f in catalog["award_field"]]
        self.entry_types = [Named(**f) for f in catalog["entry_type"]]
        self.ip_statuses = [Named(**f) for f in catalog["ip_status"]]
        # Seeded from the data file; the database's campaigns replace these once loaded.
        seeds = read_campaign_file(settings.campaigns_file)
        self.campaigns = [Campaign.from_mapping(c) for c in seeds]
        self._ward_keys = self._build_ward_keys()
        self.calendar = WorkingCalendar.from_file(settings.holidays_file)
        self.tz = ZoneInfo(settings.timezone)
        # The hours when nobody is written to unless they wrote first.
        self.quiet = QuietHours(settings.quiet_start, settings.quiet_end, self.tz)
        # The movement's plans, oldest first, with their targets (data/plans.toml).
        self.plans = read_plans(PLANS_FILE)

    def plan_for(self, day: date) -> Plan | None:
        """The plan whose period holds `day`, or None."""
        return next((plan for plan in self.plans if day in plan), None)

    def _build_ward_keys(self) -> dict[str, list[str]]:
        keys: dict[str, list[str]] = {}
        for ward in self.wards:
            names = {ward.name_vi, ward.name_en, ward.slug.replace("-", " "), *ward.aliases}
            for name in names:
                for key in {fold(name), _strip_ward_word(fold(name))}:
                    if key and ward.slug not in keys.setdefault(key, []):
                        keys[key].append(ward.slug)
        return keys

    def match_wards(self, typed: str) -> list[Unit]:
        """Wards a typed name may mean: one, several (an old ward that was split), or none."""
        key = _strip_ward_word(fold(typed))
        return [self.unit_by_slug[s] for s in self._ward_keys.get(key, [])]

    def parent_of(self, slug: str) -> Unit | None:
        """The unit above `slug` in the tree: where an entry forwarded from it goes."""
        unit = self.unit_by_slug.get(slug)
        return self.unit_by_slug.get(unit.parent) if unit and unit.parent else None

    def children_of(self, slug: str | None) -> list[Unit]:
        """The units directly under `slug` in the current map (None: the roots)."""
        return [u for u in self.units if u.parent == slug]

    def named(self, group: str, slug: str | None) -> Named | None:
        for item in getattr(self, group):
            if item.slug == slug:
                return item
        return None

    def open_campaigns(self, today: date, kind: str | None = None) -> list[Campaign]:
        return [
            c for c in self.campaigns if c.is_open(today) and (kind is None or kind in c.kinds)
        ]

    def campaign(self, slug: str | None) -> Campaign | None:
        return next((c for c in self.campaigns if c.slug == slug), None)

    def wards_for(self, campaign: Campaign | None) -> list[Unit]:
        if campaign is None or not campaign.units:
            return self.wards
        return [u for u in self.wards if u.slug in campaign.units]


def read_campaign_file(path: Path) -> list[dict]:
    """Campaigns from a TOML file (`[[campaign]]` tables), checked for what the bot needs."""
    raw = _load(path).get("campaign", [])
    required = ("slug", "title_vi", "description_vi", "kinds", "opens", "closes")
    for item in raw:
        missing = [key for key in required if key not in item]
        if missing:
            raise ValueError(f"campaign {item.get('slug', '?')}: missing {', '.join(missing)}")
        if not set(item["kinds"]) <= {"idea", "award"} or not item["kinds"]:
            raise ValueError(f"campaign {item['slug']}: kinds must be idea and/or award")
        if item["closes"] < item["opens"]:
            raise ValueError(f"campaign {item['slug']}: closes before it opens")
        item.setdefault("title_en", item["title_vi"])
        item.setdefault("description_en", item["description_vi"])
    return raw


def _strip_ward_word(key: str) -> str:
    for prefix in ("phuong ", "p ", "ward "):
        if key.startswith(prefix):
            key = key[len(prefix):]
    if key.endswith(" ward"):
        key = key[: -len(" ward")]
    return key.strip()
