"""A campaign's poster for a ward's notice board: one A4 page, as PDF (to print) and PNG (to post).

On it: the issuing body, the campaign's title and dates, one sentence asking residents to take
part, a QR code with its short address for each channel people can reach the bot on (Telegram's
deep link to the campaign's card; the Zalo Official Account's or bot's address when configured)
and the closing date, large. Drawn with matplotlib on its own Figure (no pyplot, so no global
state: a poster may be drawn in a thread while the bot serves others); text in DejaVu Sans, which
matplotlib ships and which has every Vietnamese letter, its glyphs embedded in the PDF (the text
stays text: selectable, searchable). QR codes are vector rectangles in the PDF, sharp at
any print size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import matplotlib
import segno
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyBboxPatch, PathPatch, Rectangle
from matplotlib.path import Path as Shape

from bot.config import Settings
from bot.i18n import N_, Translator
from bot.reference import Campaign, Reference, Unit
from bot.services.campaigns import deep_link

matplotlib.use("Agg")

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"

WIDTH, HEIGHT = 210.0, 297.0  # A4, in millimetres: the page's coordinates
MARGIN = 15.0
MM_PER_PT = 25.4 / 72
DPI = 150  # the PNG: 1240 × 1754 pixels

NAVY, RED, INK, GREY = "#0b3d91", "#c8102e", "#1a1a1a", "#555555"

CALL = {
    frozenset({"idea", "award"}): N_(
        "Scan the code with your phone's camera to send us your ideas and solutions, or to "
        "register for the HCMC Creative Award."),
    frozenset({"idea"}): N_(
        "Scan the code with your phone's camera to send us your ideas and solutions."),
    frozenset({"award"}): N_(
        "Scan the code with your phone's camera to register for the HCMC Creative Award."),
}
CLOSES = N_("Entries close on {date}")
NO_CHANNEL = ("no channel to put on the poster: set TELEGRAM_BOT_USERNAME (the Telegram bot's "
              "username) or SANGKIEN_ZALO_LINK (the Zalo Official Account's or bot's address, "
              "https://zalo.me/…)")


UNKNOWN = N_("There is no campaign “{slug}”. Open campaigns: {slugs}.")
CLOSED = N_("The campaign “{slug}” is closed: a poster would invite residents to send what it no "
            "longer takes. Open campaigns: {slugs}.")
ASK_SLUG = N_("Please send /apphich followed by a campaign's short name. Open campaigns: {slugs}.")


class NoChannel(ValueError):
    """Neither a Telegram bot username nor a Zalo address is configured."""


def find(campaigns: list[Campaign], slug: str, today: date,
         t: Translator) -> tuple[Campaign | None, str]:
    """The campaign a poster is asked for, or why there is none (naming the open campaigns):
    none of that name, or one that is closed (a campaign not open yet is fine: its posters go up
    before it opens)."""
    open_now = [c.slug for c in campaigns if c.closed_at is None and today <= c.closes]
    slugs = ", ".join(open_now) or "—"
    campaign = next((c for c in campaigns if c.slug == slug), None)
    if not slug:
        return None, t._(ASK_SLUG).format(slugs=slugs)
    if campaign is None:
        return None, t._(UNKNOWN).format(slug=slug, slugs=slugs)
    if campaign.slug not in open_now:
        return None, t._(CLOSED).format(slug=slug, slugs=slugs)
    return campaign, ""


def for_campaign(settings: Settings, ref: Reference, t: Translator, campaign: Campaign,
                 bot: str | None = None) -> Page:
    """The campaign's poster drawn, with the configured channels and its issuing body."""
    body = issuer(ref, campaign)
    return draw(campaign, t, links(settings, campaign.slug, bot),
                body.name(t.lang) if body else "")


def links(settings: Settings, slug: str, bot: str | None = None) -> list[tuple[str, str]]:
    """(channel name, address) of each channel a resident can reach the campaign on."""
    found = []
    telegram = deep_link(bot or settings.telegram_bot_username, slug)
    if telegram:
        found.append(("Telegram", telegram))
    if settings.zalo_link:
        found.append(("Zalo", settings.zalo_link.strip()))
    return found


def issuer(ref: Reference, campaign: Campaign) -> Unit | None:
    """The body that issues the campaign: the nearest unit every ward of the campaign is under
    (the district on a city → district → ward map, the city's emulation body where the wards
    stand directly under the city, a ward itself for a campaign of one ward)."""
    chains = []
    for ward in ref.wards_for(campaign):
        chain, unit = [], ward
        while unit is not None and unit.slug not in chain:
            chain.append(unit.slug)
            unit = ref.parent_of(unit.slug)
        chains.append(chain)
    if not chains:
        roots = ref.children_of(None)
        return roots[0] if roots else None
    common = next((slug for slug in chains[0] if all(slug in c for c in chains[1:])), None)
    return ref.unit_by_slug.get(common) if common else None


def _words(text: str) -> list[str]:
    """The words of `text`; a dash or other mark standing alone between spaces goes with both
    its neighbours ("2026 – 2030" is never broken)."""
    words: list[str] = []
    glue = False
    for token in text.split():
        alone = not any(c.isalnum() for c in token)
        if words and (glue or alone):
            words[-1] = f"{words[-1]} {token}"
        else:
            words.append(token)
        glue = alone
    return words


def short_address(link: str) -> str:
    """The address as a poster prints it: without its scheme."""
    return link.removeprefix("https://").removeprefix("http://")


@dataclass(frozen=True)
class Fonts:
    regular: Path = REGULAR
    bold: Path = BOLD


class Page:
    """An A4 page in millimetres, with text measured as it will be drawn."""

    def __init__(self, fonts: Fonts = Fonts(), width: float = WIDTH, height: float = HEIGHT,
                 title: str = ""):
        self.fonts, self.title = fonts, title
        self.width, self.height = width, height
        self.figure = Figure(figsize=(width / 25.4, height / 25.4))
        self.axes = self.figure.add_axes((0, 0, 1, 1))
        self.axes.set_xlim(0, width)
        self.axes.set_ylim(0, height)
        self.axes.set_axis_off()
        self._measure = RendererAgg(1, 1, 72)  # at 72 dpi a pixel is a point
        self._widths: dict[tuple[str, bool, float], float] = {}

    def font(self, bold: bool, size: float) -> FontProperties:
        return FontProperties(fname=str(self.fonts.bold if bold else self.fonts.regular),
                              size=size)

    def measure(self, text: str, bold: bool, size: float) -> float:
        """The width of `text` on the page, in millimetres."""
        key = (text, bold, size)
        if key not in self._widths:
            width, _, _ = self._measure.get_text_width_height_descent(
                text, self.font(bold, size), ismath=False)
            self._widths[key] = width * MM_PER_PT
        return self._widths[key]

    def wrap(self, text: str, bold: bool, size: float, width: float) -> list[str]:
        """Lines of whole words, each as wide as `width` at most (a word longer than the line
        stands alone on its own: a word is never cut), as even in length as their number
        allows: "Phong trào thi đua sáng tạo / Quận 1 giai đoạn 2026 – 2030", not a last line
        of one word."""
        lines = self._greedy(text, bold, size, width)
        if len(lines) < 2:
            return lines
        narrow, wide = 0.0, width
        for _ in range(12):  # the narrowest measure that still takes as many lines
            middle = (narrow + wide) / 2
            if len(self._greedy(text, bold, size, middle)) == len(lines):
                wide = middle
            else:
                narrow = middle
        return self._greedy(text, bold, size, wide)

    def _greedy(self, text: str, bold: bool, size: float, width: float) -> list[str]:
        # A line is as wide as its words and the spaces between them: each word is measured
        # once, not each line tried (fit() measures the lines it keeps, whole).
        space = self.measure("x x", bold, size) - 2 * self.measure("x", bold, size)
        lines: list[str] = []
        used = 0.0
        for word in _words(text):
            wide = self.measure(word, bold, size)
            if lines and used + space + wide <= width:
                lines[-1] = f"{lines[-1]} {word}"
                used += space + wide
            else:
                lines.append(word)
                used = wide
        return lines

    def fit(self, text: str, bold: bool, width: float, height: float, largest: float,
            smallest: float, spacing: float = 1.25) -> tuple[list[str], float]:
        """The largest size (a whole point) at which `text`, wrapped, fits the box."""
        size = largest
        while True:
            lines = self.wrap(text, bold, size, width)
            tall = len(lines) * size * spacing * MM_PER_PT
            wide = max((self.measure(line, bold, size) for line in lines), default=0)
            if (tall <= height and wide <= width) or size <= smallest:
                return lines, size
            size -= 1

    def text(self, x: float, y: float, text: str, size: float, bold: bool = False,
             color: str = INK, align: str = "center") -> None:
        """One line whose top is at `y`."""
        self.axes.text(x, y, text, fontproperties=self.font(bold, size), color=color,
                       ha=align, va="top")

    def lines(self, x: float, top: float, lines: list[str], size: float, bold: bool = False,
              color: str = INK, spacing: float = 1.25) -> float:
        """Lines one under the other from `top`; the height they took."""
        step = size * spacing * MM_PER_PT
        for index, line in enumerate(lines):
            self.text(x, top - index * step, line, size, bold, color)
        return len(lines) * step

    def block(self, text: str, top: float, height: float, largest: float, smallest: float,
              bold: bool = False, color: str = INK, width: float | None = None) -> float:
        """`text` wrapped and centred in a box of `height` under `top`; the height it took."""
        lines, size = self.fit(text, bold, width or self.width - 2 * MARGIN, height, largest,
                               smallest)
        return self.lines(self.width / 2, top, lines, size, bold, color)

    def qr(self, link: str, left: float, bottom: float, side: float) -> None:
        """The QR code of `link` in a square, its quiet zone included: one vector path of the
        dark modules (one path, so no hairline seams between neighbouring modules)."""
        matrix = segno.make(link, error="m").matrix
        count = len(matrix) + 8  # a quiet zone of four modules on each side
        module = side / count
        self.axes.add_patch(Rectangle((left, bottom), side, side, facecolor="white",
                                      edgecolor="none"))
        vertices, codes = [], []
        top = bottom + side - 4 * module
        for row, bits in enumerate(matrix):
            column = 0
            while column < len(bits):
                if not bits[column] & 1:
                    column += 1
                    continue
                start = column
                while column < len(bits) and bits[column] & 1:
                    column += 1
                x0 = left + (4 + start) * module
                x1 = left + (4 + column) * module
                y1 = top - row * module
                y0 = y1 - module
                vertices += [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
                codes += [Shape.MOVETO, Shape.LINETO, Shape.LINETO, Shape.LINETO,
                          Shape.CLOSEPOLY]
        self.axes.add_patch(PathPatch(Shape(vertices, codes), facecolor="black",
                                      edgecolor="none", linewidth=0))

    def pdf(self) -> bytes:
        buffer = io.BytesIO()
        # Type 3: DejaVu's glyphs go into the file as outlines, with their letters for copying
        # and search. (Embedding the TrueType font instead, type 42, holds the interpreter for
        # about 100 ms in one go while it subsets the font: every chat would wait that long.)
        with matplotlib.rc_context({"pdf.fonttype": 3}):
            self.figure.savefig(buffer, format="pdf",
                                metadata={"Title": self.title, "Creator": "Sáng kiến"})
        return buffer.getvalue()

    def png(self, dpi: int = DPI) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
        return buffer.getvalue()


def poster(campaign: Campaign, t: Translator, channels: list[tuple[str, str]], issuer: str,
           fonts: Fonts = Fonts(), dpi: int = DPI) -> tuple[bytes, bytes]:
    """The campaign's poster in `t`'s language: (PDF, PNG). `channels`: (name, link) pairs,
    one QR code each (one or two side by side); none is refused (NoChannel)."""
    page = draw(campaign, t, channels, issuer, fonts)
    return page.pdf(), page.png(dpi)


def draw(campaign: Campaign, t: Translator, channels: list[tuple[str, str]], issuer: str,
         fonts: Fonts = Fonts()) -> Page:
    """The poster drawn on its page, to be written as PDF, PNG or both."""
    if not channels:
        raise NoChannel(NO_CHANNEL)
    page = Page(fonts, title=campaign.title(t.lang))
    middle = WIDTH / 2
    inner = WIDTH - 2 * MARGIN

    # The issuing body, white on a band across the top, and a red rule under it.
    page.axes.add_patch(Rectangle((0, 265), WIDTH, 32, facecolor=NAVY, edgecolor="none"))
    page.axes.add_patch(Rectangle((0, 262.5), WIDTH, 2.5, facecolor=RED, edgecolor="none"))
    lines, size = page.fit(issuer.upper() if t.lang == "vi" else issuer, True, inner, 20, 18, 10)
    used = len(lines) * size * 1.25 * MM_PER_PT
    page.lines(middle, 281 + used / 2, lines, size, bold=True, color="white")

    # The title, as large as fits and centred in its box, then its dates and the call to action.
    title, size = page.fit(campaign.title(t.lang), True, inner, 56, 34, 14)
    used = len(title) * size * 1.25 * MM_PER_PT
    page.lines(middle, 224 + used / 2, title, size, bold=True, color=NAVY)
    dates = t._("From {opens} to {closes}").format(opens=t.date(campaign.opens),
                                                  closes=t.date(campaign.closes))
    page.block(dates, 188, 10, 16, 11, color=INK)
    call = CALL[frozenset(campaign.kinds) & {"idea", "award"} or frozenset({"idea"})]
    page.block(t._(call), 176, 22, 15, 11, color=INK)

    # One QR code per channel, with the channel's name and its short address under it.
    count = min(len(channels), 2)
    column = inner / count
    side = 78.0 if count == 1 else 68.0
    for index, (name, link) in enumerate(channels[:2]):
        centre = MARGIN + column * (index + 0.5)
        page.qr(link, centre - side / 2, 148 - side, side)
        page.text(centre, 148 - side - 2, name, 16, bold=True, color=NAVY)
        lines, size = _address(page, short_address(link), column - 6)
        page.lines(centre, 148 - side - 10, lines, size, color=GREY)

    # The closing date, large, in a red frame.
    page.axes.add_patch(FancyBboxPatch((MARGIN + 2, 22), inner - 4, 24,
                                       boxstyle="round,pad=0,rounding_size=3",
                                       facecolor="white", edgecolor=RED, linewidth=2.5))
    closes = t._(CLOSES).format(date=t.date(campaign.closes))
    lines, size = page.fit(closes, True, inner - 14, 18, 26, 14)
    used = len(lines) * size * 1.25 * MM_PER_PT
    page.lines(middle, 34 + used / 2, lines, size, bold=True, color=RED)
    return page


def _address(page: Page, address: str, width: float) -> tuple[list[str], float]:
    """An address on one line if it is readable so (9 points at least), else on two, cut
    before its "?" (where a Telegram link's campaign begins)."""
    for size in (11, 10, 9):
        if page.measure(address, False, size) <= width:
            return [address], size
    head, mark, tail = address.partition("?")
    lines = [head, mark + tail] if mark else [address]
    size = 11
    while size > 6 and max(page.measure(line, False, size) for line in lines) > width:
        size -= 0.5
    return lines, size


def line(text: str, size: float = 28, fonts: Fonts = Fonts()) -> Page:
    """One line of text drawn as the poster draws its text, on a page of its own: what a test
    looks at (as PNG, or as PDF rendered) to see that each letter has a glyph of its own."""
    page = Page(fonts, width=max(20.0, len(text) * size * 0.9 * MM_PER_PT), height=size * 0.8)
    page.text(2, page.height - 1, text, size, align="left")
    return page
