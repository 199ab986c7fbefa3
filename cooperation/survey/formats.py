"""The survey format (調査票): its columns, its stage labels, and how one cell of each column is read.

The header and the Japanese stage labels are the file format, the contract
with every spreadsheet in circulation, not interface text: they stay Japanese
whatever language the site is shown in. The messages explaining a bad cell
are interface text and are translated.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.utils.translation import gettext as _

from cooperation.exports import looks_like_formula
from cooperation.fiscal import ERAS, format_date
from cooperation.models import Stage

CODE, NAME, ITEM, STAGE, DATE, NOTE = HEADER = ("団体コード", "団体名", "項目", "段階", "日付", "備考")
SHEET_NAME = "調査票"

# Fixed from fixtures/progress_stages.csv (label_ja, label_en); a test keeps them in step.
STAGE_LABELS = {
    Stage.NOT_STARTED: "未着手",
    Stage.CONSIDERING: "検討中",
    Stage.ARRANGING: "調整中",
    Stage.DONE: "実施",
    Stage.ESTABLISHED: "定着",
    Stage.NOT_FEASIBLE: "当面困難",
}
STAGE_LABELS_EN = {
    Stage.NOT_STARTED: "Not started",
    Stage.CONSIDERING: "Considering",
    Stage.ARRANGING: "Arranging",
    Stage.DONE: "Done",
    Stage.ESTABLISHED: "Established",
    Stage.NOT_FEASIBLE: "Not feasible for now",
}
_STAGE_LOOKUP = {
    **{label: code for code, label in STAGE_LABELS.items()},
    **{label.casefold(): code for code, label in STAGE_LABELS_EN.items()},
    **{str(code): code for code in Stage},
}

_WESTERN = re.compile(r"(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ERA = re.compile(r"(令和|平成|昭和|[RHS])(元|\d{1,2})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?", re.IGNORECASE)
_TIME_SUFFIX = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?$")
_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})日")
_ERA_LETTERS = {letter: name for _start, name, letter in ERAS}
# Excel's serial day numbers of 1989-01-08 (平成元年) and later: anything smaller is not a plausible date.
_FIRST_SERIAL = 32516


class CellError(ValueError):
    """A cell that cannot be read; the message says why, in the user's language."""


def normalise(value) -> str:
    """Text of a cell with full-width letters and digits folded (２０２６／４／１ → 2026/4/1) and spaces trimmed."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def name_key(value) -> str:
    """A name compared without spaces or width differences (「小樽 市」 is 小樽市)."""
    return "".join(normalise(value).split())


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def stage_label(stage: str) -> str:
    return STAGE_LABELS[stage]


def parse_stage(value) -> str:
    """A stage from its Japanese label, its English label or its code (定着, Established, established)."""
    text = normalise(value)
    stage = _STAGE_LOOKUP.get(text) or _STAGE_LOOKUP.get(text.casefold())
    if stage is None:
        if not text:
            raise CellError(
                _("The stage is empty: use one of {labels}.").format(labels="、".join(STAGE_LABELS.values()))
            )
        raise CellError(
            _("“{value}” is not a stage: use one of {labels}.").format(
                value=text, labels="、".join(STAGE_LABELS.values())
            )
        )
    return stage


def parse_item_code(value) -> str:
    """The item code as written (2-2), undoing Excel's habit of turning 2-2 into the date 2月2日."""
    if isinstance(value, datetime.datetime | datetime.date):
        return f"{value.month}-{value.day}"
    text = normalise(value)
    match = _MONTH_DAY.fullmatch(text)
    if match:
        return f"{int(match.group(1))}-{int(match.group(2))}"
    return text


def _era_date(era: str, year_text: str, month: int, day: int, text: str) -> datetime.date:
    name = _ERA_LETTERS.get(era.upper(), era)
    starts = [start for start, era_name, _letter in ERAS if era_name == name]
    start = starts[0]
    number = 1 if year_text == "元" else int(year_text)
    try:
        date = datetime.date(start.year + number - 1, month, day)
    except ValueError as error:
        raise CellError(_("“{value}” is not a date of the calendar.").format(value=text)) from error
    later = [other for other, _name, _letter in ERAS if other > start]
    end = min(later) - datetime.timedelta(days=1) if later else None
    if date < start or (end is not None and date > end):
        if end is None:
            message = _("“{value}” is not a date of {era}: {era} began on {start}.")
        else:
            message = _("“{value}” is not a date of {era}: {era} ran from {start} to {end}.")
        raise CellError(message.format(value=text, era=name, start=format_date(start), end=format_date(end)))
    return date


def parse_date(value) -> datetime.date | None:
    """The date a stage took effect, or None for an empty cell.

    Reads an Excel date cell, an Excel serial number, 2026/4/1, 2026-04-01,
    2026年4月1日, 20260401, 令和8年4月1日, 令和元年5月1日 and R8.4.1 (also H and S);
    a time of 0:00 after the date, as Excel writes it into CSV, is ignored.
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial_date(value)
    text = _TIME_SUFFIX.sub("", normalise(value))
    if not text:
        return None
    for pattern in (_WESTERN, _COMPACT):
        match = pattern.fullmatch(text)
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError as error:
                raise CellError(_("“{value}” is not a date of the calendar.").format(value=text)) from error
    match = _ERA.fullmatch(text)
    if match:
        era, year_text, month, day = match.groups()
        return _era_date(era, year_text, int(month), int(day), text)
    raise CellError(
        _("“{value}” is not a date: write it as 2026/4/1, 2026-04-01, 令和8年4月1日 or R8.4.1.").format(value=text)
    )


def _serial_date(value: float) -> datetime.date:
    """An Excel serial day number (a date cell formatted as a number); 20260401 is read as 2026-04-01."""
    number = int(value)
    if number == value and 19000101 <= number <= 99991231:
        return parse_date(str(number))
    if number != value or number < _FIRST_SERIAL or number > 2958465:
        raise CellError(
            _("{value} is a number, not a date: write it as 2026/4/1 or format the cell as a date.").format(value=value)
        )
    return datetime.date(1899, 12, 30) + datetime.timedelta(days=number)


def parse_note(value) -> str:
    """The note, with the apostrophe the export put before a formula-like text taken off again."""
    if value is None:
        return ""
    text = str(value).strip()
    if text.startswith("'") and looks_like_formula(text[1:]):
        return text[1:].strip()
    return text


def code_digits(value) -> str:
    """The digits of a 団体コード cell: a text cell as written, a number cell (12033 or 12033.0) as its integer."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = normalise(value)
    return text[1:] if text.startswith("'") else text
