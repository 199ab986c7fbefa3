"""The list tables' rows written in Python (cooperation/lists/rows.py) equal django-tables2's template rendering."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import engines
from django.test import override_settings

from cooperation import fiscal
from cooperation.activities.services import activity_create
from cooperation.models import Progress, RequestItem, Stage
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_create
from offices.models import Municipality, Office

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).parent / "reference" / "site_table.html"


def normalised(html: str) -> str:
    """Whitespace between tags and the CSRF token (masked afresh per response) do not count."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r">\s+<", "><", html).strip()


@pytest.fixture
def busy(master, otaru, hakodate_city):
    """Every list has rows: activities with counts, links and a follow-up, referrals, changes, inactive places."""
    sapporo, hakodate = Office.objects.get(code="sapporo"), Office.objects.get(code="hakodate")
    item = RequestItem.objects.get(code="1-1")
    today = fiscal.today()
    for number, (office, places) in enumerate([(sapporo, [otaru]), (hakodate, [hakodate_city, otaru])] * 3):
        activity_create(
            by=None,
            municipalities=places,
            office=office,
            item=item,
            kind="briefing",
            date=today - datetime.timedelta(days=number),
            title=f"説明会 <{number}> & 協議",
            attendees=number or None,
            follow_up_on=today + datetime.timedelta(days=number) if number % 2 else None,
        )
    for number in range(3):
        referral_create(
            by=None, municipality=otaru, received_on=today, topic="tax", summary="国税の相談", agency="国税庁"
        )
        progress_update(
            progress=Progress.objects.get(municipality=hakodate_city, item__code=["1-1", "1-2", "2-1"][number]),
            stage=Stage.CONSIDERING,
            by=None,
            note=f"協議中 <{number}>",
        )
    Municipality.objects.filter(pk=hakodate_city.pk).update(is_active=False)


@pytest.mark.parametrize(
    "path",
    [
        "/activities/",
        "/activities/?sort=-title",
        "/activities/?kind=award",  # nothing matches
        "/referrals/",
        "/history/",
        "/municipalities/?prefecture=01",
        "/municipalities/?sort=-adopted_count&page=2",
    ],
)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_rows_equal_the_template_of_django_tables2(busy, client_for, hq, path, language, settings, tmp_path):
    client = client_for(hq)
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    fast = client.get(path, **headers)
    assert fast.status_code == 200
    # The same page with the table template as it was: every cell through django-tables2's BoundRow.items().
    reference_dir = tmp_path / "templates" / "django_tables2"
    reference_dir.mkdir(parents=True)
    (reference_dir / "site_table.html").write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    templates = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}]
    with override_settings(TEMPLATES=templates):
        engines._engines = {}
        engines.__dict__.pop("templates", None)
        try:
            reference = client.get(path, **headers)
        finally:
            engines._engines = {}
            engines.__dict__.pop("templates", None)
    assert "<tbody" in fast.content.decode()
    assert normalised(fast.content.decode()) == normalised(reference.content.decode())
