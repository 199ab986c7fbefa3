"""Dashboard and prefecture reports: everyone has a dashboard; a prefecture's report and downloads
are visible to whoever sees at least one of its local governments, and a 404 to anyone else."""

from tests.scope_rules import Rule, statuses

HOKKAIDO = statuses(200, bureau_chugoku_shikoku=404)
AOMORI = statuses(404, hq=200, viewer_hq=200)


def _hokkaido(world):
    return {"code": world.hokkaido.code}


def _aomori(world):
    return {"code": world.aomori.code}


RULES = [
    Rule(
        name="cooperation:dashboard",
        get=statuses(200),
        query="fiscal_year=2025&item=2-3",
        label="dashboard-past-year-item",
    ),
    Rule(name="cooperation:prefecture_report", get=HOKKAIDO, kwargs=_hokkaido),
    Rule(name="cooperation:prefecture_report", get=AOMORI, kwargs=_aomori, label="prefecture_report-aomori"),
    Rule(name="cooperation:prefecture_export_xlsx", get=HOKKAIDO, kwargs=_hokkaido),
    Rule(name="cooperation:prefecture_export_xlsx", get=AOMORI, kwargs=_aomori, label="prefecture_export_xlsx-aomori"),
    Rule(name="cooperation:prefecture_export_csv", get=HOKKAIDO, kwargs=_hokkaido),
    Rule(name="cooperation:prefecture_export_csv", get=AOMORI, kwargs=_aomori, label="prefecture_export_csv-aomori"),
]
