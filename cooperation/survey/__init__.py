"""Survey round trip (調査票): export the current stages, edit them in Excel, import them back.

The format: one sheet 調査票 (or a CSV file) with the header row
団体コード, 団体名, 項目, 段階, 日付, 備考 and one row per local government and
request item. See :mod:`cooperation.survey.formats` for what each cell accepts,
:func:`survey_plan` for the preview and :func:`survey_apply` for the import.
"""

from cooperation.survey.exporting import csv_cells, survey_csv, survey_rows, survey_xlsx
from cooperation.survey.formats import HEADER, SHEET_NAME, STAGE_LABELS
from cooperation.survey.planning import Change, Ignored, Outcome, Plan, Problem, survey_apply, survey_plan

__all__ = [
    "HEADER",
    "SHEET_NAME",
    "STAGE_LABELS",
    "Change",
    "csv_cells",
    "Ignored",
    "Outcome",
    "Plan",
    "Problem",
    "survey_apply",
    "survey_csv",
    "survey_plan",
    "survey_rows",
    "survey_xlsx",
]
