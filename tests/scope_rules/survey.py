"""Survey export and import: who may download which unit, who may import, who sees an import batch.

A unit (prefecture, center, local government) is exported only if every local
government in it is within the user's scope. ``?scope=all`` exports every
active local government the user sees (the whole country for headquarters, the
national survey), so every role that sees one gets it, holding only its own
rows (tests/cooperation/test_survey_national.py checks the rows; a user who
sees none gets 404). Importing is for headquarters,
bureau and center staff who may write; a row outside their scope is refused
in the preview (still a 200 page), so the POST status is the same for them.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.scope_rules import Rule, statuses

IMPORTERS = {
    "hq": 200,
    "bureau_hokkaido": 200,
    "bureau_chugoku_shikoku": 200,
    "center_sapporo": 200,
    "center_hakodate": 200,
}
SEES_OTARU = {
    "hq": 200,
    "viewer_hq": 200,
    "bureau_hokkaido": 200,
    "center_sapporo": 200,
    "viewer_sapporo": 200,
    "pref_01": 200,
    "lg_otaru": 200,
}


def _survey_file(world):
    from cooperation.exports import csv_bytes
    from cooperation.survey import HEADER

    content = csv_bytes(HEADER, [("012033", "小樽市", "1-2", "検討中", world.day.isoformat(), "")])
    return {"file": SimpleUploadedFile("survey.csv", content, content_type="text/csv")}


RULES = [
    Rule(name="cooperation:survey_export", get=statuses(200), label="survey_export-form"),
    Rule(
        name="cooperation:survey_export",
        query="prefecture=01&format=csv",
        get=statuses(404, hq=200, viewer_hq=200, bureau_hokkaido=200, pref_01=200),
        label="survey_export-prefecture",
    ),
    Rule(
        name="cooperation:survey_export",
        query="office=sapporo&format=xlsx",
        get=statuses(
            404, hq=200, viewer_hq=200, bureau_hokkaido=200, center_sapporo=200, viewer_sapporo=200, pref_01=200
        ),
        label="survey_export-office",
    ),
    Rule(
        name="cooperation:survey_export",
        query="scope=all&format=csv",
        get=statuses(200),
        label="survey_export-scope-all",
    ),
    Rule(
        name="cooperation:survey_export",
        query="municipality=012033&format=csv",
        get=statuses(404, **SEES_OTARU),
        label="survey_export-municipality",
    ),
    Rule(
        name="cooperation:survey_import",
        get=statuses(403, **IMPORTERS),
        post=statuses(403, **IMPORTERS),
        post_data=_survey_file,
    ),
    Rule(
        name="cooperation:importbatch_detail",
        kwargs=lambda world: {"pk": world.import_batch_otaru.pk},
        get=statuses(404, **SEES_OTARU),
    ),
]
