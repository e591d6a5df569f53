"""Vietnamese phone numbers in any common form, normalised to E.164 (+84…) with `phonenumbers`."""

from __future__ import annotations

import re

import phonenumbers

# Mobile prefixes renumbered in 2018 from 11 to 10 digits (Bộ TT&TT): old → new.
OLD_MOBILE_PREFIXES = {
    "0120": "070",
    "0121": "079",
    "0122": "077",
    "0126": "076",
    "0128": "078",
    "0123": "083",
    "0124": "084",
    "0125": "085",
    "0127": "081",
    "0129": "082",
    "0162": "032",
    "0163": "033",
    "0164": "034",
    "0165": "035",
    "0166": "036",
    "0167": "037",
    "0168": "038",
    "0169": "039",
    "0186": "056",
    "0188": "058",
    "0199": "059",
}


def _national_digits(text: str) -> str:
    digits = re.sub(r"[^\d+]", "", text)
    if digits.startswith("+84"):
        return "0" + digits[3:]
    if digits.startswith("0084"):
        return "0" + digits[4:]
    if digits.startswith("84") and len(digits) in (11, 12):
        return "0" + digits[2:]
    return digits


def normalise_phone(text: str) -> str | None:
    """Return the number as +84…, or None when it is not a valid Vietnamese number."""
    if not text or len(text) > 40:
        return None
    national = _national_digits(text)
    if len(national) == 11 and national[:4] in OLD_MOBILE_PREFIXES:
        national = OLD_MOBILE_PREFIXES[national[:4]] + national[4:]
    try:
        number = phonenumbers.parse(national, "VN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """The number as Vietnamese people write it: 0903 123 456."""
    number = phonenumbers.parse(e164, "VN")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
