"""Lists an office reads (units, authors, titles) come in Vietnamese alphabetical order."""

import unicodedata

from bot.collation import sort_key, sorted_vi


def test_units_sort_as_a_vietnamese_reader_expects():
    names = ["Phường Tân Định", "Phường Đa Kao", "Phường Bến Thành", "Phường Cầu Ông Lãnh",
             "Phường Cô Giang", "Phường Bến Nghé", "Phường Nguyễn Thái Bình",
             "Phường Nguyễn Cư Trinh", "Phường Phạm Ngũ Lão", "Phường Cầu Kho", "Phường Dakao"]
    assert sorted_vi(names) == [
        "Phường Bến Nghé", "Phường Bến Thành", "Phường Cầu Kho", "Phường Cầu Ông Lãnh",
        "Phường Cô Giang", "Phường Dakao", "Phường Đa Kao", "Phường Nguyễn Cư Trinh",
        "Phường Nguyễn Thái Bình", "Phường Phạm Ngũ Lão", "Phường Tân Định"]


def test_letters_with_marks_follow_their_base_letter_not_z():
    words = ["Zalo", "ăn", "an", "ân", "bút", "đi", "dê", "ơn", "ôm", "ong", "ưa", "uống", "yêu"]
    assert sorted_vi(words) == ["an", "ăn", "ân", "bút", "dê", "đi", "ong", "ôm", "ơn", "uống",
                                "ưa", "yêu", "Zalo"]


def test_tones_order_after_letters_then_case():
    # Same letters: no tone, huyền, hỏi, ngã, sắc, nặng.
    assert sorted_vi(["má", "mạ", "mà", "ma", "mã", "mả"]) == ["ma", "mà", "mả", "mã", "má", "mạ"]
    # Letters decide before tones: "mà" < "mai" although "a" < "à".
    assert sorted_vi(["mai", "mà"]) == ["mà", "mai"]
    assert sorted_vi(["An", "an"]) == ["an", "An"]


def test_decomposed_and_composed_text_sort_alike():
    word = "Nguyễn"
    assert sort_key(unicodedata.normalize("NFD", word)) == sort_key(word)
    assert sort_key(None) == sort_key("") < sort_key("a")


def test_a_title_in_another_script_or_with_a_stray_mark_still_sorts():
    # A breve after a letter outside the Vietnamese alphabet (Cyrillic й is и + breve), or
    # after a digit: kept as it is, never a crash of the list that sorts it.
    names = ["Чайка й", "1\u0306x", "An"]
    assert sorted_vi(names) == ["1\u0306x", "An", "Чайка й"]
