"""Validation of the 全国地方公共団体コード (local government code)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = (6, 5, 4, 3, 2)


def lg_check_digit(first_five: str) -> int:
    """Return the check digit MIC defines for the first five digits of a code.

    Multiply digits 1–5 by 6, 5, 4, 3, 2, add, take the remainder by 11 and
    keep the last digit of 11 − remainder.
    """
    total = sum(int(digit) * weight for digit, weight in zip(first_five, WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def lg_code_is_valid(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit() and lg_check_digit(code[:5]) == int(code[5])


def validate_lg_code(value: str) -> None:
    if not (isinstance(value, str) and len(value) == 6 and value.isascii() and value.isdigit()):
        raise ValidationError(_("A local government code has exactly six digits, e.g. 012033."), code="lg_code_format")
    expected = lg_check_digit(value[:5])
    if expected != int(value[5]):
        raise ValidationError(
            _("%(value)s is not a valid local government code: its check digit should be %(expected)s."),
            code="lg_code_check_digit",
            params={"value": value, "expected": expected},
        )


def lg_code_complete(code: str) -> str:
    """Turn a 5-digit code (without check digit) into the 6-digit one; leave others as they are."""
    code = code.strip()
    if len(code) == 5 and code.isascii() and code.isdigit():
        return code + str(lg_check_digit(code))
    return code
