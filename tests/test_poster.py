"""A campaign's poster, as the communications office prints it for a ward's notice board: an A4
page whose QR codes open the bot on each channel and whose Vietnamese reads right, from the command
line (`sangkien campaigns poster`) and in the chat (/apphich)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import unicodedata
import warnings
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from bot import admin, poster
from bot.config import Settings
from bot.i18n import Translator
from bot.reference import Campaign, Reference
from bot.web import build_app, webhook_secrets
from handlers.commands import COMMUNICATIONS_ONLY
from testing.serving import serving
from tests.conftest import TEN_WARDS, TEN_WARDS_ENV, mailbox_runtime
from tests.officers import communications_officer, register_officer
from tests.telegram_world import register
from tests.zalo_world import ZaloWorld, zalo_officer

ROOT = Path(__file__).resolve().parent.parent
BOT = "sangkien_q1_bot"
ZALO = "https://zalo.me/4318803838404962013"
SLUG = "phong-trao-2026-2030"  # a campaign of the data file, open on the tests' clock
TELEGRAM = f"https://t.me/{BOT}?start=c_{SLUG}"
COMMS = 515151  # a Telegram chat
PUBLIC = "https://sangkien.example.vn"


@pytest.fixture
def settings(settings):
    return replace(settings, telegram_bot_username=BOT, public_url=PUBLIC)


def _campaign(title: str = "Sáng kiến vì Phường Đa Kao xanh – sạch – đẹp năm 2026",
              kinds: tuple = ("idea",), units: tuple = ()) -> Campaign:
    return Campaign(slug="da-kao-xanh-2026", title_vi=unicodedata.normalize("NFC", title),
                    title_en="Ideas for a green, clean Da Kao Ward, 2026",
                    description_vi="Mời anh/chị góp ý tưởng.", description_en="Send ideas.",
                    kinds=kinds, opens=date(2026, 1, 1), closes=date(2026, 12, 31), units=units)


def _poster(campaign: Campaign, channels: list[tuple[str, str]], lang: str = "vi",
            issuer: str = "UBND Quận 1 (Phòng Nội vụ)") -> tuple[bytes, bytes]:
    t = Translator(Settings().locales_dir, lang)
    return poster.poster(campaign, t, channels, issuer)


def _page(pdf: bytes):
    return pdfium.PdfDocument(pdf)[0]


def _text(pdf: bytes) -> str:
    return _page(pdf).get_textpage().get_text_range()


def _words(text: str) -> str:
    return " ".join(text.split())


def _codes(image: Image.Image) -> set[str]:
    return {code.text for code in zxingcpp.read_barcodes(image)}


def _rendered(pdf: bytes, dpi: int = 150) -> Image.Image:
    return _page(pdf).render(scale=dpi / 72).to_pil()


def test_the_poster_is_an_a4_page_whose_codes_open_each_channel():
    pdf, png = _poster(_campaign(), [("Telegram", TELEGRAM), ("Zalo", ZALO)])
    width, height = _page(pdf).get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert _codes(_rendered(pdf)) == {TELEGRAM, ZALO}  # the printed page, as a phone sees it
    image = Image.open(io.BytesIO(png))
    assert image.size[0] == 1240 and abs(image.size[1] - 1754) <= 1  # A4 at 150 dpi
    assert _codes(image) == {TELEGRAM, ZALO}
    text = _words(_text(pdf))
    # Each code's short address is printed under it, without the scheme.
    assert "zalo.me/4318803838404962013" in text and f"t.me/{BOT}" in text


def test_the_poster_says_in_vietnamese_who_calls_for_what_until_when():
    title = "Sáng kiến vì Phường Đa Kao xanh – sạch – đẹp năm 2026"
    pdf, _ = _poster(_campaign(title), [("Telegram", TELEGRAM)])
    text = _words(_text(pdf))
    assert unicodedata.is_normalized("NFC", text)
    assert title in text  # every diacritic, as the office typed it
    assert "UBND QUẬN 1 (PHÒNG NỘI VỤ)" in text  # the issuing body, as a letterhead writes it
    assert "Từ ngày 01/01/2026 đến ngày 31/12/2026" in text
    assert "Hạn cuối tiếp nhận: ngày 31/12/2026" in text
    assert ("Mời anh/chị quét mã bằng camera điện thoại để gửi sáng kiến, giải pháp của mình."
            in text)  # the campaign takes ideas only: nothing about the award
    # The glyphs are in the file (each letter's outline), so a printer without DejaVu Sans
    # prints the same letters.
    assert b"/Subtype /Type3" in pdf and b"/CharProcs" in pdf


def test_an_english_poster_is_in_english():
    pdf, _ = _poster(_campaign(kinds=("idea", "award")), [("Telegram", TELEGRAM)], lang="en")
    text = _words(_text(pdf))
    assert "Ideas for a green, clean Da Kao Ward, 2026" in text
    assert "Entries close on 31 December 2026" in text
    assert "register for the HCMC Creative Award" in text


TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # sắc, huyền, hỏi, ngã, nặng
VOWELS = "aăâeêioôơuưy"
LETTERS = [unicodedata.normalize("NFC", vowel + tone)
           for vowel in VOWELS + VOWELS.upper() for tone in TONES] + ["d", "đ", "D", "Đ"]


def _as_png(page: poster.Page) -> Image.Image:
    return Image.open(io.BytesIO(page.png(72)))


def _as_printed(page: poster.Page) -> Image.Image:
    return _rendered(page.pdf(), dpi=72)


def _letters_sharing_a_glyph(fonts: poster.Fonts, image=_as_png) -> list[list[str]]:
    """Letters that the poster's own text routine draws identically: a font without a letter
    draws the same box (or nothing) for every letter it lacks."""
    drawn: dict[bytes, list[str]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # matplotlib warns of each missing glyph
        for letter in LETTERS:
            pixels = image(poster.line(letter, 28, fonts)).convert("L").tobytes()
            drawn.setdefault(pixels, []).append(letter)
    return [same for same in drawn.values() if len(same) > 1]


@pytest.mark.parametrize("image", [_as_png, _as_printed], ids=["png", "pdf"])
def test_every_vietnamese_letter_is_drawn_with_a_glyph_of_its_own(image):
    assert len(LETTERS) == 148
    assert _letters_sharing_a_glyph(poster.Fonts(), image) == []


@pytest.mark.parametrize("image", [_as_png, _as_printed], ids=["png", "pdf"])
def test_a_font_without_vietnamese_letters_would_be_caught(image):
    """The check above can fail: Computer Modern (shipped with matplotlib) has no Vietnamese."""
    latin = poster.FONTS / "cmr10.ttf"
    shared = _letters_sharing_a_glyph(poster.Fonts(latin, latin), image)
    assert any("ỹ" in same and "ự" in same for same in shared)


def test_a_very_long_title_wraps_between_words_within_the_page():
    title = ("Cuộc thi ý tưởng sáng tạo của người dân, doanh nghiệp và cán bộ, công chức về cải "
             "cách thủ tục hành chính, chuyển đổi số, chỉnh trang đô thị, bảo vệ môi trường và "
             "nâng cao chất lượng cuộc sống trên địa bàn Phường Sài Gòn, Phường Tân Định, Phường "
             "Bến Thành và Phường Cầu Ông Lãnh, TP. HCM, năm 2026")
    assert 290 < len(title) <= 300  # the campaign form takes at most 300 characters
    pdf, _ = _poster(_campaign(title), [("Telegram", TELEGRAM)])
    page = _page(pdf)
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    lines = [line for line in text.splitlines() if line.strip()]
    first = next(i for i, line in enumerate(lines) if line.startswith("Cuộc thi"))
    last = next(i for i, line in enumerate(lines) if line.endswith("năm 2026"))
    assert last - first >= 3  # it wrapped, on several lines
    # The lines joined by spaces give the title back: no word was cut at a line's end.
    assert " ".join(lines[first:last + 1]) == title
    assert textpage.count_chars() == len(text)  # so a character's index is its box's

    def boxes(start: int, end: int) -> list[tuple[float, float, float, float]]:
        return [box for box in map(textpage.get_charbox, range(start, end)) if box[2] > box[0]]

    head = text.index("Cuộc thi")
    title = boxes(head, text.index("năm 2026", head) + len("năm 2026"))
    dates = boxes(text.index("Từ ngày"), text.index("Từ ngày") + len("Từ ngày"))
    for left, bottom, right, _ in title:
        assert 28 <= left and right <= 595 - 28  # inside the page's margins
        assert bottom > max(top for _, _, _, top in dates)  # above the dates, not over them
    assert _codes(_rendered(pdf)) == {TELEGRAM}


def test_without_zalo_the_poster_has_only_the_telegram_code():
    settings = Settings(telegram_bot_username=BOT)
    assert poster.links(settings, SLUG) == [("Telegram", TELEGRAM)]
    with_zalo = replace(settings, zalo_link=ZALO)
    assert poster.links(with_zalo, SLUG) == [("Telegram", TELEGRAM), ("Zalo", ZALO)]
    pdf, _ = _poster(_campaign(), poster.links(settings, SLUG))
    assert _codes(_rendered(pdf)) == {TELEGRAM}
    assert "Zalo" not in _text(pdf)


def test_a_poster_with_no_channel_is_refused():
    assert poster.links(Settings(), SLUG) == []
    with pytest.raises(poster.NoChannel, match="TELEGRAM_BOT_USERNAME.*SANGKIEN_ZALO_LINK"):
        _poster(_campaign(), [])


def test_the_issuer_is_the_body_over_every_ward_of_the_campaign():
    before = Reference(Settings(units_file=TEN_WARDS))  # city → Quận 1 → 10 wards
    assert poster.issuer(before, _campaign()).name_vi == "UBND Quận 1 (Phòng Nội vụ)"
    after = Reference(Settings())  # since July 2025: the wards stand under the city
    assert poster.issuer(after, _campaign()).slug == "so-noi-vu"
    one_ward = _campaign(units=("da-kao",))
    assert poster.issuer(before, one_ward).name_vi == "Phường Đa Kao"
    two_wards = _campaign(units=("da-kao", "ben-nghe"))
    assert poster.issuer(before, two_wards).slug == "quan-1"


def _cli(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT,
        timeout=120, env={**os.environ, **TEN_WARDS_ENV, "TELEGRAM_BOT_USERNAME": "",
                          "SANGKIEN_ZALO_LINK": "", **env},
    )


def test_the_command_writes_the_pdf_and_the_png(sqlite_url, tmp_path):
    base = ["--database-url", sqlite_url, "campaigns", "poster"]
    made = _cli([*base, SLUG, "--out", str(tmp_path / "in")],
                {"TELEGRAM_BOT_USERNAME": BOT, "SANGKIEN_ZALO_LINK": ZALO})
    assert made.returncode == 0, made.stderr
    pdf = (tmp_path / "in" / f"{SLUG}.pdf").read_bytes()
    png = Image.open(tmp_path / "in" / f"{SLUG}.png")
    assert _codes(_rendered(pdf)) == {TELEGRAM, ZALO} == _codes(png)
    text = _words(_text(pdf))
    assert "Phong trào thi đua sáng tạo Quận 1 giai đoạn 2026 – 2030" in text
    assert "UBND QUẬN 1 (PHÒNG NỘI VỤ)" in text
    assert "Hạn cuối tiếp nhận: ngày 31/12/2030" in text
    english = _cli([*base, SLUG, "--out", str(tmp_path / "en"), "--lang", "en"],
                   {"TELEGRAM_BOT_USERNAME": BOT})
    assert english.returncode == 0, english.stderr
    text = _words(_text((tmp_path / "en" / f"{SLUG}.pdf").read_bytes()))
    assert "District 1 Creative Emulation Movement 2026–2030" in text and "Zalo" not in text


def test_the_command_names_what_to_set_and_which_campaigns_are_open(sqlite_url, tmp_path):
    base = ["--database-url", sqlite_url, "campaigns", "poster"]
    bare = _cli([*base, SLUG, "--out", str(tmp_path)], {})
    assert bare.returncode == 2
    assert "TELEGRAM_BOT_USERNAME" in bare.stderr and "SANGKIEN_ZALO_LINK" in bare.stderr
    unknown = _cli([*base, "khong-co", "--out", str(tmp_path)], {"TELEGRAM_BOT_USERNAME": BOT})
    assert unknown.returncode == 2
    assert "“khong-co”" in unknown.stderr and SLUG in unknown.stderr
    closed = _cli([*base, "phong-trao-2021-2025", "--out", str(tmp_path)],
                  {"TELEGRAM_BOT_USERNAME": BOT})
    assert closed.returncode == 2 and "đã kết thúc" in closed.stderr
    assert list(tmp_path.glob("*.pdf")) == []


async def test_the_communications_office_gets_the_poster_as_a_document(world):
    await register(world, COMMS, "quan-1", "communications", "Phòng VHTT")
    await world.text(f"/apphich {SLUG}", COMMS)
    assert await world.finish_tasks() == 1
    sent = [c for c in world.api.calls_named("sendDocument") if c["chat_id"] == COMMS]
    assert len(sent) == 1
    pdf = next(iter(sent[0]["_uploaded"].values()))
    assert pdf.startswith(b"%PDF-")
    assert _codes(_rendered(pdf)) == {TELEGRAM}
    assert "Phong trào thi đua sáng tạo Quận 1 giai đoạn 2026 – 2030" in world.last(COMMS)["text"]


async def test_an_officer_of_a_ward_asking_for_a_poster_is_refused(dispatcher):
    officer = await register_officer(dispatcher, "9001", "ben-nghe", "ward_officer", "Cán bộ Lan")
    await officer.say(f"/apphich {SLUG}")
    assert officer.text == dispatcher.translator("vi")._(COMMUNICATIONS_ONLY)
    assert [r for r in officer.last if r.attachments] == []


async def test_a_poster_of_an_unknown_campaign_names_the_open_ones(dispatcher):
    comms = await communications_officer(dispatcher)
    await comms.say("/poster khong-co")
    assert "“khong-co”" in comms.text and SLUG in comms.text
    assert "phong-trao-2021-2025" not in comms.text  # closed: not offered
    await comms.say_and_wait(f"/apphich {SLUG}")
    (document,) = [a for r in comms.last for a in r.attachments]
    assert document.kind == "document" and document.mime == "application/pdf"
    assert document.name == f"{SLUG}.pdf" and document.key


async def test_on_zalo_the_communications_office_opens_the_poster_by_a_signed_link(
        fake_zalo, dispatcher):
    world = await ZaloWorld(fake_zalo, dispatcher).start()
    try:
        comms = await zalo_officer(world, "3000555666", "quan-1", "communications",
                                   "Phòng VHTT")
        await comms.say(f"/apphich {SLUG}")  # Zalo's bot carries no documents: a link comes
        world.runtime.tasks.inline = True
        assert await world.runtime.tasks.run_pending() == 1
        await world.runtime.deliver_all()
        link = re.search(rf"{re.escape(PUBLIC)}(/f/\S+)", fake_zalo.texts("3000555666")[-1])
        assert link, comms.text
        app = build_app(world.runtime, secrets=await webhook_secrets(world.runtime))
        async with serving(app) as url, httpx.AsyncClient() as client:
            opened = await client.get(f"{url}{link.group(1)}")
        assert opened.status_code == 200
        assert opened.headers["content-type"] == "application/pdf"
        assert _codes(_rendered(opened.content)) == {TELEGRAM}
    finally:
        await world.stop()


CAMPAIGN_TOML = '''[[campaign]]
slug = "da-kao-xanh-2026"
title_vi = "Sáng kiến vì Phường Đa Kao xanh năm 2026"
title_en = "Ideas for a green Da Kao Ward, 2026"
description_vi = "Mời anh/chị góp ý tưởng."
description_en = "Send ideas."
kinds = ["idea"]
opens = 2026-01-01
closes = 2026-12-31
'''


async def test_a_campaign_made_after_start_up_gets_its_poster_from_the_worker_process(
        dispatcher, settings, tmp_path):
    made = tmp_path / "campaign.toml"
    made.write_text(CAMPAIGN_TOML, encoding="utf-8")
    ok, text = await admin.campaigns_add(settings, str(made))
    assert ok, text
    comms = await communications_officer(dispatcher)
    await comms.say("/apphich da-kao-xanh-2026")
    runtime = mailbox_runtime(dispatcher)  # a real worker process: it reads the campaigns
    try:                                   # from the database, not from the data file
        assert await runtime.tasks.run_pending() == 1
    finally:
        runtime.tasks.close()
    await runtime.deliver("console")
    (document,) = [a for r in comms.inbox for a in r.attachments]
    assert document.name == "da-kao-xanh-2026.pdf"


async def test_a_campaign_closed_before_its_poster_is_drawn_gets_none(dispatcher, settings):
    comms = await communications_officer(dispatcher)
    await comms.say(f"/apphich {SLUG}")
    ok, _ = await admin.campaigns_close(settings, SLUG)
    assert ok
    runtime = mailbox_runtime(dispatcher)  # the worker process reads the campaigns then
    try:
        assert await runtime.tasks.run_pending() == 1
    finally:
        runtime.tasks.close()
    await runtime.deliver("console")
    assert not any(r.attachments for r in comms.inbox)
    assert any(f"“{SLUG}”" in r.text for r in comms.inbox)  # told it is closed
