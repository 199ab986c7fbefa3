"""Logging an activity (/activities/new/) and its page (/activities/<pk>/)."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cooperation.activities.services import activity_create
from cooperation.fiscal import today
from cooperation.models import Activity, Progress, ProgressChange, RequestItem, Stage
from cooperation.progress.services import progress_update
from offices.models import Municipality, Office

pytestmark = pytest.mark.django_db

CREATE = reverse("cooperation:activity_create")
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def pdf(name="minutes.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 minutes of the meeting", content_type="application/pdf")


def stage(municipality, code="1-1"):
    return Progress.objects.get(municipality=municipality, item__code=code).stage


def post_data(office, municipalities, *, item="1-1", advance=True, **extra):
    data = {
        "date": (today() - datetime.timedelta(days=3)).isoformat(),
        "office": office.pk,
        "municipalities": [municipality.pk for municipality in municipalities],
        "item": RequestItem.objects.get(code=item).pk,
        "kind": "briefing",
        "title": "職員向け説明会",
        "summary": "制度の説明と質疑応答",
        "attendees": "25",
    }
    if advance:
        data["advance"] = "on"
    data.update(extra)
    return data


@pytest.fixture
def sapporo(master):
    return Office.objects.get(code="sapporo")


@pytest.fixture
def yoichi(master):
    """余市町: in 後志, so served by 函館 although 小樽市 next door is served by 札幌."""
    return Municipality.objects.get(name="余市町")


def test_form_preselects_the_center_and_local_government(client_for, center_sapporo, otaru):
    response = client_for(center_sapporo).get(CREATE + "?office=sapporo&municipality=" + otaru.lg_code)
    form = response.context["form"]
    assert form["office"].value() == Office.objects.get(code="sapporo").pk
    assert [municipality.pk for municipality in form.initial["municipalities"]] == [otaru.pk]
    html = response.content.decode()
    checked = re.findall(r'<input type="checkbox" name="municipalities" value="(\d+)"[^>]* checked>', html)
    assert checked == [str(otaru.pk)]


def test_local_government_choices_are_those_of_the_centers_prefecture(client_for, hq, otaru, hakodate_city):
    # A 北海道-wide meeting names towns of several centers (issue 16); the center's own come first.
    response = client_for(hq).get(CREATE + "?office=sapporo")
    choices = response.context["form"].fields["municipalities"].queryset
    assert choices.count() == 180
    assert choices.filter(pk=otaru.pk).exists() and choices.filter(pk=hakodate_city.pk).exists()
    assert {municipality.office.code for municipality in list(choices)[:52]} == {"sapporo"}
    assert not choices.exclude(prefecture__code="01").exists()


def test_a_center_is_offered_only_the_local_governments_it_may_change(client_for, center_sapporo, hakodate_city):
    choices = client_for(center_sapporo).get(CREATE).context["form"].fields["municipalities"].queryset
    assert choices.count() == 52
    assert not choices.filter(pk=hakodate_city.pk).exists()


def test_center_choices_are_those_with_write_scope(client_for, bureau_hokkaido):
    response = client_for(bureau_hokkaido).get(CREATE + "?office=sapporo")
    offices = set(response.context["form"].fields["office"].queryset.values_list("code", flat=True))
    assert offices == {"sapporo", "hakodate", "asahikawa", "kushiro"}


def test_staff_of_several_centers_choose_one_first(client_for, hq):
    response = client_for(hq).get(CREATE)
    html = response.content.decode()
    assert 'id="id_choose_office"' in html
    assert 'name="title"' not in html


def test_staff_of_one_center_get_the_form_straight_away(client_for, center_sapporo):
    response = client_for(center_sapporo).get(CREATE)
    assert response.context["office"].code == "sapporo"
    assert 'name="title"' in response.content.decode()


def test_counts_carry_the_kinds_they_matter_for(client_for, center_sapporo):
    html = client_for(center_sapporo).get(CREATE).content.decode()
    recommended = html.split('data-kinds="', 4)[4].split('"')[0]
    assert recommended.split() == ["recommendation", "other"]


def test_create_with_advance_moves_stages_with_the_activity_as_evidence(client_for, center_sapporo, sapporo, otaru):
    chitose = Municipality.objects.get(name="千歳市")
    response = client_for(center_sapporo).post(CREATE, post_data(sapporo, [otaru, chitose]))
    activity = Activity.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == activity.get_absolute_url()
    assert (activity.office, activity.created_by, activity.attendees) == (sapporo, center_sapporo, 25)
    changes = ProgressChange.objects.filter(activity=activity)
    assert {change.progress.municipality_id for change in changes} == {otaru.pk, chitose.pk}
    assert {(change.to_stage, change.effective_date, change.recorded_by) for change in changes} == {
        (Stage.DONE, activity.date, center_sapporo)
    }
    assert stage(otaru) == stage(chitose) == Stage.DONE


def test_create_without_advance_moves_nothing(client_for, center_sapporo, sapporo, otaru):
    client_for(center_sapporo).post(CREATE, post_data(sapporo, [otaru], advance=False))
    assert Activity.objects.count() == 1
    assert stage(otaru) == Stage.NOT_STARTED
    assert not ProgressChange.objects.exists()


def test_advance_leaves_adopted_stages_alone(client_for, center_sapporo, sapporo, otaru):
    progress_update(
        progress=Progress.objects.get(municipality=otaru, item__code="1-1"),
        stage=Stage.ESTABLISHED,
        by=None,
        effective_date=today() - datetime.timedelta(days=30),
    )
    client_for(center_sapporo).post(CREATE, post_data(sapporo, [otaru]))
    assert stage(otaru) == Stage.ESTABLISHED
    assert not ProgressChange.objects.filter(activity__isnull=False).exists()


def test_success_message_tells_how_many_moved(client_for, center_sapporo, sapporo, otaru):
    response = client_for(center_sapporo).post(CREATE, post_data(sapporo, [otaru]), follow=True, **ENGLISH)
    assert "1 local government moved" in response.content.decode()


def test_out_of_scope_local_government_posted_by_hand_is_refused(client_for, center_sapporo, sapporo, hakodate_city):
    response = client_for(center_sapporo).post(CREATE, post_data(sapporo, [hakodate_city]))
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["municipalities"]
    assert not Activity.objects.exists()
    assert stage(hakodate_city) == Stage.NOT_STARTED


def test_local_government_of_another_center_may_be_named(client_for, hq, sapporo, otaru, yoichi):
    response = client_for(hq).post(CREATE + "?office=sapporo", post_data(sapporo, [otaru, yoichi]))
    assert response.status_code == HTTPStatus.FOUND
    assert set(Activity.objects.get().municipalities.all()) == {otaru, yoichi}


def test_local_government_outside_the_write_scope_is_refused(client_for, center_sapporo, sapporo, otaru, yoichi):
    response = client_for(center_sapporo).post(CREATE, post_data(sapporo, [otaru, yoichi]))
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["municipalities"]
    assert not Activity.objects.exists()


def test_center_outside_the_write_scope_posted_by_hand_is_refused(client_for, center_hakodate, sapporo, otaru):
    response = client_for(center_hakodate).post(CREATE, post_data(sapporo, [otaru]))
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["office"]
    assert not Activity.objects.exists()


def test_future_date_is_refused(client_for, center_sapporo, sapporo, otaru):
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    response = client_for(center_sapporo).post(CREATE, post_data(sapporo, [otaru], date=tomorrow))
    assert response.context["form"].errors["date"]
    assert not Activity.objects.exists()


def test_follow_up_before_the_activity_is_refused(client_for, center_sapporo, sapporo, otaru):
    before = (today() - datetime.timedelta(days=10)).isoformat()
    response = client_for(center_sapporo).post(CREATE, post_data(sapporo, [otaru], follow_up_on=before))
    assert response.context["form"].errors["follow_up_on"]
    assert not Activity.objects.exists()


def test_attachments_are_stored_with_the_activity(client_for, center_sapporo, sapporo, otaru):
    data = post_data(sapporo, [otaru], attachments=[pdf("議事録.pdf"), pdf("資料.pdf")])
    client_for(center_sapporo).post(CREATE, data)
    activity = Activity.objects.get()
    assert sorted(activity.attachments.values_list("original_name", flat=True)) == ["議事録.pdf", "資料.pdf"]


def test_attachment_of_a_forbidden_type_is_refused(client_for, center_sapporo, sapporo, otaru):
    page = SimpleUploadedFile("notes.html", b"<script>alert(1)</script>", content_type="text/html")
    response = client_for(center_sapporo).post(CREATE, post_data(sapporo, [otaru], attachments=[page]))
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["attachments"]
    assert not Activity.objects.exists()


def test_attachment_over_the_size_limit_is_refused(client_for, center_sapporo, sapporo, otaru, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4 " + b"x" * 2048, content_type="application/pdf")
    response = client_for(center_sapporo).post(CREATE, post_data(sapporo, [otaru], attachments=[big]))
    assert response.context["form"].errors["attachments"]
    assert not Activity.objects.exists()


def _activity(municipalities, *, files=(), advance=()):
    office = municipalities[0].office
    return activity_create(
        by=None,
        municipalities=municipalities,
        advance=advance,
        office=office,
        item=RequestItem.objects.get(code="2-2"),
        kind="joint_session",
        date=today() - datetime.timedelta(days=2),
        title="合同行政相談所",
        summary="相談 12 件",
        consultations=12,
        files=files,
    )


def test_detail_shows_local_governments_attachments_and_changes(client_for, center_sapporo, otaru):
    activity = _activity([otaru], files=[pdf()], advance=[otaru])
    html = client_for(center_sapporo).get(activity.get_absolute_url()).content.decode()
    assert otaru.get_absolute_url() in html
    assert activity.attachments.get().get_absolute_url() in html
    changes = html.split('id="changes-heading"')[1]
    assert "stage-not_started" in changes
    assert "stage-done" in changes


def test_detail_names_only_local_governments_in_scope(client_for, lg_otaru, otaru):
    sapporo_city = Municipality.objects.get(lg_code="011002")
    activity = _activity([otaru, sapporo_city])
    response = client_for(lg_otaru).get(activity.get_absolute_url())
    html = response.content.decode()
    assert "小樽市" in html
    assert sapporo_city.get_absolute_url() not in html
    assert response.context["hidden_municipalities"] == 1


def test_detail_offers_follow_up_done_to_staff_who_may_write(client_for, center_sapporo, lg_otaru, otaru):
    activity = _activity([otaru])
    Activity.objects.filter(pk=activity.pk).update(follow_up_on=today())
    done_url = reverse("cooperation:activity_follow_up_done", kwargs={"pk": activity.pk})
    assert done_url in client_for(center_sapporo).get(activity.get_absolute_url()).content.decode()
    assert done_url not in client_for(lg_otaru).get(activity.get_absolute_url()).content.decode()


def test_detail_runs_a_bounded_number_of_queries(client_for, hq, django_assert_max_num_queries):
    municipalities = list(Municipality.objects.filter(office__code="sapporo").exclude(kind="prefecture")[:12])
    activity = _activity(municipalities, files=[pdf(f"{n}.pdf") for n in range(5)], advance=municipalities)
    client = client_for(hq)
    with django_assert_max_num_queries(13):
        response = client.get(activity.get_absolute_url())
    assert len(re.findall(r'href="/attachments/\d+/"', response.content.decode())) == 5


def test_follow_up_done_without_a_follow_up_date_changes_nothing(client_for, center_sapporo, otaru):
    activity = _activity([otaru])
    url = reverse("cooperation:activity_follow_up_done", kwargs={"pk": activity.pk})
    response = client_for(center_sapporo).post(url, follow=True)
    assert response.redirect_chain == [(activity.get_absolute_url(), HTTPStatus.FOUND)]
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
    activity.refresh_from_db()
    assert activity.follow_up_done is False


def test_follow_up_done_ignores_a_redirect_to_another_site(client_for, center_sapporo, otaru):
    activity = _activity([otaru])
    Activity.objects.filter(pk=activity.pk).update(follow_up_on=today())
    url = reverse("cooperation:activity_follow_up_done", kwargs={"pk": activity.pk})
    response = client_for(center_sapporo).post(url, {"next": "https://example.com/"})
    assert response["Location"] == activity.get_absolute_url()
    activity.refresh_from_db()
    assert activity.follow_up_done is True
