"""Activity scope: the whole country filters nothing; narrower scopes keep the EXISTS rule."""

import datetime

from cooperation.activities.services import activity_create
from cooperation.fiscal import today
from cooperation.models import Activity, RequestItem
from offices.models import Municipality, Office


def _log(office_code, lg_code):
    return activity_create(
        by=None,
        municipalities=[Municipality.objects.get(lg_code=lg_code)],
        office=Office.objects.get(code=office_code),
        item=RequestItem.objects.get(code="1-1"),
        kind="briefing",
        date=today() - datetime.timedelta(days=3),
        title="説明会",
    )


def test_headquarters_sees_every_activity_without_a_subquery(hq):
    sapporo, hakodate = _log("sapporo", "012033"), _log("hakodate", "012025")
    visible = Activity.objects.visible_to(hq)
    assert "EXISTS" not in str(visible.query).upper()
    assert set(visible) == {sapporo, hakodate}


def test_read_only_headquarters_sees_every_activity_too(viewer_hq):
    sapporo = _log("sapporo", "012033")
    assert list(Activity.objects.visible_to(viewer_hq)) == [sapporo]


def test_a_local_government_sees_only_activities_that_name_it(lg_otaru):
    sapporo, _hakodate = _log("sapporo", "012033"), _log("hakodate", "012025")
    assert list(Activity.objects.visible_to(lg_otaru)) == [sapporo]


def test_a_center_sees_its_own_activities_only(center_hakodate):
    _sapporo, hakodate = _log("sapporo", "012033"), _log("hakodate", "012025")
    assert list(Activity.objects.visible_to(center_hakodate)) == [hakodate]
