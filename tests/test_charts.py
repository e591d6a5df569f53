"""The office's charts: PNG images a person can read, with every Vietnamese letter drawn (a
missing glyph would show as an empty box in "Phường Đa Kao" or "Ưu tiên")."""

from __future__ import annotations

import io
import unicodedata
import warnings
from dataclasses import replace
from datetime import date

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from PIL import Image

from bot import charts
from bot.config import Settings
from bot.figures import Durations, Figures, Period, Stage, Target
from bot.i18n import Translator
from bot.reference import Reference

VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
# Every letter of Vietnamese: the vowels with each of the six tones, and đ; both cases.
LETTERS = sorted({unicodedata.normalize("NFC", v + tone) for v in VOWELS for tone in TONES}
                 | set("đbcdghklmnpqrstvx"))
LETTERS += [c.upper() for c in LETTERS]
# Ward names that between them use every letter above.
NAMES = ["Phường Đa Kao", "Phường Ưu Tiên", "Phường Mỹ Ỹ", "Phường Dân Chủ",
         "Phường Ân Thạnh"] + [
    "Phường " + "".join(LETTERS[n:n + 12]) for n in range(0, len(LETTERS), 12)]


@pytest.fixture
def world(tmp_path):
    units = ['[[unit]]\nslug = "tp"\nkind = "city"\nname_vi = "Thành phố Hồ Chí Minh"\n'
             'name_en = "Ho Chi Minh City"\n']
    for n, name in enumerate(NAMES):
        units.append(f'[[unit]]\nslug = "w{n}"\nkind = "ward"\nparent = "tp"\n'
                     f'name_vi = "{name}"\nname_en = "Ward {n}"\n')
    (tmp_path / "units.toml").write_text("\n".join(units), encoding="utf-8")
    settings = Settings(units_file=tmp_path / "units.toml")
    return Reference(settings), Translator(settings.locales_dir, "vi")


def figures_of(ref) -> Figures:
    wards = [u.slug for u in ref.wards]
    return Figures(
        scope="tp", units=("tp", *wards), period=Period.year(2026), total=21,
        by_unit={"tp": 0, **{w: n + 1 for n, w in enumerate(wards)}},
        by_field={"economy": 21}, by_kind={"idea": 20, "award": 1}, by_status={"submitted": 21},
        by_month={(wards[0], 3): 5, (wards[1], 3): 2, (wards[1], 11): 14},
        funnel=(Stage("received", "submitted", 21, None), Stage("taken", "accepted", 12, 12 / 21),
                Stage("forwarded", "forwarded", 3, 0.25), Stage("shortlisted", "shortlisted", 2,
                                                                 2 / 3),
                Stage("nominated", "nominated", 1, 0.5), Stage("awarded", "awarded", 1, 1.0),
                Stage("applied", "applied", 0, 0.0)),
        first_action=Durations(12, 2.0, 5.0), in_stage={}, handled=12, handled_in_time=10,
        targets=(Target("dossiers", 7, 15, 20, date(2030, 12, 31), date(2026, 12, 31)),
                 Target("applied", 2, 5, 10, date(2030, 12, 31), date(2026, 12, 31))),
        silent_units=(),
    )


def test_the_charts_font_has_every_vietnamese_letter():
    path = font_manager.findfont(font_manager.FontProperties(family=charts.FONT),
                                 fallback_to_default=False)
    charmap = FT2Font(path).get_charmap()
    missing = [c for c in LETTERS if ord(c) not in charmap]
    assert not missing
    assert len(LETTERS) == 2 * (12 * 6 + 17)


def test_every_chart_draws_its_vietnamese_labels_without_a_missing_glyph(world):
    ref, t = world
    figures = figures_of(ref)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        drawn = {
            "units": charts.units_chart(figures, t, ref),
            "months": charts.months_chart(figures, t),
            "years": charts.years_chart([(2026, figures), (2027, figures)], t),
            "funnel": charts.funnel_chart(figures, t),
            "targets": charts.targets_chart(figures, t),
            "summary": charts.summary_chart(figures, t, ref),
        }
    assert not [w for w in caught if "missing" in str(w.message).lower()]
    for name, png in drawn.items():
        with Image.open(io.BytesIO(png)) as image:
            assert image.format == "PNG", name
            assert 900 <= image.width <= 2500 and 300 <= image.height <= 2500, name
            # Something is drawn in the bars' colour.
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
            assert any(rgb == (0x1F, 0x5F, 0xA8) for _n, rgb in colours), name


def test_summary_chart_fits_a_chat_message(world):
    ref, t = world
    png = charts.summary_chart(figures_of(ref), t, ref)
    with Image.open(io.BytesIO(png)) as image:
        assert image.width <= 2000 and image.width > image.height / 2
    assert len(png) < 1_000_000  # well under what Telegram and Zalo take as a photo


def test_unit_bars_read_in_vietnamese_order(world):
    ref, _t = world
    five = replace(figures_of(ref), units=("tp", "w0", "w1", "w2", "w3", "w4"))
    names = [charts.unit_name(ref, u, "vi") for u in charts.unit_order(five, "vi", ref)]
    # By hand: â after a and before d, đ right after d, ư after u; by code point "Â", "Đ" and
    # "Ư" would all come after "M".
    assert names == ["Phường Ân Thạnh", "Phường Dân Chủ", "Phường Đa Kao", "Phường Mỹ Ỹ",
                     "Phường Ưu Tiên"]
