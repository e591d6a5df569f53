"""Small pieces residents meet directly: tracking codes, phone numbers, ward names, long texts."""

from __future__ import annotations

import re

import pytest

from bot.codes import CROCKFORD, CodeError, make_code, parse_code
from bot.config import DATA_DIR, Settings
from bot.phones import display_phone, normalise_phone
from bot.reference import Reference
from bot.text import clean, fold, split_message


def test_code_has_the_documented_shape():
    code = make_code("idea", 2026, 42)
    assert re.fullmatch(r"SK-26-00042-[0-9A-HJKMNP-TV-Z]{4}-[A-HJ-NP-Y]", code), code
    assert parse_code(code) == code


def test_codes_of_neighbouring_numbers_cannot_be_guessed_from_each_other():
    codes = {make_code("idea", 2026, 42) for _ in range(50)}
    assert len(codes) > 45  # a million random parts per number


@pytest.mark.parametrize("seq", [1, 42, 12345, 99999, 123456])
def test_every_single_mistyped_character_is_caught(seq):
    code = make_code("award", 2026, seq, "7KQ4")
    prefix, yy, digits, tail, check = code.split("-")
    typed = yy + digits + tail
    for i, char in enumerate(typed):
        alphabet = "0123456789" if i < len(yy + digits) else CROCKFORD
        for other in alphabet:
            if other == char or abs(CROCKFORD.index(other) - CROCKFORD.index(char)) == 23:
                continue
            wrong = typed[:i] + other + typed[i + 1:]
            candidate = f"{prefix}-{wrong[:2]}-{wrong[2:-4]}-{wrong[-4:]}-{check}"
            with pytest.raises(CodeError):
                parse_code(candidate)


def test_swapped_neighbouring_characters_are_caught():
    code = make_code("idea", 2026, 12345, "7KQ4")
    for swapped in ("SK-26-21345-7KQ4-", "SK-26-12345-K7Q4-", "SK-26-12345-7K4Q-"):
        with pytest.raises(CodeError) as error:
            parse_code(swapped + code[-1])
        assert error.value.reason == "check"


@pytest.mark.parametrize("typed", ["sk 26 00042 7kq4 {c}", "SK26000427KQ4{c}",
                                   "sk-26-OOO42-7kq4-{c}", " SK-26-00042-7KQ4-{c} ",
                                   "sk2600042 7 k q 4 {c}"])
def test_code_typed_loosely_over_the_phone_is_understood(typed):
    code = make_code("idea", 2026, 42, "7KQ4")
    assert parse_code(typed.format(c=code[-1].lower())) == code


@pytest.mark.parametrize(
    "typed", ["sk 26 00042 y", "SK2600042Y", "sk-26-OOO42-y", " SK-26-00042-Y "]
)
def test_old_codes_without_a_random_part_are_still_understood(typed):
    assert parse_code(typed) == "SK-26-00042-Y"


@pytest.mark.parametrize("typed", ["", "hello", "SK-26-42", "XX-26-00042-Y", "SK-26-00042-YY"])
def test_what_is_not_a_code_is_said_to_be_so(typed):
    with pytest.raises(CodeError) as error:
        parse_code(typed)
    assert error.value.reason == "format"


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("0903 123 456", "+84903123456"),
        ("0903.123.456", "+84903123456"),
        ("+84 903 123 456", "+84903123456"),
        ("84903123456", "+84903123456"),
        ("(+84) 903-123-456", "+84903123456"),
        ("01683456789", "+84383456789"),  # old Viettel 0168 → 038
        ("0123 456 7890", "+84834567890"),  # old VinaPhone 0123 → 083
        ("028 3829 1234", "+842838291234"),  # a Ho Chi Minh City landline
    ],
)
def test_vietnamese_numbers_in_common_forms_become_e164(typed, expected):
    assert normalise_phone(typed) == expected


@pytest.mark.parametrize("typed", ["12345", "+1 202 555 0100", "không có", "0" * 50, ""])
def test_what_is_not_a_vietnamese_number_is_refused(typed):
    assert normalise_phone(typed) is None


def test_phone_is_shown_as_people_write_it():
    assert display_phone("+84903123456") == "0903 123 456"


def test_fold_matches_with_or_without_accents():
    assert fold("Phường Đa Kao") == fold("phuong da kao") == "phuong da kao"
    assert fold("  CẦU   ÔNG LÃNH!") == "cau ong lanh"


def test_clean_normalises_to_nfc_and_drops_direction_overrides():
    decomposed = "Tie\u0302\u0301ng Vie\u0323\u0302t"
    assert clean(decomposed) == "Tiếng Việt"
    assert clean("abc\u202edef\x00") == "abcdef"


def test_long_text_is_split_at_paragraphs_within_the_limit():
    paragraphs = ["a" * 1500, "b" * 1500, "c" * 1500]
    parts = split_message("\n\n".join(paragraphs), 4096)
    assert parts == ["a" * 1500 + "\n\n" + "b" * 1500, "c" * 1500]
    unbroken = split_message("x" * 5000, 2000)
    assert all(len(p) <= 2000 for p in unbroken) and "".join(unbroken) == "x" * 5000


def test_the_ten_wards_and_the_district_come_from_data():
    ref = Reference(Settings(units_file=DATA_DIR / "units.toml"))
    assert len(ref.wards) == 10
    assert {u.kind for u in ref.units} == {"ward", "district", "city"}
    assert len(ref.idea_fields) == 7 and len(ref.award_fields) == 7
    assert len(ref.entry_types) == 4 and len(ref.ip_statuses) == 3


def test_2025_map_has_four_wards_and_old_names_as_aliases():
    ref = Reference(Settings(units_file=DATA_DIR / "units_2025.toml"))
    assert [u.slug for u in ref.wards] == ["sai-gon", "tan-dinh", "ben-thanh", "cau-ong-lanh"]
    assert [u.slug for u in ref.match_wards("Bến Nghé")] == ["sai-gon"]
    assert [u.slug for u in ref.match_wards("phuong cau kho")] == ["cau-ong-lanh"]
