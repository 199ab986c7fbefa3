"""The desk's jurisdiction rows written in Python (cooperation/desk/rendering.py) equal the template they replace."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from cooperation import fiscal
from cooperation.desk.rendering import desk_rows_html
from cooperation.desk.selectors import desk_rows
from cooperation.models import Progress, Stage
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_create
from offices.models import Municipality, Office

pytestmark = pytest.mark.django_db

# The rows as office_desk.html rendered them before they moved to Python: the reference.
REFERENCE = Template((Path(__file__).parent / "reference" / "desk_rows.html").read_text(encoding="utf-8"))


def normalised(html) -> str:
    """Whitespace between and inside tags does not change the page; everything else must be equal."""
    html = re.sub(r"\s+", " ", str(html))
    return re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html)).strip()


@pytest.fixture
def varied_desk(master, center_sapporo):
    """札幌's desk with adopted, stale, suggested and not-feasible items and an open referral with an & in a name."""
    office = Office.objects.get(code="sapporo")
    towns = list(Municipality.objects.filter(office=office).order_by("lg_code")[:6])
    today = fiscal.today()
    for index, town in enumerate(towns):
        for code, stage in (("1-1", Stage.DONE), ("1-2", Stage.CONSIDERING), ("2-1", Stage.NOT_FEASIBLE)):
            if index % 2 or code != "1-2":
                progress_update(
                    progress=Progress.objects.get(municipality=town, item__code=code),
                    stage=stage,
                    by=None,
                    effective_date=today - datetime.timedelta(days=400 * (index % 3)),
                    note="庁内調整の結果" if stage == Stage.NOT_FEASIBLE else "",
                )
    referral_create(
        by=None, municipality=towns[0], received_on=today, topic="tax", summary="国税の相談", not_personal=True
    )
    Municipality.objects.filter(pk=towns[1].pk).update(name="<&>町")
    return office


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("may_write", [True, False])
def test_python_rows_equal_the_template_rows(varied_desk, center_sapporo, language, may_write):
    with translation.override(language):
        rows = desk_rows(center_sapporo, varied_desk, today=fiscal.today())
        assert any(row.stale for row in rows) and any(row.suggestion for row in rows)
        assert any(row.municipality.open_referrals for row in rows)
        expected = REFERENCE.render(Context({"rows": rows, "office": varied_desk, "may_write": may_write}))
        actual = desk_rows_html(rows, office=varied_desk, may_write=may_write)
    assert normalised(actual) == normalised(expected)
    assert "&lt;&amp;&gt;町" in actual and "<&>町" not in actual
