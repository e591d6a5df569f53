"""The office's charts as PNG bytes (matplotlib, Agg backend, DejaVu Sans: it has every
Vietnamese letter). Each reads a `Figures` (bot/figures.py) and writes its titles and labels
through the reader's translator; unit names in Vietnamese alphabetical order (bot/collation).

Used by the yearly report (bot/reports/: embedded in the DOCX, written beside it as PNG files) and
by `/thongke` (`summary_chart`, one image for a chat message)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib
from matplotlib.figure import Figure

from bot.collation import sort_key
from bot.figures import Figures
from bot.i18n import N_, Translator
from bot.services.stats import STAGE_LABELS

# Figures are made without pyplot (which keeps global state and is not thread-safe: the report
# draws in a worker thread, /thongke in the bot's process); a Figure saves to PNG through Agg.
matplotlib.use("Agg")

FONT = "DejaVu Sans"
BAR = "#1f5fa8"
RANGE = "#f2c14e"
DPI = 150

# The funnel's steps, as the office names them (Stage.key).
# The plan's targets (Target.key).
TARGET_LABELS = {
    "dossiers": N_("Creative Award dossiers"),
    "applied": N_("Awarded works put into practice"),
}

MONTHS = (
    N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
    N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"),
)

matplotlib.rcParams["font.family"] = FONT


def _subplots(width: float, height: float, columns: int = 1):
    fig = Figure(figsize=(width, height))
    return fig, fig.subplots(1, columns)


def unit_name(ref, slug: str, lang: str) -> str:
    unit = ref.unit_by_slug.get(slug)
    return unit.name(lang) if unit else slug


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def shown_units(figures: Figures, ref) -> list[str]:
    """The units a table or chart lists: those of the current map below the scope, and any
    other (the scope itself, a unit of an earlier map) that has entries in the period."""
    def current(slug: str) -> bool:
        unit = ref.unit_by_slug.get(slug)
        return slug != figures.scope and unit is not None and not unit.legacy

    return [u for u in figures.units if current(u) or figures.by_unit.get(u)]


def unit_order(figures: Figures, lang: str, ref) -> list[str]:
    """The units of the bars, top to bottom: alphabetical in Vietnamese order."""
    names = {slug: unit_name(ref, slug, lang) for slug in shown_units(figures, ref)}
    return sorted(names, key=lambda slug: sort_key(names[slug]))


def _bars_by_unit(ax, figures: Figures, t: Translator, ref) -> None:
    order = unit_order(figures, t.lang, ref)
    names = {slug: unit_name(ref, slug, t.lang) for slug in order}
    values = [figures.by_unit.get(slug, 0) for slug in order]
    # Horizontal bars read top to bottom in alphabetical order.
    positions = range(len(order))[::-1]
    bars = ax.barh(list(positions), values, color=BAR)
    ax.set_yticks(list(positions), [names[s] for s in order])
    ax.bar_label(bars, labels=[t.number(v) for v in values], padding=3, fontsize=8)
    ax.set_xlabel(t._("Entries"))
    ax.margins(x=0.15)
    ax.spines[["top", "right"]].set_visible(False)


def units_chart(figures: Figures, t: Translator, ref) -> bytes:
    """Entries received per unit in the period (horizontal bars, alphabetical)."""
    fig, ax = _subplots(8, 0.4 * max(len(shown_units(figures, ref)), 4) + 1.2)
    _bars_by_unit(ax, figures, t, ref)
    ax.set_title(t._("Entries received by unit"), loc="left", fontweight="bold")
    return _png(fig)


def _month_totals(figures: Figures) -> list[int]:
    totals = [0] * 12
    for (_unit, month), count in figures.by_month.items():
        if 1 <= month <= 12:
            totals[month - 1] += count
    return totals


def months_chart(figures: Figures, t: Translator) -> bytes:
    """Entries received per month of the year."""
    totals = _month_totals(figures)
    fig, ax = _subplots(8, 3.6)
    bars = ax.bar(range(12), totals, color=BAR)
    ax.set_xticks(range(12), [t.tr(m) for m in MONTHS])
    ax.bar_label(bars, labels=[t.number(v) if v else "" for v in totals], padding=2, fontsize=8)
    ax.set_ylabel(t._("Entries"))
    ax.set_title(t._("Entries received by month"), loc="left", fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def years_chart(yearly: Sequence[tuple[int, Figures]], t: Translator) -> bytes:
    """Entries received per year of a plan (the final review's chart instead of months)."""
    years = [str(year) for year, _ in yearly]
    totals = [figures.total for _, figures in yearly]
    fig, ax = _subplots(8, 3.6)
    bars = ax.bar(years, totals, color=BAR)
    ax.bar_label(bars, labels=[t.number(v) for v in totals], padding=2, fontsize=8)
    ax.set_ylabel(t._("Entries"))
    ax.set_title(t._("Entries received by year"), loc="left", fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def _funnel(ax, figures: Figures, t: Translator) -> None:
    stages = list(figures.funnel)
    labels = [t.tr(STAGE_LABELS.get(s.key, s.key)) for s in stages]
    counts = [s.count for s in stages]
    positions = list(range(len(stages)))[::-1]
    bars = ax.barh(positions, counts, color=BAR)
    ax.set_yticks(positions, labels)
    texts = [t.number(s.count) if s.rate is None
             else f"{t.number(s.count)} ({t.number(round(s.rate * 100))}%)" for s in stages]
    ax.bar_label(bars, labels=texts, padding=3, fontsize=8)
    ax.margins(x=0.25)
    ax.spines[["top", "right"]].set_visible(False)


def funnel_chart(figures: Figures, t: Translator) -> bytes:
    """The award funnel: entries of the period that reached each step, with the rate of each."""
    fig, ax = _subplots(8, 3.8)
    _funnel(ax, figures, t)
    ax.set_title(t._("From entry to award: entries that reached each step"), loc="left",
                 fontweight="bold")
    return _png(fig)


def targets_chart(figures: Figures, t: Translator) -> bytes:
    """Progress to the plan's targets: the count so far against the plan's range."""
    targets = list(figures.targets)
    fig, ax = _subplots(8, 1.2 + 1.0 * max(len(targets), 1))
    positions = list(range(len(targets)))[::-1]
    for pos, target in zip(positions, targets, strict=True):
        ax.barh(pos, target.high - target.low, left=target.low, height=0.8, color=RANGE,
                alpha=0.6, label=t._("Target range") if pos == positions[0] else None)
        ax.barh(pos, target.count, height=0.4, color=BAR,
                label=t._("So far") if pos == positions[0] else None)
        ax.text(target.count, pos, f" {t.number(target.count)}", va="center", fontsize=9)
    ax.set_yticks(positions, [
        t._("{target} (by {date})").format(target=t.tr(TARGET_LABELS.get(x.key, x.key)),
                                          date=t.date(x.by)) for x in targets])
    top = max([x.high for x in targets] + [x.count for x in targets] + [1])
    ax.set_xlim(0, top * 1.15)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_title(t._("Progress to the plan's targets"), loc="left", fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def summary_chart(figures: Figures, t: Translator, ref) -> bytes:
    """One image for a chat message: entries by unit beside the funnel."""
    rows = max(len(shown_units(figures, ref)), len(figures.funnel), 4)
    fig, (left, right) = _subplots(11, 0.38 * rows + 1.6, columns=2)
    _bars_by_unit(left, figures, t, ref)
    left.set_title(t._("Entries received by unit"), loc="left", fontweight="bold", fontsize=10)
    _funnel(right, figures, t)
    right.set_title(t._("From entry to award"), loc="left", fontweight="bold", fontsize=10)
    fig.suptitle(t._("{unit}: {start} – {end}").format(
        unit=unit_name(ref, figures.scope, t.lang), start=t.date(figures.period.start),
        end=t.date(figures.period.end)), x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return _png(fig)
