"""Survey round trip (調査票): export the current stages, edit them in Excel, import them back.

The format: one sheet 調査票 (or a CSV file) with the header row
団体コード, 団体名, 項目, 段階, 日付, 備考 and one row per local government and
request item. See :mod:`cooperation.survey.formats` for what each cell accepts,
:func:`survey_plan` for the preview and :func:`survey_apply` for the import.
"""

import importlib

# Loaded on first use (PEP 562), so that ``cooperation.models`` can import
# ``cooperation.survey.models`` without pulling in the planner, which needs the models.
_EXPORTS = {
    "HEADER": "formats",
    "SHEET_NAME": "formats",
    "STAGE_LABELS": "formats",
    "csv_cells": "exporting",
    "survey_csv": "exporting",
    "survey_rows": "exporting",
    "survey_xlsx": "exporting",
    "Change": "planning",
    "Ignored": "planning",
    "Outcome": "planning",
    "Plan": "planning",
    "Problem": "planning",
    "survey_apply": "planning",
    "survey_plan": "planning",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
