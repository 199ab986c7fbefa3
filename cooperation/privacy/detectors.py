"""What looks like personal information in free text (個人情報の検出).

Referral summaries and notes describe a matter, never a person. These
detectors flag what is most likely to identify someone: telephone numbers,
e-mail addresses, My Number (個人番号, 12 digits whose last is a check digit),
postal addresses with house numbers (and postal codes), and dates of birth.
They err on the side of asking: the form then asks to remove the text or to
confirm that it is not personal (a public office's number, for example), and
that confirmation is recorded.

Text is normalised first (NFKC: full-width digits and letters become ASCII;
the many dashes Japanese text uses become ``-``), so ``０９０－１２３４－５６７８``
is caught like ``090-1234-5678``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PHONE = "phone"
EMAIL = "email"
MY_NUMBER = "my_number"
ADDRESS = "address"
BIRTH_DATE = "birth_date"

KIND_LABELS = {
    PHONE: _("a telephone number"),
    EMAIL: _("an e-mail address"),
    MY_NUMBER: _("a My Number (individual number)"),
    ADDRESS: _("a postal address with a house number"),
    BIRTH_DATE: _("a date of birth"),
}

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−ーｰ－﹣"), "-")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# 0AB-CDE-FGHI style numbers (fixed, mobile, IP phones, 0120), with hyphens, spaces or parentheses,
# or ten to eleven digits in a row beginning with 0; +81 for the international form.
_PHONE = re.compile(
    r"(?<![\d-])(?:"
    r"(?:\+81[-\s]?|\(?0)\d{1,4}[-\s()]{1,2}\d{1,4}[-\s)]{1,2}\d{3,4}"
    r"|0\d{9,10}"
    r"|\+81\d{9,10}"
    r")(?![\d-])"
)
_TWELVE_DIGITS = re.compile(r"(?<![\d-])(\d{4})[-\s]?(\d{4})[-\s]?(\d{4})(?![\d-])")
_POSTAL_CODE = re.compile(r"〒\s*\d{3}-?\d{4}|(?<![\d-])\d{3}-\d{4}(?![\d-])")
_KANJI_NUMBER = "一二三四五六七八九十〇百"
_HOUSE_NUMBER = (
    r"(?:\d{1,4}|[" + _KANJI_NUMBER + r"]{1,4})\s*(?:丁目|番地|番|号|-)\s*\d{1,4}"
    r"|\d{1,4}\s*番地"
    r"|[" + _KANJI_NUMBER + r"]{1,4}丁目"
)
_ADDRESS = re.compile(
    r"[都道府県市区町村郡][^\s、。,.のにをはがでとや]{0,12}?(?:" + _HOUSE_NUMBER + r")"
    r"(?:\s*(?:番地|番|号|-)\s*\d{1,4})*(?:番地|番|号)?"
)
_DATE = r"(?:\d{4}|(?:明治|大正|昭和|平成|令和|[MTSHR])\s*(?:\d{1,2}|元))\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}\s*日?"
_BIRTH_DATE = re.compile(
    r"(?:生年月日|誕生日|出生日|birth\s*date|date\s*of\s*birth|DOB)\s*[:：は]?\s*"
    + _DATE
    + r"|"
    + _DATE
    + r"\s*(?:生まれ|生)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    """One piece of text that looks personal: its kind and the text itself (as normalised)."""

    kind: str
    text: str

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


def my_number_check_digit(first_eleven: str) -> int:
    """The check digit of a My Number (個人番号) from its first eleven digits.

    The algorithm of 行政手続における特定の個人を識別するための番号の利用等に関する
    法律施行令 第八条 (and 総務省令第八十五号): number the eleven digits from the
    right, P1 being the eleventh digit; weight Qn = n + 1 for n ≤ 6 and n − 5 for
    7 ≤ n ≤ 11; the check digit is 0 when Σ Pn·Qn mod 11 ≤ 1, and 11 minus the
    remainder otherwise.
    """
    if len(first_eleven) != 11 or not first_eleven.isdigit():
        raise ValueError("A My Number's check digit is computed from eleven digits")
    total = 0
    for n, digit in enumerate(reversed(first_eleven), start=1):
        weight = n + 1 if n <= 6 else n - 5
        total += int(digit) * weight
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_my_number(digits: str) -> bool:
    """Twelve digits whose last one is the check digit of the first eleven."""
    return len(digits) == 12 and digits.isdigit() and my_number_check_digit(digits[:11]) == int(digits[11])


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").translate(_DASHES)


def find_personal_information(text: str) -> list[Finding]:
    """Everything in ``text`` that looks like personal information, in the order of the kinds above.

    Digits taken by a My Number are not reported again as a telephone number.
    """
    value = normalise(text)
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, found: str) -> None:
        key = (kind, found.strip())
        if key not in seen:
            seen.add(key)
            findings.append(Finding(kind=kind, text=found.strip()))

    my_numbers = []
    for match in _TWELVE_DIGITS.finditer(value):
        digits = "".join(match.groups())
        if is_my_number(digits):
            my_numbers.append(match.span())
            add(MY_NUMBER, match.group(0))
    for match in _PHONE.finditer(value):
        if not any(start <= match.start() < end for start, end in my_numbers):
            add(PHONE, match.group(0))
    for match in _EMAIL.finditer(value):
        add(EMAIL, match.group(0))
    for match in _ADDRESS.finditer(value):
        add(ADDRESS, match.group(0))
    phones = {finding.text for finding in findings if finding.kind == PHONE}
    for match in _POSTAL_CODE.finditer(value):
        if not any(match.group(0) in phone for phone in phones):
            add(ADDRESS, match.group(0))
    for match in _BIRTH_DATE.finditer(value):
        add(BIRTH_DATE, match.group(0))
    return findings


def findings_message(findings: list[Finding], *, field_label: str) -> str:
    """A clear message: what was found where, and the two ways forward."""
    from django.utils.translation import gettext

    shown = "、".join(f"{finding.label}（{finding.text}）" for finding in findings)
    return gettext(
        "The {field} seems to contain personal information: {found}. Remove it, or, if it is not "
        "personal (for example the public number of an office), tick “This is not personal information”."
    ).format(field=field_label, found=shown)
