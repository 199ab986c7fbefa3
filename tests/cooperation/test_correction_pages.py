"""The pages added for corrections render in a bounded number of queries, with several rows; desks share activities."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse

from cooperation.activities.corrections import activity_update
from cooperation.activities.services import activity_create
from cooperation.fiscal import today
from cooperation.models import Progress, RequestItem, Stage
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_create, referral_update
from offices.models import Municipality, Office

pytestmark = pytest.mark.usefixtures("master")


def days_ago(days):
    return today() - datetime.timedelta(days=days)


def sapporo_towns(count):
    return list(Municipality.objects.filter(office__code="sapporo").order_by("lg_code")[:count])


def meeting(towns, *, by=None, office="sapporo", item="2-1", kind="exchange_meeting", advance=()):
    return activity_create(
        by=by,
        municipalities=towns,
        advance=advance,
        office=Office.objects.get(code=office),
        item=RequestItem.objects.get(code=item),
        kind=kind,
        date=days_ago(5),
        title="意見交換会",
        summary="",
    )


@pytest.mark.parametrize("count", [2, 8])
def test_cancel_page_lists_the_stage_changes_in_bounded_queries(
    count, client_for, center_sapporo, django_assert_max_num_queries
):
    towns = sapporo_towns(count)
    activity = meeting(towns, advance=towns)
    client = client_for(center_sapporo)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("cooperation:activity_cancel", kwargs={"pk": activity.pk}))
    assert response.status_code == HTTPStatus.OK
    assert len(response.context["changes"]) == count


@pytest.mark.parametrize("count", [2, 8])
def test_activity_page_with_versions_in_bounded_queries(
    count, client_for, center_sapporo, django_assert_max_num_queries
):
    towns = sapporo_towns(count)
    activity = meeting(towns)
    for number in range(3):
        activity_update(activity=activity, by=center_sapporo, reason=f"訂正{number}", attendees=10 + number)
    client = client_for(center_sapporo)
    with django_assert_max_num_queries(16):
        response = client.get(activity.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert response.content.decode().count("訂正") >= 3


def test_edit_page_and_correct_page_render_in_bounded_queries(
    client_for, center_sapporo, lg_otaru, otaru, django_assert_max_num_queries
):
    activity = meeting(sapporo_towns(5))
    referral = referral_create(by=lg_otaru, municipality=otaru, received_on=days_ago(1), topic="tax", summary="国税")
    referral_update(referral=referral, by=lg_otaru, topic="pension")
    change = progress_update(
        progress=Progress.objects.get(municipality=otaru, item__code="1-1"), stage=Stage.CONSIDERING, by=None
    )
    staff, town = client_for(center_sapporo), client_for(lg_otaru)
    pages = [
        (staff, reverse("cooperation:activity_update", kwargs={"pk": activity.pk})),
        (town, reverse("cooperation:referral_update", kwargs={"pk": referral.pk})),
        (town, reverse("cooperation:progresschange_correct", kwargs={"pk": change.pk})),
    ]
    for client, url in pages:
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == HTTPStatus.OK


def test_a_meeting_logged_by_another_center_shows_on_each_desk(client_for, bureau_hokkaido, center_hakodate, otaru):
    hakodate_town = Municipality.objects.get(lg_code="012025")
    activity = meeting([otaru, hakodate_town], by=bureau_hokkaido, item="2-4", kind="disaster")
    desk = client_for(center_hakodate).get(reverse("cooperation:office_desk", kwargs={"code": "hakodate"}))
    assert activity in list(desk.context["recent"])
    page = client_for(center_hakodate).get(activity.get_absolute_url())
    assert page.status_code == HTTPStatus.OK
    assert [municipality.lg_code for municipality in page.context["activity"].visible_municipalities] == ["012025"]
