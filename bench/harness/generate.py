"""A district after five years: residents and entries across the 10 wards, most of them closed,
the rest in the wards' and the district's queues. Cached: a SQLite file under CACHE_DIR and the
PostgreSQL database `bench_scale`, both keyed by size, schema revision and generator version."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from alembic.script import ScriptDirectory
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import CACHE_DIR
from bench.harness.db import PG_SCALE_DB, ensure_pg_database, pg_url, reset_pg, settings_for
from bot.codes import PREFIXES, make_code
from bot.reference import Reference
from storage.db import _alembic_config, create_engine, migrate
from storage.search import search_key
from storage.tables import counters, entries, history, users

GENERATOR_VERSION = 4  # 3: every entry has its history, as the workflow writes it; 4: search_text
BATCH = 10_000
YEARS = 5
RECENT_DAYS = 120  # younger entries may still be open
CLOSED = [("closed", 40), ("rejected", 18), ("recognised", 17), ("duplicate", 5),
          ("withdrawn", 6), ("not_awarded", 7), ("awarded", 4), ("applied", 3)]
OPEN_WARD = [("submitted", 45), ("accepted", 40), ("needs_info", 15)]
OPEN_DISTRICT = [("forwarded", 60), ("shortlisted", 30), ("nominated", 10)]
TOPICS = ["Đèn đường tiết kiệm điện", "Thu gom dầu ăn đã qua sử dụng", "Bản đồ số chỗ đỗ xe",
          "Sổ tay điện tử khu phố", "Vườn rau trên sân thượng", "Camera an ninh tổ dân phố",
          "Tủ sách cộng đồng", "Ứng dụng đặt lịch hành chính", "Phân loại rác tại nguồn"]
# The statuses an entry went through after "submitted" to reach its current one (bot/services/
# permissions.STEPS), and who took each step.
_DISTRICT = ["accepted", "forwarded", "shortlisted", "nominated"]
PATHS = {
    "submitted": [], "accepted": ["accepted"], "needs_info": ["accepted", "needs_info"],
    "closed": ["accepted", "closed"], "rejected": ["accepted", "rejected"],
    "recognised": ["accepted", "recognised"], "duplicate": ["duplicate"],
    "withdrawn": ["withdrawn"], "forwarded": _DISTRICT[:2], "shortlisted": _DISTRICT[:3],
    "nominated": _DISTRICT, "not_awarded": [*_DISTRICT, "not_awarded"],
    "awarded": [*_DISTRICT, "awarded"], "applied": [*_DISTRICT, "awarded", "applied"],
}
WARD_STEPS = {"accepted", "needs_info", "closed", "rejected", "recognised", "duplicate",
              "forwarded"}
DESCRIPTION = ("Mô tả vấn đề đặt ra tại khu phố, giải pháp đề xuất, cách triển khai, "
               "kinh phí dự kiến và lợi ích mang lại cho người dân trên địa bàn phường.")


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head() or "none"


def cache_key(n_entries: int, n_users: int) -> str:
    return f"{n_entries}e-{n_users}u-{head_revision()}-g{GENERATOR_VERSION}"


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([w for w, _ in weighted], [n for _, n in weighted])[0]


class District:
    """Draws entries in chronological order, numbering their codes per kind and year."""

    def __init__(self, ref: Reference, n_users: int, now: datetime, seed: int = 20261125):
        self.rng = random.Random(seed)
        self.wards = [u.slug for u in ref.wards]
        self.idea_fields = [f.slug for f in ref.idea_fields]
        self.award_fields = [f.slug for f in ref.award_fields]
        self.campaign = ref.campaigns[0].slug if ref.campaigns else None
        self.n_users, self.now = n_users, now
        self.start = now - timedelta(days=365 * YEARS)
        self.seq: dict[tuple[str, int], int] = {}

    def status(self, created: datetime) -> str:
        rng, age = self.rng, (self.now - created).days
        if age < RECENT_DAYS and rng.random() < 0.6 or rng.random() < 0.002:
            return _pick(rng, OPEN_WARD if rng.random() < 0.85 else OPEN_DISTRICT)
        return _pick(rng, CLOSED)

    def steps(self, status: str, created: datetime) -> list[tuple[str, str, datetime]]:
        """(role, status, when) of each step after submission, a few hours to days apart."""
        out, at = [], created
        for to in PATHS[status]:
            at = min(at + timedelta(hours=self.rng.randint(2, 240)), self.now)
            role = ("resident" if to == "withdrawn" else
                    "ward_officer" if to in WARD_STEPS else "district_officer")
            out.append((role, to, at))
        return out

    def entry(self, n: int, created: datetime, first_user: int) -> tuple[dict, list]:
        """An entry's row and the steps of its history after submission."""
        rng = self.rng
        kind = "idea" if rng.random() < 0.85 else "award"
        key = (kind, created.year)
        self.seq[key] = seq = self.seq.get(key, 0) + 1
        status = self.status(created)
        steps = self.steps(status, created)
        since = steps[-1][2] if steps else created
        named = rng.random() < 0.6
        title = f"{rng.choice(TOPICS)} ({n})"
        name = "Nguyễn Thị Lan" if named else None
        return {
            "code": make_code(kind, created.year, seq), "kind": kind,
            "user_id": first_user + rng.randrange(self.n_users), "unit": rng.choice(self.wards),
            "campaign": self.campaign,
            "field": rng.choice(self.idea_fields if kind == "idea" else self.award_fields),
            "title": title, "description": DESCRIPTION, "details": {},
            "search_text": search_key(title, DESCRIPTION, name), "contact_name": name,
            "contact_phone": "+84903123456" if named else None, "show_name": named,
            "status": status, "lang": "vi" if rng.random() < 0.9 else "en",
            "created_at": created, "updated_at": since, "queue_since": since,
            "due_at": since + timedelta(days=7),
            "paused_at": since if status == "needs_info" else None,
        }, steps

    def batches(self, n: int, first_user: int) -> Iterator[list[tuple[dict, list]]]:
        span = (self.now - self.start).total_seconds()
        offsets = sorted(self.rng.random() for _ in range(n))
        for begin in range(0, n, BATCH):
            yield [self.entry(i, self.start + timedelta(seconds=offsets[i] * span), first_user)
                   for i in range(begin, min(n, begin + BATCH))]

    def counter_rows(self) -> list[dict]:
        return [{"name": f"{PREFIXES[kind]}{year % 100:02d}", "value": value}
                for (kind, year), value in self.seq.items()]


def _history(entry_id: int, row: dict, steps: list) -> Iterator[dict]:
    yield {"entry_id": entry_id, "at": row["created_at"], "actor_id": row["user_id"],
           "role": "resident", "from_status": None, "to_status": "submitted", "note": None,
           "officer_id": None, "actor_name": None}
    before = "submitted"
    for role, to, at in steps:
        yield {"entry_id": entry_id, "at": at, "actor_id": None, "role": role,
               "from_status": before, "to_status": to, "note": None, "officer_id": None,
               "actor_name": None if role == "resident" else "Cán bộ"}
        before = to


def resident(n: int, now: datetime) -> dict:
    return {"channel": "telegram", "external_id": str(200_000_000 + n), "lang": "vi",
            "consent_version": "2026-11", "consented_at": now - timedelta(days=n % 1800),
            "display_name": f"Cư dân {n}", "subscribed": n % 3 == 0, "role": "resident",
            "state": "menu", "data": {}, "last_update_id": n, "updated_at": now}


async def fill(engine: AsyncEngine, n_entries: int, n_users: int) -> None:
    now = datetime.now(UTC)
    for begin in range(0, n_users, BATCH):
        rows = [resident(n, now) for n in range(begin, min(n_users, begin + BATCH))]
        async with engine.begin() as conn:
            await conn.execute(insert(users), rows)
    async with engine.connect() as conn:
        first_user = (await conn.execute(select(func.min(users.c.id)))).scalar_one()
    district = District(Reference(settings_for("sqlite://")), n_users, now)
    for batch in district.batches(n_entries, first_user):
        async with engine.begin() as conn:
            ids = [r[0] for r in await conn.execute(
                insert(entries).returning(entries.c.id, sort_by_parameter_order=True),
                [row for row, _ in batch])]
            await conn.execute(insert(history), [
                h for entry_id, (row, steps) in zip(ids, batch, strict=True)
                for h in _history(entry_id, row, steps)])
    async with engine.begin() as conn:
        await conn.execute(insert(counters), district.counter_rows())


def _remember(name: str, seconds: float) -> None:
    (CACHE_DIR / f"{name}.seconds").write_text(f"{seconds:.1f}")


def generation_seconds(name: str) -> float | None:
    """How long the cached database `name` took to generate, when it was."""
    try:
        return float((CACHE_DIR / f"{name}.seconds").read_text())
    except (OSError, ValueError):
        return None


def _same_data(key: str, other: str) -> bool:
    """Two cache keys naming the same generated data under different schema revisions."""
    size, _, rest = key.rpartition("-g")
    other_size, _, other_rest = other.rpartition("-g")
    return rest == other_rest and size.rsplit("-", 1)[0] == other_size.rsplit("-", 1)[0]


async def _upgrade(url: str) -> None:
    """Bring a cached database of an earlier schema to the current one (the product's own
    migrations, as an upgrade in production would), instead of generating it again."""
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


async def ensure_sqlite(n_entries: int, n_users: int) -> tuple[str, float | None, str]:
    """(URL of the cached SQLite file, seconds spent generating it now or None, cache name)."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    key = cache_key(n_entries, n_users)
    path = CACHE_DIR / f"scale-{key}.db"
    if path.exists():
        return f"sqlite:///{path}", None, path.name
    for older in CACHE_DIR.glob(f"scale-{n_entries}e-{n_users}u-*.db"):
        if _same_data(key, older.stem.removeprefix("scale-")):
            await _upgrade(f"sqlite:///{older}")
            older.rename(path)
            seconds = CACHE_DIR / f"{older.name}.seconds"
            if seconds.exists():
                seconds.rename(CACHE_DIR / f"{path.name}.seconds")
            return f"sqlite:///{path}", None, path.name
    partial = path.with_suffix(".partial")
    for leftover in CACHE_DIR.glob(partial.name + "*"):
        leftover.unlink()
    started = time.perf_counter()
    engine = create_engine(f"sqlite:///{partial}")
    try:
        await migrate(engine)
        await fill(engine, n_entries, n_users)
    finally:
        await engine.dispose()  # the last connection closing folds the WAL into the file
    partial.rename(path)
    seconds = time.perf_counter() - started
    _remember(path.name, seconds)
    return f"sqlite:///{path}", seconds, path.name


async def ensure_pg(n_entries: int, n_users: int) -> tuple[str, float | None, str]:
    """Like ensure_sqlite, for database bench_scale: regenerated unless its marker matches."""
    marker = CACHE_DIR / f"pg-{PG_SCALE_DB}.key"
    key = cache_key(n_entries, n_users)
    await ensure_pg_database(PG_SCALE_DB)
    if marker.exists() and marker.read_text() == key:
        return pg_url(PG_SCALE_DB), None, marker.name
    if marker.exists() and _same_data(key, marker.read_text()):
        await _upgrade(pg_url(PG_SCALE_DB))
        marker.write_text(key)
        return pg_url(PG_SCALE_DB), None, marker.name
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    started = time.perf_counter()
    url = await reset_pg(PG_SCALE_DB)
    engine = create_engine(url)
    try:
        await migrate(engine)
        await fill(engine, n_entries, n_users)
        async with engine.begin() as conn:  # as autovacuum would have done by now
            await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    marker.write_text(key)
    seconds = time.perf_counter() - started
    _remember(marker.name, seconds)
    return url, seconds, marker.name

