"""The local government page's progress table, stage forms and history (cooperation/progress/rendering.py)
equal the template they replaced (tests/cooperation/reference/municipality_detail.html), markup and words."""

import datetime
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.template import engines
from django.test import override_settings

from cooperation.activities.services import activity_create
from cooperation.commissioners.services import commissioner_recommend
from cooperation.fiscal import today
from cooperation.models import ImportBatch, Progress, Stage
from cooperation.progress.corrections import progress_correct
from cooperation.progress.services import StageChange, progress_update, progress_update_many
from cooperation.referrals.services import referral_create

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).parent / "reference" / "municipality_detail.html"
PAGE = "/municipalities/012033/"


def normalised(html: str) -> str:
    """Whitespace between tags and the CSRF token (masked afresh for each use) do not count."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r">\s+<", "><", html).strip()


def _days(n):
    return today() - datetime.timedelta(days=n)


@pytest.fixture
def varied(master, otaru, center_sapporo, lg_otaru):
    """Every kind of row: stages with and without dates and notes, each evidence, a correction, markup in text."""

    def move(code, stage, days_ago, **extra):
        progress = Progress.objects.get(municipality=otaru, item__code=code)
        return progress_update(
            progress=progress, stage=stage, by=center_sapporo, effective_date=_days(days_ago), **extra
        )

    move("1-2", Stage.CONSIDERING, 40, note="協議中 <b>&</b> “検討”")
    move("2-4", Stage.NOT_FEASIBLE, 35, note="防災担当が不在のため")
    wrong = move("1-2", Stage.ARRANGING, 30)
    progress_correct(change=wrong, by=center_sapporo, reason="誤入力の訂正 <script>")
    activity_create(
        by=None,
        municipalities=[otaru],
        advance=[otaru],
        office=otaru.office,
        item=Progress.objects.get(municipality=otaru, item__code="1-1").item,
        kind="briefing",
        date=_days(20),
        title="小樽市 職員向け説明会 <研修> & “意見交換”",
    )
    referral_create(by=lg_otaru, municipality=otaru, received_on=_days(10), topic="pension", summary="年金の相談")
    batch = ImportBatch.objects.create(file_name="survey <2026>.xlsx", sha256="0" * 64)
    progress_update_many(
        changes=[StageChange(Progress.objects.get(municipality=otaru, item__code="3-1"), Stage.DONE, _days(5))],
        by=None,
        import_batch=batch,
    )
    commissioner_recommend(
        municipality=otaru, name="佐藤 和夫", name_kana="さとう かずお", recommended_on=_days(3), by=lg_otaru
    )
    return otaru


@contextmanager
def reference_templates(settings, tmp_path):
    """The page's template as it was (the reference copy) in place of the current one, for the block's requests."""
    reference_dir = tmp_path / "templates" / "cooperation"
    reference_dir.mkdir(parents=True)
    (reference_dir / "municipality_detail.html").write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    templates = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}]
    with override_settings(TEMPLATES=templates):
        engines._engines = {}
        engines.__dict__.pop("templates", None)
        try:
            yield
        finally:
            engines._engines = {}
            engines.__dict__.pop("templates", None)


@pytest.mark.parametrize("role", ["center_sapporo", "viewer_sapporo", "lg_otaru"])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_page_equals_the_template_it_replaced(varied, client_for, request, role, language, settings, tmp_path):
    client = client_for(request.getfixturevalue(role))
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    fast = client.get(PAGE, **headers)
    assert fast.status_code == 200
    html = fast.content.decode()
    # The page holds what the comparison is about: evidence of every kind, a correction, escaped markup.
    for shown in ("/activities/", "/referrals/", "/imports/", "work-correction", "&lt;研修&gt;", "stage-not_feasible"):
        assert shown in html, shown
    with reference_templates(settings, tmp_path):
        reference = client.get(PAGE, **headers)
    assert normalised(html) == normalised(reference.content.decode())


def test_a_refused_update_shows_its_form_with_errors_as_the_template_did(
    varied, client_for, center_sapporo, settings, tmp_path
):
    client = client_for(center_sapporo)
    progress = Progress.objects.get(municipality=varied, item__code="2-1")
    data = {
        "version": progress.version,
        "stage": Stage.DONE,
        "effective_date": (today() + datetime.timedelta(days=3)).isoformat(),
        "note": "",
    }
    fast = client.post(f"{PAGE}progress/2-1/", data)
    assert fast.status_code == 200 and "work-has-errors" in fast.content.decode()
    with reference_templates(settings, tmp_path):
        reference = client.post(f"{PAGE}progress/2-1/", data)
    assert normalised(fast.content.decode()) == normalised(reference.content.decode())
