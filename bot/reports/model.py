"""What a yearly (or final) review report is made of, as values: the figures `compute` gave, and
the few lists that only the report needs (campaigns and what came in after each, awarded works).
The document (document.py), the annex (annex.py) and the charts read them; the dossiers, which
can be many, are not here: the annex streams them from storage/reports.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.council_model import RoundResult
from bot.figures import Figures
from bot.i18n import Translator

INTAKE_DAYS = 30  # what a campaign brought: entries within this many days of its opening


@dataclass(frozen=True)
class CampaignIntake:
    slug: str
    title_vi: str
    title_en: str
    opens: date
    closes: date
    within_days: int  # entries of the scope received within INTAKE_DAYS of its opening
    in_period: int  # entries of the scope that named it, received in the period

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_vi


@dataclass(frozen=True)
class Work:
    """An entry awarded in the period (and whether it has been put into practice)."""

    code: str
    title: str
    authors: str | None  # only when the author consented to be named (entries.show_name)
    unit: str
    field: str | None
    kind: str
    level: str | None  # bot.workflow.AWARD_LEVELS
    awarded: date | None
    applied: date | None


@dataclass(frozen=True)
class ReportData:
    year: int
    final: bool  # the whole plan period (a tổng kết) rather than one year (a sơ kết)
    figures: Figures  # the scope over the report's period
    yearly: tuple[tuple[int, Figures], ...]  # each year of the period (one for a yearly report)
    campaigns: tuple[CampaignIntake, ...]
    works: tuple[Work, ...]
    issued: date  # the draft's date
    councils: tuple[RoundResult, ...] = ()  # the selection council's rounds closed in the period

    @property
    def period(self):
        return self.figures.period


class ReportError(Exception):
    """Why a document cannot be made, as a msgid and its values (told in the reader's
    language: `text(t)`)."""

    def __init__(self, message: str, **values):
        super().__init__(message)
        self.message = message
        self.values = values

    def text(self, t: Translator) -> str:
        return t.tr(self.message).format(**self.values)


def writable_folder(out_dir: str | Path, message: str) -> Path:
    """`out_dir`, made if missing and checked by writing in it; ReportError(`message`, with
    `folder` and `error`) when it cannot be written."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".sangkien-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ReportError(message, folder=str(out_dir),
                          error=error.strerror or str(error)) from error
    return out_dir
