"""The command line: `sangkien run | chat | migrate` (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import uvicorn

from bot import admin, web
from bot.channels import console
from bot.channels.telegram import build_application
from bot.channels.zalo_bot import ZaloBotChannel
from bot.config import ConfigError, Settings, database_label, load_settings
from bot.dispatcher import Dispatcher
from bot.i18n import LANGUAGES, Translator, compile_catalogs
from bot.reference import Reference
from bot.reports import ReportError, build_report
from bot.reports import council as council_docs
from bot.runtime import Runtime
from bot.services import exhibition, opendata, stats
from bot.services.officers import InviteError
from storage.db import DatabaseUnavailable, create_engine, is_sqlite, migrate

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sangkien", description="Sáng kiến civic-idea bot")
    parser.add_argument("--config", help="TOML configuration file (also SANGKIEN_CONFIG)")
    parser.add_argument("--database-url", help="overrides SANGKIEN_DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve the configured channels by long polling (Telegram: "
                   "TELEGRAM_BOT_TOKEN, Zalo Bot: ZALO_BOT_TOKEN)")
    serve = sub.add_parser("serve", help="serve webhooks (Telegram, Zalo Bot, Zalo OA), the "
                           "upload page and file links over HTTP; needs SANGKIEN_PUBLIC_URL")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on")
    serve.add_argument("--workers", type=int, default=1,
                       help="processes serving the one port (PostgreSQL only); a worker that "
                            "dies is started again")
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--user", default="1001", help="the console user's identity")
    chat.add_argument("--name", default=None, help="the console user's display name")
    chat.add_argument("--json", action="store_true", help="JSON lines in and out, for scripts")
    sub.add_parser("migrate", help="apply the database migrations")
    officers = sub.add_parser("officers", help="invite, list and revoke officers")
    osub = officers.add_subparsers(dest="officers_command", required=True)
    inv = osub.add_parser("invite", help="print a one-time registration code (valid 7 days)")
    inv.add_argument("--unit", required=True, help="unit slug, e.g. ben-nghe or quan-1")
    inv.add_argument("--role", required=True,
                     choices=["ward_officer", "district_officer", "communications", "admin",
                              "council_member"])
    inv.add_argument("--name", help="the officer's name, as colleagues and the audit see it")
    lst = osub.add_parser("list", help="active officers")
    lst.add_argument("--all", action="store_true", help="include revoked ones")
    rev = osub.add_parser("revoke", help="stop an officer from acting")
    rev.add_argument("id", type=int)
    camps = sub.add_parser("campaigns", help="add, list and close campaigns; QR codes and posters")
    csub = camps.add_subparsers(dest="campaigns_command", required=True)
    add = csub.add_parser("add", help="add the campaigns of a TOML file ([[campaign]] tables)")
    add.add_argument("file")
    csub.add_parser("list", help="every campaign with its dates")
    close = csub.add_parser("close", help="stop a campaign taking entries")
    close.add_argument("slug")
    qr = csub.add_parser("qr", help="write a QR code PNG of the campaign's deep link")
    qr.add_argument("slug")
    qr.add_argument("--out", help="PNG file (default: <slug>.png)")
    qr.add_argument("--bot", help="bot username (default: TELEGRAM_BOT_USERNAME)")
    poster = csub.add_parser("poster", help="write the campaign's A4 poster, <slug>.pdf and "
                             "<slug>.png: a QR code for each channel (TELEGRAM_BOT_USERNAME, "
                             "SANGKIEN_ZALO_LINK)")
    poster.add_argument("slug")
    poster.add_argument("--out", default=".", help="folder to write into (default: here)")
    poster.add_argument("--lang", choices=["vi", "en"], help="language (default: the bot's)")
    poster.add_argument("--bot", help="Telegram bot username (default: TELEGRAM_BOT_USERNAME)")
    jobs = sub.add_parser("jobs", help="run the scheduled jobs")
    jsub = jobs.add_subparsers(dest="jobs_command", required=True)
    due = jsub.add_parser("run-due", help="run everything due at a time (default: now)")
    due.add_argument("--now", help="ISO time, e.g. 2026-12-01T08:00:00+07:00")
    bc = sub.add_parser("broadcast", help="announcements")
    bsub = bc.add_subparsers(dest="broadcast_command", required=True)
    status = bsub.add_parser("status", help="delivery counts of an announcement")
    status.add_argument("id", type=int)
    audit = sub.add_parser("audit", help="an entry's history, or an officer's actions")
    audit.add_argument("code", nargs="?", help="tracking code")
    audit.add_argument("--officer", type=int, help="officer number (see `officers list`)")
    _open_data_parsers(sub)
    _report_parser(sub)
    _council_parser(sub)
    _council_documents_parser(sub)
    return parser


class SettableClock:
    """The console's clock: real time until a `{"clock": …}` line sets it."""
    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(UTC)


async def prepare(settings: Settings, clock=None):
    """Build catalogs and bring the database schema up to date; return engine and dispatcher."""
    compile_catalogs(settings.locales_dir)
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    await migrate(engine)
    return engine, Dispatcher(settings, engine, clock=clock)


async def _serve(settings: Settings) -> int:
    """`sangkien run`: every channel the configuration enables, on one runtime."""
    engine, dispatcher = await prepare(settings)
    runtime = Runtime(dispatcher)
    try:
        if settings.telegram_token:
            build_application(settings, dispatcher, runtime=runtime)
        if settings.zalo_bot_token:
            ZaloBotChannel(dispatcher, runtime, token=settings.zalo_bot_token,
                           base_url=settings.zalo_bot_base_url)
        if not runtime.channels:
            log.error("no channel is enabled: set TELEGRAM_BOT_TOKEN or ZALO_BOT_TOKEN "
                      "(a Zalo Official Account is served by `sangkien serve`)")
            return 2
        # What start-up built lives as long as the process: keep it out of the collector's
        # way, so a full collection never pauses the event loop for long.
        gc.freeze()
        await runtime.serve()
        return 0
    finally:
        await dispatcher.close()
        await engine.dispose()


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> int:
    """`sangkien serve --workers N`: N processes on one listening socket (the kernel spreads
    the connections), each a whole `serve`. They share only the database, which must then be
    PostgreSQL. This process starts them, starts again one that dies, and stops them all on
    SIGTERM or SIGINT."""
    if workers <= 1:
        return asyncio.run(_serve_http(settings, host, port))
    if is_sqlite(settings.database_url):
        log.error("--workers needs PostgreSQL: SQLite serves one process (set "
                  "SANGKIEN_DATABASE_URL to a postgresql:// address, or drop --workers)")
        return 2
    listening = socket.create_server((host, port), backlog=2048)
    children: set[int] = set()
    stopping = False

    def start() -> None:
        pid = os.fork()
        if pid == 0:  # the worker: nothing async has started in this process yet
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 1
            try:
                code = asyncio.run(_serve_http(settings, host, port, listening))
            except DatabaseUnavailable as error:
                print(f"sangkien: {error}", file=sys.stderr)
            except BaseException:
                log.exception("worker failed")
            finally:
                os._exit(code)
        children.add(pid)

    def stop(_signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        start()
    log.info("serving http://%s:%s with %d workers", host, port, workers)
    while children:
        pid, status = os.wait()
        children.discard(pid)
        if not stopping:
            log.error("worker %d stopped (%s); starting another", pid,
                      os.waitstatus_to_exitcode(status))
            time.sleep(1.0)  # not a tight loop when workers fail at start
            start()
    listening.close()
    return 0


async def _serve_http(settings: Settings, host: str, port: int,
                      listening: socket.socket | None = None) -> int:
    """`sangkien serve`: the webhooks of every enabled channel, the upload page and file links,
    on one ASGI application; the outbox, announcements and reminders run beside it."""
    engine, dispatcher = await prepare(settings)
    runtime = Runtime(dispatcher)
    telegram = zalo_bot = zalo_oa = None
    try:
        if settings.telegram_token:
            telegram = build_application(settings, dispatcher, runtime=runtime)
        if settings.zalo_bot_token:
            zalo_bot = ZaloBotChannel(dispatcher, runtime, token=settings.zalo_bot_token,
                                      base_url=settings.zalo_bot_base_url)
        zalo_oa = web.zalo_oa_channel(settings, dispatcher, runtime)
        if runtime.channels and not settings.public_url:
            log.error("webhooks need the bot's public HTTPS address: set SANGKIEN_PUBLIC_URL")
            return 2
        secrets = await web.webhook_secrets(runtime)
        app = web.build_app(runtime, telegram=telegram, zalo_bot=zalo_bot, zalo_oa=zalo_oa,
                            secrets=secrets)
        public = (settings.public_url or "").rstrip("/")
        if telegram is not None:
            await telegram.initialize()
            await telegram.bot_data["channel"].set_commands(telegram)
            await telegram.bot.set_webhook(f"{public}/telegram", secret_token=secrets.telegram)
            await telegram.start()
        if zalo_bot is not None:
            await zalo_bot.start_webhook(f"{public}/zalo/bot", secrets.zalo_bot)
        if zalo_oa is not None:  # its webhook address is set in Zalo's developer console
            await zalo_oa.start()
        await runtime.start()
        gc.freeze()
        log.info("serving http://%s:%s (%s)", host, port, ", ".join(runtime.channels) or
                 "upload and file pages only")
        # No access log: upload and file links carry signed tokens in their paths.
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                               access_log=False, lifespan="off"))
        # uvicorn stops on SIGTERM/SIGINT, then raises the signal again for the handler it
        # found: a handler that does nothing lets the clean-up below run (the outbox and
        # deliveries given back, the Application stopped) instead of the process dying.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
        await server.serve(sockets=[listening] if listening is not None else None)
        log.info("stopping")
        return 0
    finally:
        await runtime.stop()
        if telegram is not None and telegram.running:
            await telegram.stop()
            await telegram.shutdown()
        for channel in (zalo_bot, zalo_oa):
            if channel is not None:
                await channel.stop()
        await dispatcher.close()
        await engine.dispose()


async def _chat(settings: Settings, args) -> None:
    engine, dispatcher = await prepare(settings, clock=SettableClock())
    try:
        if args.json:
            await console.run_json(dispatcher, str(args.user), args.name)
        else:
            await console.run_human(dispatcher, str(args.user), args.name)
    finally:
        await dispatcher.close()
        await engine.dispose()


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def _officers(settings: Settings, args) -> int:
    if args.officers_command == "invite":
        try:
            print(asyncio.run(admin.invite(settings, args.unit, args.role, args.name)))
        except InviteError as error:
            print(error, file=sys.stderr)
            return 2
    elif args.officers_command == "list":
        print(asyncio.run(admin.list_officers(settings, args.all)))
    else:
        ok, text = asyncio.run(admin.revoke(settings, args.id))
        print(text, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    return 0


def _campaigns(settings: Settings, args) -> int:
    command = args.campaigns_command
    if command == "list":
        print(asyncio.run(admin.campaigns_list(settings)))
        return 0
    if command == "qr":
        out = args.out or f"{args.slug}.png"
        try:
            link = admin.campaign_qr(settings, args.slug, out, args.bot)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        print(f"{out}: {link}")
        return 0
    if command == "poster":
        ok, text = asyncio.run(admin.campaign_poster(settings, args.slug, args.out, args.lang,
                                                     args.bot))
        print(text, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 2
    if command == "add":
        ok, text = asyncio.run(admin.campaigns_add(settings, args.file))
    else:
        ok, text = asyncio.run(admin.campaigns_close(settings, args.slug))
    print(text, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


# --- `sangkien report`: the yearly review report, its annex and charts ---------------------------


def _report_parser(sub) -> None:
    report = sub.add_parser("report", help="write the yearly review report (DOCX), its annex "
                            "workbook (XLSX) and charts (PNG)")
    report.add_argument("--year", type=int, required=True, help="the year reviewed, e.g. 2026")
    report.add_argument("--final", action="store_true",
                        help="the final review of the whole plan holding the year")
    report.add_argument("--lang", choices=list(LANGUAGES), default="vi",
                        help="the report's language (default: vi)")
    report.add_argument("--out", required=True, help="folder to write the files into")


async def _build_report(settings: Settings, args) -> list[Path]:
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        await migrate(engine)
        return await build_report(engine, settings, Reference(settings), year=args.year,
                                  final=args.final, out_dir=Path(args.out), lang=args.lang,
                                  now=datetime.now(UTC))
    finally:
        await engine.dispose()


def _report(settings: Settings, args) -> int:
    compile_catalogs(settings.locales_dir)
    try:
        paths = asyncio.run(_build_report(settings, args))
    except ReportError as error:
        t = Translator(settings.locales_dir, args.lang, settings.timezone)
        print(f"sangkien: {error.text(t)}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


def _uses_database(args) -> bool:
    return not (args.command == "campaigns" and args.campaigns_command == "qr")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command in ("run", "serve") else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request's URL at INFO, and a Telegram or Zalo Bot URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = load_settings(args.config, database_url=args.database_url)
    except ConfigError as error:
        print(f"sangkien: configuration: {error}", file=sys.stderr)
        return 2
    if _uses_database(args):
        print(f"sangkien: database {database_label(settings.database_url)}", file=sys.stderr)
    try:
        return _command(settings, args)
    except DatabaseUnavailable as error:
        print(f"sangkien: {error}", file=sys.stderr)
        return 2


def _command(settings: Settings, args) -> int:
    if args.command == "chat":
        # Ctrl-C ends the console even when a shell started it with SIGINT ignored (a
        # background job inherits that): the person at the terminal still means it.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            asyncio.run(_chat(settings, args))
        except KeyboardInterrupt:  # Ctrl-C in the console: everything said so far is kept
            print(file=sys.stderr)
            return 130
    elif args.command == "migrate":
        asyncio.run(_migrate(settings))
        print("ok")
    elif args.command == "officers":
        return _officers(settings, args)
    elif args.command == "jobs":
        try:
            now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
        except ValueError:
            print(f"not an ISO time: {args.now}", file=sys.stderr)
            return 2
        if now.tzinfo is None:
            now = now.replace(tzinfo=ZoneInfo(settings.timezone))
        print(asyncio.run(admin.run_due(settings, now)))
    elif args.command == "broadcast":
        ok, text = asyncio.run(admin.broadcast_status(settings, args.id))
        print(text, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    elif args.command == "campaigns":
        return _campaigns(settings, args)
    elif args.command == "audit":
        if args.code is None and args.officer is None:
            print("give a tracking code or --officer ID", file=sys.stderr)
            return 2
        ok, text = asyncio.run(admin.audit(settings, args.code, args.officer))
        print(text, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    elif args.command in ("export", "exhibition"):
        return _open_data(settings, args)
    elif args.command == "report":
        return _report(settings, args)
    elif args.command == "council":
        return _council(settings, args)
    elif args.command == "council-documents":
        return _council_documents(settings, args)
    elif args.command == "run":
        return asyncio.run(_serve(settings))
    elif args.command == "serve":
        return _serve_workers(settings, args.host, args.port, args.workers)
    return 0


# --- open data and the exhibition list (issue 13) -----------------------------------------------


def _open_data_parsers(sub) -> None:
    export = sub.add_parser("export", help="entries without personal data, as open data")
    export.add_argument("--format", required=True, choices=opendata.FORMATS)
    export.add_argument("--fields", help="comma-separated field names (default: all but "
                        f"description): {', '.join(opendata.FIELDS)}")
    export.add_argument("--year", type=int, help="entries received in this year")
    export.add_argument("--from", dest="start", type=_day,
                        help="received on or after this day (YYYY-MM-DD)")
    export.add_argument("--to", dest="end", type=_day,
                        help="received on or before this day (YYYY-MM-DD)")
    export.add_argument("--include", help="also withdrawn,duplicate entries (drafts never)")
    export.add_argument("--unit", help="a unit's slug: its entries and those of units below it")
    export.add_argument("--lang", choices=["vi", "en"], help="labels' language (default vi)")
    export.add_argument("--header", choices=opendata.HEADERS, default="labels",
                        help="CSV/XLSX header: labels in the language, or machine names")
    export.add_argument("--out", required=True, help="file to write; - for standard output "
                        "(csv, json, jsonl)")
    show = sub.add_parser("exhibition", help="the year's awarded and applied works: XLSX and "
                          "a message ready to post")
    show.add_argument("--year", type=int, required=True)
    show.add_argument("--unit", help="a unit's slug (default: every unit)")
    show.add_argument("--lang", choices=["vi", "en"], help="language (default vi)")
    show.add_argument("--out", required=True, help="folder for the XLSX and the message")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text}") from None


def _open_data(settings: Settings, args) -> int:
    t = Translator(settings.locales_dir, args.lang or settings.default_lang, settings.timezone)
    ref = Reference(settings)
    try:
        if args.command == "export":
            count, where = asyncio.run(_export(settings, ref, t, args))
            print(t._("{count} row(s) written to {file}.").format(count=count, file=where),
                  file=sys.stderr)
        else:
            print(asyncio.run(_exhibition(settings, ref, t, args)))
    except (opendata.ExportError, OSError) as error:
        print(f"sangkien: {error}", file=sys.stderr)
        return 2
    return 0


async def _export(settings: Settings, ref: Reference, t: Translator, args) -> tuple[int, str]:
    filters = opendata.Filters(year=args.year, start=args.start, end=args.end, unit=args.unit,
                               include=opendata.parse_include(t, args.include))
    fields = opendata.parse_fields(t, args.fields)
    opendata.entry_filter(t, ref, filters)  # a wrong choice is said before any file is made
    if args.out == "-" and args.format == "xlsx":
        raise opendata.ExportError(t._("An XLSX file cannot go to standard output; give --out "
                                       "FILE."))
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        await migrate(engine)
        if args.out == "-":
            count = await opendata.export(engine, ref, fmt=args.format, fields=fields,
                                          filters=filters, out=sys.stdout.buffer, lang=t,
                                          header=args.header)
            sys.stdout.buffer.flush()
            return count, "-"
        target = Path(args.out)
        partial = target.with_name(target.name + ".part")  # whole or absent
        with partial.open("wb") as out:
            count = await opendata.export(engine, ref, fmt=args.format, fields=fields,
                                          filters=filters, out=out, lang=t, header=args.header)
        partial.replace(target)
        return count, str(target)
    finally:
        await engine.dispose()


async def _exhibition(settings: Settings, ref: Reference, t: Translator, args) -> str:
    units = None
    if args.unit:
        if args.unit not in ref.unit_by_slug:
            raise opendata.ExportError(t._(opendata.UNKNOWN_UNIT).format(unit=args.unit))
        units = list(stats.units_under(ref, args.unit))
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            works = await exhibition.gather(conn, ref, args.year, units)
    finally:
        await engine.dispose()
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    name = exhibition.file_name(args.year)
    text = exhibition.message(ref, t, works)
    (folder / f"{name}.xlsx").write_bytes(exhibition.workbook(ref, t, works))
    (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    return text


# --- `sangkien council`: the selection council (issue 14) ---------------------------------------


def _council_parser(sub) -> None:
    council = sub.add_parser("council", help="the selection council: councils, members, rounds "
                             "of scoring, results")
    csub = council.add_subparsers(dest="council_command", required=True)
    create = csub.add_parser("create", help="create a council of a unit")
    create.add_argument("--unit", required=True, help="the unit's slug, e.g. quan-1")
    create.add_argument("--name", required=True, help="the council's name")
    member = csub.add_parser("add-member", help="seat an officer on a council")
    member.add_argument("council", type=int)
    member.add_argument("officer", type=int, help="officer number (see `officers list`)")
    member.add_argument("--chair", action="store_true", help="the council's chair")
    rnd = csub.add_parser("round", help="open a round on the unit's shortlisted dossiers")
    rnd.add_argument("council", type=int)
    rnd.add_argument("--label", required=True, help="a year (2026) or a campaign's slug")
    rnd.add_argument("--rubric", help="a rubric TOML file (default: data/rubric.toml)")
    rnd.add_argument("--closes", type=_day, help="the last day of scoring (YYYY-MM-DD)")
    rnd.add_argument("--quorum-min", type=int, default=3)
    rnd.add_argument("--quorum-share", type=float, default=2 / 3)
    rnd.add_argument("--pass-mark", type=float, default=75.0)
    rnd.add_argument("--tie-break", help="the criterion whose mean breaks a tie (default: the "
                     "rubric's first)")
    close = csub.add_parser("close", help="close a round")
    close.add_argument("round", type=int)
    results = csub.add_parser("results", help="a round's ranked list")
    results.add_argument("round", type=int)


def _council(settings: Settings, args) -> int:
    command = args.council_command
    if command == "create":
        ok, text = asyncio.run(admin.council_create(settings, args.unit, args.name))
    elif command == "add-member":
        ok, text = asyncio.run(admin.council_add_member(settings, args.council, args.officer,
                                                        args.chair))
    elif command == "round":
        ok, text = asyncio.run(admin.council_round(
            settings, args.council, args.label, rubric=args.rubric, closes=args.closes,
            quorum_min=args.quorum_min, quorum_share=args.quorum_share,
            pass_mark=args.pass_mark, tie_break=args.tie_break))
    elif command == "close":
        ok, text = asyncio.run(admin.council_close(settings, args.round))
    else:
        ok, text = asyncio.run(admin.council_results(settings, args.round))
    print(text, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1
# --- `sangkien council-documents`: a closed round's workbook, score sheets and minutes (issue 14)


def _council_documents_parser(sub) -> None:
    docs = sub.add_parser("council-documents", help="write a closed council round's documents: "
                          "the workbook of all scores (XLSX), each member's score sheet and the "
                          "draft minutes (DOCX)")
    docs.add_argument("round", type=int, help="the round's number")
    docs.add_argument("--lang", choices=list(LANGUAGES), default="vi",
                      help="the documents' language (default: vi)")
    docs.add_argument("--out", required=True, help="folder to write the files into")


async def _build_council_documents(settings: Settings, args) -> list[Path]:
    engine = create_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        await migrate(engine)
        return await council_docs.build_council_documents(
            engine, settings, Reference(settings), round_id=args.round, out_dir=Path(args.out),
            lang=args.lang, now=datetime.now(UTC))
    finally:
        await engine.dispose()


def _council_documents(settings: Settings, args) -> int:
    compile_catalogs(settings.locales_dir)
    try:
        paths = asyncio.run(_build_council_documents(settings, args))
    except council_docs.CouncilDocumentsError as error:
        t = Translator(settings.locales_dir, args.lang, settings.timezone)
        print(f"sangkien: {error.text(t)}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0
