"""Operator commands: `sangkien officers …` and `sangkien audit …` (output for a terminal)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import segno

from bot import poster
from bot.codes import CodeError, parse_code
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.i18n import N_, Translator
from bot.reference import Campaign, Reference
from bot.render import status_label, unit_name
from bot.runtime import Runtime
from bot.services import campaigns as campaign_service
from bot.services import council as council_service
from bot.services import officers as officer_service
from bot.services.campaigns import seed
from bot.workflow import ROLE_LABELS
from storage import broadcasts as broadcast_repo
from storage import campaigns as campaign_repo
from storage import council as council_repo
from storage import entries as entry_repo
from storage import officers as officer_repo
from storage import search as search_repo
from storage.db import create_engine, migrate


@asynccontextmanager
async def _database(settings: Settings):
    """The database, migrated, for one command; disposed of afterwards."""
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        await migrate(engine)
        yield engine
    finally:
        await engine.dispose()


def _translator(settings: Settings) -> Translator:
    return Translator(settings.locales_dir, settings.default_lang, settings.timezone)


async def invite(settings: Settings, unit: str, role: str, name: str | None) -> str:
    ref, t = Reference(settings), _translator(settings)
    async with _database(settings) as engine:
        async with engine.begin() as conn:
            code, expires = await officer_service.invite(
                conn, ref, unit=unit, role=role, name=name, now=datetime.now(UTC)
            )
    return t._(
        "Registration code for {role} of {unit}: {code}\n"
        "The person sends /dangky {code} to the bot. It can be used once, until {date}."
    ).format(role=t.tr(ROLE_LABELS[role]), unit=unit_name(ref, t, unit), code=code,
             date=t.datetime(expires))


async def list_officers(settings: Settings, include_revoked: bool) -> str:
    ref, t = Reference(settings), _translator(settings)
    async with _database(settings) as engine:
        async with engine.connect() as conn:
            rows = await officer_repo.list_officers(conn, include_revoked)
    lines = []
    revoked_word = t._("revoked")
    for row in rows:
        revoked = f"  ({revoked_word} {t.date(row['revoked_at'])})" if row["revoked_at"] else ""
        lines.append(
            f"{row['id']:>4}  {row['name']:<28} {t.tr(ROLE_LABELS[row['role']]):<30} "
            f"{unit_name(ref, t, row['unit']):<28} {row['channel']}:{row['external_id']}{revoked}"
        )
    return "\n".join(lines) or t._("No officers yet.")


async def _answered(settings: Settings, change, done: str, not_done: str,
                    **names) -> tuple[bool, str]:
    """Run `change(conn, now)` in one transaction; say `done` or `not_done` by its result."""
    async with _database(settings) as engine, engine.begin() as conn:
        ok = bool(await change(conn, datetime.now(UTC)))
    return ok, _translator(settings).tr(done if ok else not_done).format(**names)


async def revoke(settings: Settings, officer_id: int) -> tuple[bool, str]:
    return await _answered(
        settings, lambda conn, now: officer_service.revoke(conn, officer_id, now),
        N_("Officer {id} can no longer act."), N_("No active officer has the number {id}."),
        id=officer_id)


async def audit(settings: Settings, code: str | None, officer_id: int | None) -> tuple[bool, str]:
    """An entry's history, or every action of one officer."""
    ref, t = Reference(settings), _translator(settings)
    async with _database(settings) as engine:
        async with engine.connect() as conn:
            if officer_id is not None:
                rows = await officer_repo.actions_of(conn, officer_id)
                searched = await search_repo.searches_of(conn, officer_id)
                searched += await council_repo.audit_of_officer(conn, officer_id)  # issue 14
                header = t._("Actions of officer {id}:").format(id=officer_id)
            else:
                try:
                    code = parse_code(code or "")
                except CodeError:
                    return False, t._("“{typed}” is not a valid tracking code.").format(typed=code)
                entry = await entry_repo.entry_by_code(conn, code)
                if entry is None:
                    return False, t._("No entry has the code {code}.").format(code=code)
                history = await entry_repo.entry_history(conn, entry["id"])
                rows = [{**h, "code": code} for h in history]
                searched = []
                header = f"{code} — {entry['title']} ({unit_name(ref, t, entry['unit'])})"
    lines = [header]
    for h in sorted(rows + searched, key=lambda h: h["at"]):
        if "query" in h:  # a search by a person's name or phone, or an export (issue 13)
            lines.append(_searched(t, h))
            continue
        if "action" in h:  # a council member's score, comment or recusal (issue 14)
            lines.append(_council_audited(t, h))
            continue
        who = h["actor_name"] or t.tr(ROLE_LABELS.get(h["role"], h["role"]))
        before = status_label(t, h["from_status"]) if h["from_status"] else "—"
        lines.append(f"{t.datetime(h['at'])}  {h['code']}  {who} [{h['role']}]: "
                     f"{before} → {status_label(t, h['to_status'])}")
        if h["note"]:
            lines.append(f"    “{h['note']}”")
    return True, "\n".join(lines)


SEARCH_KINDS = {"name": N_("search by name"), "phone": N_("search by phone"),
                "name,phone": N_("search by name and phone"), "export": N_("Excel export")}


def _searched(t: Translator, h: dict) -> str:
    """One line of the audit trail of searches (storage/search.py)."""
    what = t.tr(SEARCH_KINDS.get(h["kind"], h["kind"]))
    return t._("{at}  {who}: {what} “{query}”, {count} result(s)").format(
        at=t.datetime(h["at"]), who=h["actor_name"] or "—", what=what, query=h["query"],
        count=h["results"])


async def campaigns_add(settings: Settings, path: str) -> tuple[bool, str]:
    ref, t = Reference(settings), _translator(settings)
    try:
        async with _database(settings) as engine, engine.begin() as conn:
            await campaign_service.seed(conn, ref, settings.campaigns_file, datetime.now(UTC))
            slugs = await campaign_service.add_file(conn, ref, Path(path), datetime.now(UTC))
    except campaign_service.CampaignError as error:
        return False, str(error)
    return True, t._("Campaigns added: {slugs}").format(slugs=", ".join(slugs) or "—")


async def campaigns_list(settings: Settings) -> str:
    ref, t = Reference(settings), _translator(settings)
    now = datetime.now(UTC)
    async with _database(settings) as engine, engine.begin() as conn:
        await seed(conn, ref, settings.campaigns_file, now)
        rows = await campaign_repo.all_campaigns(conn)
    today = now.astimezone(ref.tz).date()
    lines = []
    for row in rows:
        campaign = Campaign.from_mapping(row)
        state = t._("open") if campaign.is_open(today) else t._("closed")
        lines.append(f"{campaign.slug:<28} {state:<10} {t.date(campaign.opens)} – "
                     f"{t.date(campaign.closes)}  {campaign.title(t.lang)}")
    return "\n".join(lines)


async def campaigns_close(settings: Settings, slug: str) -> tuple[bool, str]:
    return await _answered(
        settings, lambda conn, now: campaign_repo.close(conn, slug, now),
        N_("Campaign {slug} is closed; drafts for it are kept."),
        N_("No open campaign is called {slug}."), slug=slug)


def campaign_link(settings: Settings, slug: str, bot: str | None = None) -> str:
    link = campaign_service.deep_link(bot or settings.telegram_bot_username, slug)
    if link is None:
        raise ValueError("set TELEGRAM_BOT_USERNAME (or --bot) to make the deep link")
    return link


def campaign_qr(settings: Settings, slug: str, out: str, bot: str | None = None) -> str:
    """A QR code PNG of the campaign's deep link, big enough to print on an A4 poster."""
    link = campaign_link(settings, slug, bot)
    segno.make(link, error="m").save(out, scale=12, border=4)
    return link


async def campaign_poster(settings: Settings, slug: str, out: str, lang: str | None = None,
                          bot: str | None = None) -> tuple[bool, str]:
    """`campaigns poster`: the campaign's A4 poster, <slug>.pdf and <slug>.png in folder `out`."""
    ref = Reference(settings)
    t = Translator(settings.locales_dir, lang or settings.default_lang, settings.timezone)
    if not poster.links(settings, slug, bot):
        return False, f"{poster.NO_CHANNEL}; or name the bot with --bot"
    now = datetime.now(UTC)
    async with _database(settings) as engine, engine.begin() as conn:
        await seed(conn, ref, settings.campaigns_file, now)
        rows = await campaign_repo.all_campaigns(conn)
    campaigns = [Campaign.from_mapping(row) for row in rows]
    campaign, problem = poster.find(campaigns, slug, now.astimezone(ref.tz).date(), t)
    if campaign is None:
        return False, problem
    page = poster.for_campaign(settings, ref, t, campaign, bot)
    pdf, png = page.pdf(), page.png()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / f"{slug}.pdf", folder / f"{slug}.png"]
    written[0].write_bytes(pdf)
    written[1].write_bytes(png)
    channels = [f"{name}: {link}" for name, link in poster.links(settings, slug, bot)]
    return True, "\n".join([*map(str, written), *channels])


async def run_due(settings: Settings, now: datetime) -> str:
    """Run every job as if it were `now`; messages wait in the outbox for `sangkien run`."""
    async with _database(settings) as engine:
        dispatcher = Dispatcher(settings, engine, clock=lambda: now)
        runtime = Runtime(dispatcher)  # no channel: what it queues waits in the outbox
        counts = await runtime.jobs.run_due(now)
        started = await runtime.broadcaster.start_due()
        await dispatcher.close()
    lines = [f"{name}: {n}" for name, n in counts.items()]
    lines.append(f"broadcasts started: {started}")
    return "\n".join(lines)


async def broadcast_status(settings: Settings, broadcast_id: int) -> tuple[bool, str]:
    t = _translator(settings)
    async with _database(settings) as engine:
        async with engine.connect() as conn:
            broadcast = await broadcast_repo.get(conn, broadcast_id)
            counts = await broadcast_repo.counts(conn, broadcast_id) if broadcast else {}
    if broadcast is None:
        return False, t._("No announcement has the number {id}.").format(id=broadcast_id)
    total = sum(counts.values())
    parts = [f"#{broadcast_id} {broadcast['status']}", f"total {total}"]
    parts += [f"{status} {counts.get(status, 0)}"
              for status in ("pending", "sent", "failed", "blocked", "held", "cancelled")]
    return True, "  ".join(parts)


# --- `sangkien council …`: the selection council (issue 14) ------------------------------------
async def _council_change(settings: Settings, change) -> tuple[bool, str]:
    """Run `change(conn, ref, t, now) -> text` in one transaction; a CouncilError is said."""
    ref, t = Reference(settings), _translator(settings)
    try:
        async with _database(settings) as engine, engine.begin() as conn:
            return True, await change(conn, ref, t, datetime.now(UTC))
    except council_service.CouncilError as error:
        return False, str(error)


async def council_create(settings: Settings, unit: str, name: str) -> tuple[bool, str]:
    async def change(conn, ref, t, now):
        council_id = await council_service.create_council(conn, ref, unit=unit, name=name,
                                                          now=now)
        return t._("Council {id} created: {name} ({unit}).").format(
            id=council_id, name=name, unit=unit_name(ref, t, unit))
    return await _council_change(settings, change)


async def council_add_member(settings: Settings, council_id: int, officer_id: int,
                             chair: bool) -> tuple[bool, str]:
    async def change(conn, ref, t, now):
        recused = await council_service.add_member(conn, council_id, officer_id, chair=chair,
                                                   now=now)
        text = (t._("Officer {officer} chairs council {council}; automatically recused from "
                    "{count} dossier(s) of their own unit.") if chair else
                t._("Officer {officer} sits on council {council}; automatically recused from "
                    "{count} dossier(s) of their own unit."))
        return text.format(officer=officer_id, council=council_id, count=recused)
    return await _council_change(settings, change)


async def council_round(settings: Settings, council_id: int, label: str, *,
                        rubric: str | None, closes: date | None, **rules) -> tuple[bool, str]:
    async def change(conn, ref, t, now):
        round_id = await council_service.open_round(
            conn, ref, council_id, label=label, now=now,
            rubric_file=Path(rubric) if rubric else None, closes_on=closes, **rules)
        found = await council_service.load_round(conn, round_id)
        text = t._("Round {id} ({label}) is open on {count} dossier(s).").format(
            id=round_id, label=label, count=len(found.dossiers))
        if found.rubric.placeholder:
            text += "\n" + t.tr(council_service.PLACEHOLDER_NOTE)
        return text
    return await _council_change(settings, change)


async def council_close(settings: Settings, round_id: int) -> tuple[bool, str]:
    async def change(conn, ref, t, now):
        if not await council_service.close(conn, round_id, by="sangkien council close",
                                           now=now):
            raise council_service.CouncilError(f"no open round has the number {round_id}")
        return t._("Round {id} is closed.").format(id=round_id)
    return await _council_change(settings, change)


async def council_results(settings: Settings, round_id: int) -> tuple[bool, str]:
    async def change(conn, ref, t, now):
        result = await council_service.round_result(conn, ref, round_id)
        return council_service.ranking_text(t, result)
    return await _council_change(settings, change)


def _council_audited(t: Translator, h: dict) -> str:
    """One line of the council's audit trail (storage/council.py)."""
    what = h["action"] + (f" {h['criterion']}" if h["criterion"] else "")
    change = f"{h['old'] if h['old'] is not None else '—'} → {h['new'] or '—'}"
    return t._("{at}  {code}  {who}: council round {label}, {what}: {change}").format(
        at=t.datetime(h["at"]), code=h["code"] or "—", who=h["actor_name"] or "—",
        label=h["label"], what=what, change=change)
