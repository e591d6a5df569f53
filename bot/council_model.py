"""The selection council (Hội đồng xét chọn) as values: a round's rubric, its members and
recusals, every score, and what the round adds up to.

`bot/services/council.py` fills these from the database and computes `RoundResult` with
`aggregate`; the chat (handlers/council.py) and the round's documents (bot/reports/council.py:
the workbook of all scores, each member's score sheet, the draft minutes) only read them.
Points are whole numbers within each criterion's range; a member's total for a dossier is the
sum over the criteria (out of 100).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Why a member sits out a dossier: the links a member declares, and the automatic one (the
# member's own unit filed the dossier).
CONFLICT_KINDS = ("author", "same_unit", "relative", "other")


@dataclass(frozen=True)
class Level:
    """One level of a criterion, as the rubric describes it: points from `low` to `high`."""

    low: int
    high: int
    description_vi: str
    description_en: str


@dataclass(frozen=True)
class Criterion:
    key: str  # "novelty", …
    name_vi: str
    name_en: str
    max_points: int
    levels: tuple[Level, ...] = ()

    def name(self, lang: str) -> str:
        return self.name_vi if lang == "vi" else self.name_en


@dataclass(frozen=True)
class Rubric:
    """Criteria whose maximum points sum to 100. `placeholder`: the office has not yet given its
    own criteria (the HCMC award's are not public); shown as such wherever the rubric is."""

    criteria: tuple[Criterion, ...]
    placeholder: bool
    source: str = ""  # where it came from (a file name), for the minutes

    @property
    def total(self) -> int:
        return sum(c.max_points for c in self.criteria)


@dataclass(frozen=True)
class RoundRules:
    quorum_min: int = 3  # at least this many members scored it …
    quorum_share: float = 2 / 3  # … or this share of the members not recused from it
    pass_mark: float = 75.0
    tie_break: str | None = None  # the criterion whose mean breaks a tie of means
    flag_range: int = 20  # a range of totals over this flags the dossier for discussion
    comment_below: int = 30  # a total below this, or above comment_above, needs a comment
    comment_above: int = 95


@dataclass(frozen=True)
class Member:
    officer_id: int
    name: str
    unit: str
    chair: bool = False


@dataclass(frozen=True)
class Recusal:
    officer_id: int
    entry_id: int
    kind: str  # one of CONFLICT_KINDS
    automatic: bool  # the member's own unit filed the dossier
    note: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Score:
    """One member's scores of one dossier: points per criterion key, and a comment."""

    officer_id: int
    entry_id: int
    points: dict[str, int]
    comment: str | None = None
    updated_at: datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.points.values())


@dataclass(frozen=True)
class Dossier:
    entry_id: int
    code: str
    title: str
    unit: str


@dataclass(frozen=True)
class DossierResult:
    dossier: Dossier
    scorers: int  # members whose scores count (complete, not recused)
    eligible: int  # members not recused from it
    quorum: bool
    mean: float | None  # the official figure: the mean of the members' totals
    sd: float | None  # population standard deviation of the totals (None under 2 scorers)
    low: int | None
    high: int | None
    flagged: bool  # range over RoundRules.flag_range: to be discussed
    normalised: float | None  # mean of each member's totals normalised to their own average
    criterion_means: dict[str, float]
    passed: bool  # quorum and mean ≥ pass mark
    rank: int | None  # 1, 2, … among those with quorum; equal means broken by tie_break
    tied: bool  # its mean equals another's (before the tie-break)
    recused: tuple[Recusal, ...] = ()


@dataclass(frozen=True)
class Round:
    id: int
    council_id: int
    council_name: str
    unit: str
    label: str  # "2026" or a campaign's slug
    status: str  # "open" or "closed"
    closes_on: date | None
    closed_at: datetime | None
    rubric: Rubric
    rules: RoundRules
    members: tuple[Member, ...]
    dossiers: tuple[Dossier, ...]


@dataclass(frozen=True)
class RoundResult:
    round: Round
    results: tuple[DossierResult, ...]  # ranked first (by rank), then those without quorum
    scores: tuple[Score, ...]
    recusals: tuple[Recusal, ...]
    computed_at: datetime | None = None
    notes: dict[str, str] = field(default_factory=dict)
