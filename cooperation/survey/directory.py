"""The local governments and items a survey file names, loaded once and looked up by code, name or both."""

from __future__ import annotations

import datetime
import difflib
from typing import NamedTuple

from django.utils.translation import gettext as _

from cooperation.survey.formats import (
    CellError,
    code_digits,
    name_key,
)
from offices.models import Municipality
from offices.validators import lg_check_digit, lg_code_complete, lg_code_is_valid


class LocalGovernment(NamedTuple):
    pk: int
    lg_code: str
    name: str
    prefecture_code: str
    kind: str
    is_active: bool

    @property
    def label(self) -> str:
        return f"{self.lg_code} {self.name}"


class Item(NamedTuple):
    pk: int
    code: str
    scope: str
    is_active: bool


class Current(NamedTuple):
    pk: int
    stage: str
    stage_date: datetime.date | None
    version: int
    note: str


class Directory:
    """Every local government, loaded in one query: codes as Excel mangles them, suggestions for mistyped ones."""

    def __init__(self):
        rows = Municipality.objects.values_list("pk", "lg_code", "name", "prefecture__code", "kind", "is_active")
        self.by_code = {row[1]: LocalGovernment(*row) for row in rows}
        self.by_name: dict[tuple[str, str], LocalGovernment] = {}
        self.names: dict[str, list[str]] = {}
        for government in self.by_code.values():
            if government.is_active:
                key = name_key(government.name)
                self.by_name[(government.prefecture_code, key)] = government
                self.names.setdefault(government.prefecture_code, []).append(key)
        self._closest: dict[tuple[str, str | None], LocalGovernment | None] = {}

    def resolve(self, value, given_name: str, file_prefecture: str | None) -> LocalGovernment:
        """The local government of a 団体コード cell, or ``CellError`` saying why not and what was probably meant.

        Six digits are the code; five digits are read as the code without its
        check digit, or as a code whose leading zero Excel dropped (012033 → 12033)
        when that is a valid code; four digits as a five-digit code that lost its
        leading zero. If both readings exist, the 団体名 decides, else the row is
        refused as ambiguous.
        """
        digits = code_digits(value)
        if not digits:
            raise CellError(_("The local government code is empty."))
        if not (digits.isascii() and digits.isdigit() and 4 <= len(digits) <= 6):
            raise CellError(
                _("“{value}” is not a local government code: six digits, e.g. 012033.").format(value=digits)
            )
        candidates = []
        if len(digits) == 6:
            candidates = [digits]
        elif len(digits) == 5:
            candidates = [lg_code_complete(digits)] + (["0" + digits] if lg_code_is_valid("0" + digits) else [])
        else:
            candidates = [lg_code_complete("0" + digits)]
        found = [self.by_code[code] for code in candidates if code in self.by_code]
        if len(found) > 1:
            named = [government for government in found if name_key(government.name) == name_key(given_name)]
            if len(named) != 1:
                raise CellError(
                    _(
                        "{value} could be {first} or {second}: write all six digits, with the column formatted as text."
                    ).format(value=digits, first=found[0].label, second=found[1].label)
                )
            found = named
        if not found:
            raise CellError(self._unknown(digits, candidates[0], given_name, file_prefecture))
        government = found[0]
        if not government.is_active:
            raise CellError(
                _("{label} is no longer a local government of the master data.").format(label=government.label)
            )
        return government

    def _unknown(self, digits: str, code: str, given_name: str, file_prefecture: str | None) -> str:
        if len(code) == 6 and not lg_code_is_valid(code):
            corrected = code[:5] + str(lg_check_digit(code[:5]))
            message = _("{code} is not a valid local government code: its check digit should be {digit}.").format(
                code=digits, digit=corrected[5]
            )
            suggestion = self.by_code.get(corrected)
        else:
            message = _("There is no local government with the code {code}.").format(code=digits)
            suggestion = None
        if suggestion is None and given_name:
            suggestion = self.closest(given_name, code[:2] if code[:2] in self.names else file_prefecture)
        if suggestion is not None:
            message += " " + _("Did you mean {label}?").format(label=suggestion.label)
        return message

    def named(self, prefecture_code: str, name: str) -> LocalGovernment | None:
        return self.by_name.get((prefecture_code, name_key(name)))

    def closest(self, name: str, prefecture_code: str | None) -> LocalGovernment | None:
        """The active local government whose name is closest to ``name`` (difflib), within the prefecture if known."""
        key = (name_key(name), prefecture_code)
        if key not in self._closest:
            prefectures = [prefecture_code] if prefecture_code in self.names else list(self.names)
            pool = {candidate: code for code in prefectures for candidate in self.names[code]}
            matches = difflib.get_close_matches(key[0], list(pool), n=1, cutoff=0.5)
            self._closest[key] = self.by_name[(pool[matches[0]], matches[0])] if matches else None
        return self._closest[key]
