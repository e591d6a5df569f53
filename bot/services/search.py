"""The officers' search of entries (`/timkiem`): what a typed query means, who may search what,
the results a page at a time, the audit trail of searches by a person's name or phone, and the
export of a result as an Excel workbook (built by a task, bot/tasks.py).

The query is typed on a phone, with or without accents; everything is matched folded
(bot.text.fold). What it may hold, in any order:
- a tracking code (`sk-26-00042-7kq4-l`, with or without dashes): that entry;
- a phone number alone (`0901 234 567`, `+84901234567`), or after `sđt:` / `phone:`;
- `tên:` / `name:` and words of the author's name;
- `trạng thái:` / `tt:` / `status:` and (the start of) a status as officers read it
  (`tt: đã tiếp nhận`, `tt: tiep nhan`);
- `từ` / `from` and a date, `đến` / `to` and a date (day/month/year, or month/year), or a date
  alone (that day; a month/year alone: that month), about the day the entry was sent;
- any other words: words of the title or description, every one of them (each at the start of
  a word: "cay" finds "Cây xanh").
A keyword with a colon applies to the words after it until the next keyword; `từ` and `đến`
need no colon but only count before a date (so "đèn" and "đến" never collide).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.codes import CodeError, parse_code
from bot.collation import sort_key
from bot.i18n import N_, Translator
from bot.phones import display_phone, normalise_phone
from bot.reference import Reference
from bot.render import unit_name, wards_under
from bot.services import tasks
from bot.services.permissions import Actor
from bot.text import fold, visible_length
from bot.workflow import KIND_LABELS, STATUS_LABELS
from storage import officers as officer_repo
from storage import search as search_repo

SEARCH_ROLES = ("ward_officer", "district_officer", "admin")
QUERY_MAX = 200  # visible characters of a query
EXPORT_MAX = 100_000  # rows of one export
EXPORT_TASK = "search_export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EMPTY = N_("Please send /timkiem followed by what you are looking for, for example:\n"
           "/timkiem cay xanh — words of the title or description\n"
           "/timkiem SK-26-00042-7KQ4-L — a tracking code\n"
           "/timkiem 0903 123 456 — the author's phone\n"
           "/timkiem ten: Nguyen Lan — the author's name\n"
           "/timkiem tt: da tiep nhan tu 01/10/2026 den 30/11/2026 — a status and the days "
           "the entries were sent")
TOO_LONG = N_("A search can be at most {limit} characters long; yours has {count}. Please send "
              "a shorter one.")
BAD_DATE = N_("“{typed}” is not a date. Please write a date as day/month/year, for example "
              "01/10/2026, or a month as month/year, for example 10/2026.")
DATES_REVERSED = N_("The first date ({since}) is after the second ({until}). Please send them "
                    "the other way round.")
BAD_PHONE = N_("“{typed}” is not a Vietnamese phone number. Please type it as you would dial "
               "it, for example 0903 123 456.")
BAD_STATUS = N_("“{typed}” is not a status I know. Search without it, then choose a status from "
                "the options under the results.")
SEVERAL_STATUSES = N_("“{typed}” could be several statuses: {statuses}. Please type more of it, "
                      "or choose one from the options under the results.")
CODE_TYPO = N_("“{typed}” looks like a tracking code with a typing mistake. Please check it "
               "and send it again.")
NOTHING_AFTER = N_("Please type what to look for after “{keyword}”.")


class QueryError(ValueError):
    """A query that cannot be run: `message` (a msgid) and its `params` say why."""

    def __init__(self, message: str, **params: Any):
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Query:
    text: str  # as typed: shown back, and logged when it names a person
    code: str | None = None
    words: tuple[str, ...] = ()
    name: tuple[str, ...] = ()
    phone: str | None = None
    status: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive

    @property
    def personal(self) -> bool:
        """Whether it looks a person up (by name or phone): such searches are logged."""
        return bool(self.name or self.phone)

    @property
    def kind(self) -> str:
        return ",".join(k for k, v in (("name", self.name), ("phone", self.phone)) if v) \
            or "entries"

    def with_status(self, status: str | None) -> Query:
        return Query(**{**asdict(self), "status": status})

    def as_data(self) -> dict:
        data = asdict(self)
        data["since"] = self.since.isoformat() if self.since else None
        data["until"] = self.until.isoformat() if self.until else None
        return data

    @classmethod
    def from_data(cls, data: Mapping) -> Query:
        values = dict(data)
        for key in ("words", "name"):
            values[key] = tuple(values.get(key) or ())
        for key in ("since", "until"):
            values[key] = date.fromisoformat(values[key]) if values.get(key) else None
        return cls(**values)


# --- parsing ------------------------------------------------------------------------------------

# Folded keywords (one or more words), each naming a clause.
KEYWORDS = {
    "status": ("trang thai", "tinh trang", "tt", "status"),
    "name": ("ten", "ho ten", "tac gia", "nguoi gui", "name", "author"),
    "phone": ("sdt", "so dien thoai", "dien thoai", "dt", "phone"),
    "code": ("ma", "ma ho so", "code"),
    "since": ("tu", "tu ngay", "from", "since"),
    "until": ("den", "den ngay", "toi", "to", "until"),
}
_KEYWORDS = sorted(((tuple(k.split()), clause) for clause, ks in KEYWORDS.items() for k in ks),
                   key=lambda item: -len(item[0]))
# What is typed as a date (day/month/year, month/year, year-month-day), valid or not; a phone
# number written with dashes (0901-234-567) is not one.
_DATE_LIKE = re.compile(r"^(\d{1,2}[/.\-]\d{1,2}[/.\-](\d{2}|\d{4})|\d{1,2}[/.\-]\d{4}"
                        r"|\d{4}-\d{1,2}-\d{1,2})$")
_PHONE_ONLY = re.compile(r"^[\d\s+().\-]{9,20}$")
# Short words officers use for a status, besides the labels they see (folded).
STATUS_WORDS = {
    "moi": "submitted", "new": "submitted", "cho tiep nhan": "submitted",
    "tiep nhan": "accepted", "dang xem xet": "accepted",
    "bo sung": "needs_info", "cho bo sung": "needs_info",
    "tu choi": "rejected", "trung": "duplicate", "chuyen len": "forwarded",
    "cong nhan": "recognised", "ket thuc": "closed", "rut": "withdrawn",
}


def _keyword(folded: list[str], i: int) -> tuple[str, int] | None:
    for words, clause in _KEYWORDS:
        if tuple(folded[i:i + len(words)]) == words:
            return clause, len(words)
    return None


def _day(typed: str, *, end: bool) -> date:
    """A typed date (d/m/y, y-m-d) or month (m/y): its first day, or last if `end`."""
    parts = [int(p) for p in re.split(r"[/.\-]", typed)]
    try:
        if len(parts) == 2:
            month, year = parts
            year += 2000 if year < 100 else 0
            first = date(year, month, 1)
            return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(1) \
                if end else first
        if parts[0] > 31:  # year-month-day
            year, month, day = parts
        else:
            day, month, year = parts
        year += 2000 if year < 100 else 0
        if not 2000 <= year <= 2100:
            raise ValueError(year)
        return date(year, month, day)
    except ValueError:
        raise QueryError(BAD_DATE, typed=typed) from None


def parse(text: str, status_labels: Mapping[str, list[str]]) -> Query:
    """What a typed query asks for. `status_labels`: each status's labels as officers read them,
    in every language. Raises QueryError with a sentence for the officer."""
    typed = (text or "").strip()
    if not typed:
        raise QueryError(EMPTY)
    if visible_length(typed) > QUERY_MAX:
        raise QueryError(TOO_LONG, limit=QUERY_MAX, count=visible_length(typed))
    whole = _whole(typed)
    if whole is not None:
        return whole
    tokens = typed.replace(":", " : ").split()
    folded = [fold(t) for t in tokens]
    clauses: dict[str, list[str]] = {"words": [], "status": [], "name": [], "phone": [],
                                     "code": []}
    dates: dict[str, date] = {}
    lone: list[str] = []  # dates without a keyword: one day or month, or from one to another
    current, opened, i = "words", None, 0
    while i < len(tokens):
        found = _keyword(folded, i)
        if found:
            clause, length = found
            j = i + length
            colon = j < len(tokens) and tokens[j] == ":"
            j += colon
            if clause in ("since", "until"):
                if j < len(tokens) and _DATE_LIKE.match(tokens[j]):
                    dates[clause] = _day(tokens[j], end=clause == "until")
                    current, i = "words", j + 1
                    continue
                if colon:
                    raise QueryError(BAD_DATE, typed=tokens[j] if j < len(tokens) else "")
            elif colon:
                current, opened, i = clause, " ".join(tokens[i:j - 1]), j
                continue
        if tokens[i] == ":":
            i += 1
            continue
        if current == "words" and _DATE_LIKE.match(tokens[i]):
            lone.append(tokens[i])
        elif current == "phone" and not any(c.isdigit() for c in tokens[i]) \
                and clauses[current]:
            clauses["words"].append(tokens[i])  # the number is over: words again
            current = "words"
        else:
            clauses[current].append(tokens[i])
        i += 1
    if opened and not clauses[current]:
        raise QueryError(NOTHING_AFTER, keyword=opened)
    if lone:
        dates.setdefault("since", _day(lone[0], end=False))
        dates.setdefault("until", _day(lone[-1], end=True))
    return _query(typed, clauses, dates, status_labels)


def _whole(typed: str) -> Query | None:
    """A query that is one tracking code or one phone number, as a whole."""
    try:
        return Query(text=typed, code=parse_code(typed))
    except CodeError as error:
        if error.reason == "check":
            raise QueryError(CODE_TYPO, typed=typed) from None
    if (_PHONE_ONLY.match(typed) and sum(c.isdigit() for c in typed) >= 9
            and not any(_DATE_LIKE.match(token) for token in typed.split())):
        phone = normalise_phone(typed)
        if phone is None:
            raise QueryError(BAD_PHONE, typed=typed)
        return Query(text=typed, phone=phone)
    return None


def _query(typed: str, clauses: dict[str, list[str]], dates: dict[str, date],
           status_labels: Mapping[str, list[str]]) -> Query:
    code = phone = status = None
    if clauses["code"]:
        written = " ".join(clauses["code"])
        try:
            code = parse_code(written)
        except CodeError:
            raise QueryError(CODE_TYPO, typed=written) from None
    if clauses["phone"]:
        written = " ".join(clauses["phone"])
        phone = normalise_phone(written)
        if phone is None:
            raise QueryError(BAD_PHONE, typed=written)
    if clauses["status"]:
        status = match_status(" ".join(clauses["status"]), status_labels)
    since, until = dates.get("since"), dates.get("until")
    if since and until and since > until:
        raise QueryError(DATES_REVERSED, since=since, until=until)
    query = Query(text=typed, code=code, words=tuple(fold(" ".join(clauses["words"])).split()),
                  name=tuple(fold(" ".join(clauses["name"])).split()), phone=phone,
                  status=status, since=since, until=until)
    if not (query.code or query.words or query.name or query.phone or query.status
            or query.since or query.until):
        raise QueryError(EMPTY)
    return query


def match_status(typed: str, status_labels: Mapping[str, list[str]]) -> str:
    """The status a typed label (or its start, or some of its words) names."""
    key = fold(typed)
    if key in STATUS_WORDS:
        return STATUS_WORDS[key]
    names = {status: {fold(label) for label in labels} | {fold(status)}
             for status, labels in status_labels.items()}
    for test in (lambda n: n == key, lambda n: n.startswith(key),
                 lambda n: set(key.split()) <= set(n.split())):
        found = [s for s, forms in names.items() if any(test(n) for n in forms)]
        if len(found) == 1:
            return found[0]
        if found:
            raise QueryError(SEVERAL_STATUSES, typed=typed, statuses=found)
    raise QueryError(BAD_STATUS, typed=typed)


def status_labels(translators) -> dict[str, list[str]]:
    """Every status's label in Vietnamese and English, for `parse`."""
    return {status: [translators(lang).tr(label) for lang in ("vi", "en")]
            for status, label in STATUS_LABELS.items()}


# --- who searches what --------------------------------------------------------------------------


def may_search(actor: Actor) -> bool:
    return actor.role in SEARCH_ROLES


def scope(ref: Reference, role: str, unit: str | None) -> list[str] | None:
    """The wards whose entries an officer searches (None: every unit, for administrators)."""
    if role == "ward_officer":
        return [unit] if unit else []
    if role == "district_officer":
        return wards_under(ref, unit) if unit else []
    if role == "admin":
        return None
    raise PermissionError(role)


def criteria(ref: Reference, query: Query, units: list[str] | None) -> search_repo.Criteria:
    def local(day: date) -> datetime:
        return datetime.combine(day, time(), ref.tz)
    return search_repo.Criteria(
        units=units, code=query.code, words=query.words, name=query.name, phone=query.phone,
        status=query.status, since=local(query.since) if query.since else None,
        before=local(query.until + timedelta(days=1)) if query.until else None)


@dataclass
class Results:
    total: int
    pages: int
    page: int
    items: list[dict]
    by_status: dict[str, int] = field(default_factory=dict)  # of the query without its status


async def run(conn: AsyncConnection, ref: Reference, actor: Actor, query: Query, *, page: int,
              page_size: int, now: datetime, fresh: bool) -> Results:
    """A page of what the officer's query finds in their scope, newest first. A `fresh` search
    (typed, or a status chosen) that looks a person up is written to the audit trail."""
    if not may_search(actor):
        raise PermissionError(actor.role)
    found = criteria(ref, query, scope(ref, actor.role, actor.unit))
    # One pass counts the result by status (the options under it) and so gives its size.
    by_status = await search_repo.statuses(conn, found)
    total = by_status.get(query.status, 0) if query.status else sum(by_status.values())
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    items = await search_repo.page(conn, found, limit=page_size, offset=(page - 1) * page_size) \
        if total else []
    if fresh and query.personal:
        await search_repo.log(conn, officer_id=actor.officer_id, actor_name=actor.name, at=now,
                              kind=query.kind, query=query.text, results=total)
    return Results(total, pages, page, items, by_status)


async def request_export(conn: AsyncConnection, ref: Reference, actor: Actor, user: dict,
                         query: Query, now: datetime) -> int | None:
    """Ask for the workbook of the whole result (a task); the export is written to the audit
    trail. Returns how many entries it will hold, or None when one is already being made."""
    if not may_search(actor):
        raise PermissionError(actor.role)
    total = await search_repo.count(conn, criteria(ref, query, scope(ref, actor.role,
                                                                     actor.unit)))
    if not await tasks.request(conn, user, EXPORT_TASK,
                               {"officer": actor.officer_id, "query": query.as_data()}, now):
        return None
    await search_repo.log(conn, officer_id=actor.officer_id, actor_name=actor.name, at=now,
                          kind="export", query=query.text, results=min(total, EXPORT_MAX))
    return min(total, EXPORT_MAX)


# --- the workbook -------------------------------------------------------------------------------

COLUMNS = (  # header (a msgid), width
    (N_("Tracking code"), 21), (N_("Kind"), 22), (N_("Ward"), 24), (N_("Field"), 30),
    (N_("Title"), 50), (N_("Status"), 40), (N_("Sent on"), 12), (N_("Due on"), 12),
    (N_("Last change"), 14), (N_("Author"), 26), (N_("Phone"), 16),
    (N_("Name shown publicly"), 12),
)
SHEET_RESULTS = N_("Search results")
SHEET_SEARCH = N_("Search")


@dataclass(frozen=True)
class Export:
    data: bytes
    rows: int
    name: str


async def export(engine: AsyncEngine, ref: Reference, t: Translator, params: dict,
                 now: datetime) -> Export | None:
    """The workbook of a search, for the officer who asked (None if they are no longer an
    officer): one row per entry found, sorted by ward (Vietnamese order), then by the day
    sent; with the authors' names and phones, which only that officer receives."""
    async with engine.connect() as conn:
        officer = await officer_repo.officer_by_id(conn, params["officer"])
        if officer is None or officer["revoked_at"] is not None \
                or officer["role"] not in SEARCH_ROLES:
            return None
        query = Query.from_data(params["query"])
        found = criteria(ref, query, scope(ref, officer["role"], officer["unit"]))
        rows = await search_repo.export_rows(conn, found, EXPORT_MAX)
    rows.sort(key=lambda r: (sort_key(unit_name(ref, t, r["unit"])), r["created_at"], r["id"]))
    data = workbook(rows, ref, t, query=query, officer=officer["name"], now=now)
    local = now.astimezone(ref.tz)
    return Export(data, len(rows), f"tim-kiem-{local:%Y-%m-%d-%H%M}.xlsx")


def workbook(rows: list[dict], ref: Reference, t: Translator, *, query: Query, officer: str,
             now: datetime) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                            "bg_color": "#DDEBF7", "border": 1})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet = book.add_worksheet(t.tr(SHEET_RESULTS)[:31])
    for col, (label, width) in enumerate(COLUMNS):
        sheet.write_string(0, col, t.tr(label), head)
        sheet.set_column(col, col, width, day if 6 <= col <= 8 else None)
    for n, entry in enumerate(rows, start=1):
        sheet.write_string(n, 0, entry["code"])
        sheet.write_string(n, 1, t.tr(KIND_LABELS.get(entry["kind"], entry["kind"])))
        sheet.write_string(n, 2, unit_name(ref, t, entry["unit"]))
        sheet.write_string(n, 3, _field(ref, t, entry))
        sheet.write_string(n, 4, entry["title"])
        sheet.write_string(n, 5, t.tr(STATUS_LABELS.get(entry["status"], entry["status"])))
        for col, key in ((6, "created_at"), (7, "due_at"), (8, "updated_at")):
            if entry[key] is not None:
                sheet.write_datetime(n, col, _local_day(entry[key], ref), day)
        sheet.write_string(n, 9, entry["contact_name"] or "")
        sheet.write_string(n, 10, display_phone(entry["contact_phone"])
                           if entry["contact_phone"] else "")
        sheet.write_string(n, 11, t._("Yes") if entry["show_name"] else t._("No"))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(COLUMNS) - 1)
    about = book.add_worksheet(t.tr(SHEET_SEARCH)[:31])
    about.set_column(0, 0, 24)
    about.set_column(1, 1, 60)
    for n, (label, value) in enumerate((
            (t._("Search"), query.text), (t._("Searched by"), officer),
            (t._("Made at"), t.datetime(now)), (t._("Entries"), str(len(rows))))):
        about.write_string(n, 0, label, head)
        about.write_string(n, 1, value)
    book.close()
    return out.getvalue()


def _local_day(moment: datetime, ref: Reference) -> datetime:
    return datetime.combine(moment.astimezone(ref.tz).date(), time())


def _field(ref: Reference, t: Translator, entry: dict) -> str:
    named = ref.named("idea_fields" if entry["kind"] == "idea" else "award_fields",
                      entry.get("field"))
    return named.name(t.lang) if named else ""
