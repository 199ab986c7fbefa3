"""Filing a referral (/referrals/new/) and handling it (/referrals/<pk>/)."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from cooperation.fiscal import today
from cooperation.models import Progress, ProgressChange, Referral, ReferralEvent, Stage
from cooperation.referrals.services import referral_create, referral_transition

pytestmark = pytest.mark.django_db

CREATE = reverse("cooperation:referral_create")
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def post_data(municipality, **extra):
    data = {
        "municipality": municipality.pk,
        "received_on": (today() - datetime.timedelta(days=2)).isoformat(),
        "topic": "pension",
        "agency": "日本年金機構",
        "summary": "年金の受給手続についての相談",
    }
    data.update(extra)
    return data


def referral_stage(municipality):
    return Progress.objects.get(municipality=municipality, item__code="2-3").stage


def file_referral(municipality, **extra):
    return referral_create(
        by=None,
        municipality=municipality,
        received_on=today() - datetime.timedelta(days=1),
        topic="tax",
        summary="国税の相談",
        **extra,
    )


def transition(referral):
    return reverse("cooperation:referral_transition", kwargs={"pk": referral.pk})


def test_form_preselects_the_officers_own_local_government(client_for, lg_otaru, otaru):
    response = client_for(lg_otaru).get(CREATE)
    assert response.context["form"]["municipality"].value() == otaru.pk
    assert list(response.context["form"].fields["municipality"].queryset) == [otaru]


def test_form_warns_against_personal_information(client_for, lg_otaru):
    html = client_for(lg_otaru).get(CREATE, **ENGLISH).content.decode()
    warning = html.split('id="personal-information-warning"')[1].split("</div>")[0]
    assert "My Number" in warning
    assert html.index('id="personal-information-warning"') < html.index('name="summary"')


def test_center_staff_file_on_behalf_of_a_local_government_in_scope(client_for, center_sapporo, otaru):
    response = client_for(center_sapporo).get(CREATE + "?municipality=" + otaru.lg_code)
    assert response.context["form"]["municipality"].value() == otaru.pk
    choices = response.context["form"].fields["municipality"].queryset
    assert choices.count() == 52


def test_filing_creates_the_referral_with_its_first_event(client_for, lg_otaru, otaru):
    response = client_for(lg_otaru).post(CREATE, post_data(otaru))
    referral = Referral.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == referral.get_absolute_url()
    assert (referral.municipality, referral.office, referral.created_by, referral.status) == (
        otaru,
        otaru.office,
        lg_otaru,
        Referral.Status.SUBMITTED,
    )
    assert list(referral.events.values_list("from_status", "to_status")) == [("", "submitted")]


def test_first_referral_moves_2_3_to_done_and_says_so(client_for, lg_otaru, otaru):
    response = client_for(lg_otaru).post(CREATE, post_data(otaru), follow=True, **ENGLISH)
    referral = Referral.objects.get()
    change = ProgressChange.objects.get(referral=referral)
    assert (change.progress.item.code, change.to_stage, change.effective_date) == (
        "2-3",
        Stage.DONE,
        referral.received_on,
    )
    assert referral_stage(otaru) == Stage.DONE
    messages = [str(message) for message in response.context["messages"]]
    assert any("first referral" in message and "2-3" in message for message in messages)


def test_second_referral_moves_nothing_and_says_nothing_about_it(client_for, lg_otaru, otaru):
    file_referral(otaru)
    response = client_for(lg_otaru).post(CREATE, post_data(otaru), follow=True, **ENGLISH)
    assert ProgressChange.objects.filter(referral__isnull=False).count() == 1
    assert not any("first referral" in str(message) for message in response.context["messages"])


def test_local_government_outside_the_scope_posted_by_hand_is_refused(client_for, lg_otaru, hakodate_city):
    response = client_for(lg_otaru).post(CREATE, post_data(hakodate_city))
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["municipality"]
    assert not Referral.objects.exists()


def test_future_date_received_is_refused(client_for, lg_otaru, otaru):
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    response = client_for(lg_otaru).post(CREATE, post_data(otaru, received_on=tomorrow))
    assert response.context["form"].errors["received_on"]
    assert not Referral.objects.exists()


def test_summary_is_required(client_for, lg_otaru, otaru):
    response = client_for(lg_otaru).post(CREATE, post_data(otaru, summary=""))
    assert response.context["form"].errors["summary"]
    assert not Referral.objects.exists()


def test_viewer_may_not_file(client_for, viewer_sapporo):
    assert client_for(viewer_sapporo).get(CREATE).status_code == HTTPStatus.FORBIDDEN


def test_detail_shows_the_timeline_of_state_changes(client_for, lg_otaru, center_sapporo, otaru):
    referral = file_referral(otaru)
    referral_transition(referral=referral, to_status="acknowledged", by=center_sapporo)
    referral_transition(referral=referral, to_status="in_progress", by=center_sapporo, note="年金事務所に照会")
    html = client_for(lg_otaru).get(referral.get_absolute_url()).content.decode()
    timeline = html.split('id="timeline-heading"')[1].split("</section>")[0]
    statuses = re.findall(r'<span class="work-status work-status-(\w+)">', timeline)
    assert statuses == ["submitted", "submitted", "acknowledged", "acknowledged", "in_progress"]
    assert "年金事務所に照会" in timeline
    assert "center-sapporo" in timeline


def test_handling_buttons_for_those_who_may_handle(client_for, center_sapporo, otaru):
    referral = file_referral(otaru)
    html = client_for(center_sapporo).get(referral.get_absolute_url()).content.decode()
    # One form: the next step (acknowledge or close) with its note and date (issue 16).
    assert html.count(f'action="{transition(referral)}"') == 1
    assert 'value="acknowledged"' in html
    assert 'value="in_progress"' not in html


@pytest.mark.parametrize("role", ["lg_otaru", "pref_01", "viewer_sapporo"])
def test_no_handling_buttons_for_those_who_only_see(role, client_for, otaru, request):
    referral = file_referral(otaru)
    response = client_for(request.getfixturevalue(role)).get(referral.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert transition(referral) not in response.content.decode()


def test_acknowledge_start_and_close_with_an_outcome(client_for, center_sapporo, otaru):
    referral = file_referral(otaru)
    client = client_for(center_sapporo)
    for data in (
        {"to_status": "acknowledged"},
        {"to_status": "in_progress"},
        {"to_status": "closed", "outcome": "passed_to_agency", "note": "年金事務所へ"},
    ):
        assert client.post(transition(referral), data).status_code == HTTPStatus.FOUND
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == (Referral.Status.CLOSED, Referral.Outcome.PASSED_TO_AGENCY)
    assert referral.acknowledged_at <= referral.started_at <= referral.closed_at
    assert list(ReferralEvent.objects.filter(referral=referral).values_list("to_status", "by")) == [
        ("submitted", None),
        ("acknowledged", center_sapporo.pk),
        ("in_progress", center_sapporo.pk),
        ("closed", center_sapporo.pk),
    ]


def test_closing_without_an_outcome_shows_the_error(client_for, center_sapporo, otaru):
    referral = file_referral(otaru)
    response = client_for(center_sapporo).post(transition(referral), {"to_status": "closed"}, **ENGLISH)
    assert response.status_code == HTTPStatus.OK
    errors = response.content.decode().split('class="work-form-errors"')[1].split("</div>")[0]
    assert "outcome" in errors
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED


def test_invalid_transition_shows_the_error(client_for, center_sapporo, hq, otaru):
    referral = file_referral(otaru)
    referral_transition(referral=referral, to_status="closed", outcome="withdrawn", by=hq)
    response = client_for(center_sapporo).post(transition(referral), {"to_status": "acknowledged"}, **ENGLISH)
    assert response.status_code == HTTPStatus.OK
    assert "cannot become" in response.content.decode().split('class="work-form-errors"')[1].split("</div>")[0]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED
    assert referral.events.count() == 2


def test_officer_may_not_handle_own_referral(client_for, lg_otaru, otaru):
    referral = file_referral(otaru)
    response = client_for(lg_otaru).post(transition(referral), {"to_status": "acknowledged"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED


def test_officer_does_not_see_another_local_governments_referral(client_for, lg_otaru, hakodate_city):
    referral = file_referral(hakodate_city)
    assert client_for(lg_otaru).get(referral.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_detail_runs_a_bounded_number_of_queries(client_for, center_sapporo, otaru, django_assert_max_num_queries):
    referral = file_referral(otaru)
    referral_transition(referral=referral, to_status="acknowledged", by=center_sapporo)
    referral_transition(referral=referral, to_status="in_progress", by=center_sapporo)
    client = client_for(center_sapporo)
    with django_assert_max_num_queries(10):
        response = client.get(referral.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
