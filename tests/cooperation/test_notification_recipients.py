"""Who is told of what: exactly the people the issue names, nobody outside their scope."""

import datetime

import pytest

from cooperation.activities.services import activity_create
from cooperation.fiscal import today
from cooperation.models import Notification, Progress, RequestItem, Stage
from cooperation.notifications import kinds
from cooperation.progress.services import StageChange, progress_update, progress_update_many
from cooperation.referrals.services import referral_create, referral_transition
from offices.models import Office

pytestmark = pytest.mark.django_db


def told(kind):
    return {n.recipient.username for n in Notification.objects.filter(kind=kind).select_related("recipient")}


def move(municipality, code, stage, by):
    return progress_update(
        progress=Progress.objects.get(municipality=municipality, item__code=code), stage=stage, by=by
    )


@pytest.fixture
def everyone(request):
    names = [
        "hq",
        "viewer_hq",
        "bureau_hokkaido",
        "center_sapporo",
        "center_hakodate",
        "viewer_sapporo",
        "pref_01",
        "lg_otaru",
        "lg_hakodate",
        "lg_sapporo",
    ]
    return {name: request.getfixturevalue(name) for name in names}


def test_stage_changed_by_the_officer_tells_its_center(run_worker, everyone, otaru):
    move(otaru, "1-1", Stage.CONSIDERING, everyone["lg_otaru"])
    run_worker()
    assert told(kinds.STAGE_CHANGED) == {"center-sapporo"}


def test_stage_changed_by_others_tells_the_officers(run_worker, everyone, otaru):
    move(otaru, "1-1", Stage.CONSIDERING, everyone["bureau_hokkaido"])
    run_worker()
    assert told(kinds.STAGE_CHANGED) == {"lg-otaru"}
    [notification] = Notification.objects.all()
    assert notification.data == {"changes": [["1-1", "not_started", "considering"]], "count": 1}
    assert notification.actor == everyone["bureau_hokkaido"]


def test_prefectural_government_officers_are_the_prefecture_officers(run_worker, everyone, hokkaido_government):
    move(hokkaido_government, "0-1", Stage.CONSIDERING, everyone["center_sapporo"])
    run_worker()
    assert told(kinds.STAGE_CHANGED) == {"pref-01"}
    Notification.objects.all().delete()
    move(hokkaido_government, "0-1", Stage.ARRANGING, everyone["pref_01"])
    run_worker()
    assert told(kinds.STAGE_CHANGED) == {"center-sapporo"}


def test_bulk_change_tells_each_officer_of_their_own_only(run_worker, everyone, otaru, hakodate_city):
    rows = Progress.objects.filter(municipality__in=[otaru, hakodate_city], item__code__in=["1-1", "1-2"])
    changes = [StageChange(progress=row, stage=Stage.CONSIDERING, effective_date=today()) for row in rows]
    progress_update_many(changes=changes, by=everyone["hq"])
    run_worker()
    by_user = {n.recipient.username: n for n in Notification.objects.select_related("recipient", "municipality")}
    assert set(by_user) == {"lg-otaru", "lg-hakodate"}
    assert by_user["lg-otaru"].municipality == otaru and by_user["lg-otaru"].data["count"] == 2
    assert by_user["lg-hakodate"].municipality == hakodate_city


def test_activity_tells_the_officers_of_its_local_governments(run_worker, everyone, otaru):
    activity_create(
        by=everyone["center_sapporo"],
        municipalities=[otaru],
        date=today() - datetime.timedelta(days=1),
        office=Office.objects.get(code="sapporo"),
        item=RequestItem.objects.get(code="1-1"),
        kind="briefing",
        title="説明会",
    )
    run_worker()
    assert told(kinds.ACTIVITY_LOGGED) == {"lg-otaru"}


def test_referral_steps_tell_the_filing_officers_and_never_the_actor(run_worker, everyone, otaru):
    referral = referral_create(
        by=everyone["hq"], municipality=otaru, received_on=today(), topic="tax", summary="相談の内容"
    )
    run_worker()
    assert told(kinds.REFERRAL_FILED) == {"center-sapporo"}
    referral_transition(referral=referral, to_status="acknowledged", by=everyone["center_sapporo"])
    run_worker()
    assert told(kinds.REFERRAL_MOVED) == {"lg-otaru"}
    assert "相談の内容" not in str(list(Notification.objects.values_list("data", flat=True)))
