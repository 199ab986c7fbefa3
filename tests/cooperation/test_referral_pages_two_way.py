"""The referral pages, both ways: the "done when" of issue 16 through the site, text withheld, audited reads."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse

from cooperation.fiscal import today
from cooperation.models import Referral
from cooperation.referrals.retention import referrals_redact
from cooperation.referrals.services import referral_create, referral_transition
from offices.models import AuditEvent

pytestmark = pytest.mark.usefixtures("master")

CREATE = reverse("cooperation:referral_create")
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def filed(municipality, by=None, **extra):
    values = {"received_on": today() - datetime.timedelta(days=2), "topic": "pension", "summary": "年金の相談の内容"}
    values.update(extra)
    return referral_create(by=by, municipality=municipality, **values)


def url(name, referral):
    return reverse(f"cooperation:{name}", kwargs={"pk": referral.pk})


def test_town_withdraws_its_own_referral_from_the_page(client_for, lg_otaru, otaru):
    referral = filed(otaru, lg_otaru)
    page = client_for(lg_otaru).get(referral.get_absolute_url()).content.decode()
    assert url("referral_withdraw", referral) in page and url("referral_update", referral) in page
    response = client_for(lg_otaru).post(url("referral_withdraw", referral), {"note": "誤って提出"})
    assert response.status_code == HTTPStatus.FOUND
    assert Referral.objects.get(pk=referral.pk).outcome == Referral.Outcome.WITHDRAWN


def test_center_sends_to_otaru_and_otaru_closes_it_on_the_site(client_for, center_sapporo, lg_otaru, otaru):
    data = {
        "direction": "to_municipality",
        "municipality": otaru.pk,
        "received_on": today().isoformat(),
        "topic": "other",
        "agency": "",
        "summary": "市道の除雪についての相談",
    }
    response = client_for(center_sapporo).post(CREATE, data)
    referral = Referral.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert (referral.direction, referral.municipality, referral.created_by) == (
        "to_municipality",
        otaru,
        center_sapporo,
    )
    town = client_for(lg_otaru)
    assert url("referral_transition", referral) in town.get(referral.get_absolute_url()).content.decode()
    assert town.post(url("referral_transition", referral), {"to_status": "acknowledged"}).status_code == 302
    closing = {"to_status": "closed", "outcome": "resolved", "note": "担当課で対応", "on": today().isoformat()}
    assert town.post(url("referral_transition", referral), closing).status_code == HTTPStatus.FOUND
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("closed", "resolved")
    assert referral.events.get(action="closed").note == "担当課で対応"


def test_a_summary_with_a_phone_number_is_stopped_with_a_clear_message(client_for, lg_otaru, otaru):
    data = {
        "municipality": otaru.pk,
        "received_on": today().isoformat(),
        "topic": "tax",
        "agency": "国税庁",
        "summary": "相談者 連絡先 090-1234-5678",
    }
    response = client_for(lg_otaru).post(CREATE, data, **ENGLISH)
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "a telephone number" in html and "090-1234-5678" in html
    assert 'name="not_personal"' in html
    assert not Referral.objects.exists()
    confirmed = client_for(lg_otaru).post(CREATE, {**data, "not_personal": "on"})
    assert confirmed.status_code == HTTPStatus.FOUND
    assert Referral.objects.get().personal_info_confirmed == ["phone"]


def test_the_confirmation_box_is_shown_only_after_something_was_flagged(client_for, lg_otaru):
    assert 'name="not_personal"' not in client_for(lg_otaru).get(CREATE).content.decode()


def test_prefecture_officer_sees_the_topic_but_not_the_text(client_for, pref_01, otaru):
    referral = filed(otaru, summary="非公開にすべき相談内容")
    html = client_for(pref_01).get(referral.get_absolute_url()).content.decode()
    assert "非公開にすべき相談内容" not in html
    assert 'id="referral-text-withheld"' in html
    assert referral.get_topic_display() in html


def test_opening_a_referral_is_audited(client_for, center_sapporo, pref_01, otaru):
    referral = filed(otaru)
    client_for(center_sapporo).get(referral.get_absolute_url())
    client_for(pref_01).get(referral.get_absolute_url())
    trail = AuditEvent.objects.filter(action="referral_viewed").order_by("id")
    assert [(event.actor, event.detail["text_shown"]) for event in trail] == [(center_sapporo, True), (pref_01, False)]


def test_detail_page_runs_a_bounded_number_of_queries(client_for, center_sapporo, otaru, django_assert_max_num_queries):
    referral = filed(otaru)
    for step in ("acknowledged", "in_progress"):
        referral_transition(referral=referral, to_status=step, by=center_sapporo, note="経過")
    client = client_for(center_sapporo)
    with django_assert_max_num_queries(30):
        assert client.get(referral.get_absolute_url()).status_code == HTTPStatus.OK


def test_redaction_empties_the_text_after_the_retention_period_and_keeps_the_figures(
    otaru, center_sapporo, settings, client_for
):
    settings.REFERRAL_RETENTION_DAYS = 30
    old = filed(otaru)
    referral_transition(referral=old, to_status="closed", outcome="resolved", by=center_sapporo, note="回答済み")
    recent = filed(otaru)
    referral_transition(referral=recent, to_status="closed", outcome="resolved", by=center_sapporo, note="回答済み")
    open_one = filed(otaru)
    Referral.objects.filter(pk=old.pk).update(closed_at=old.closed_at - datetime.timedelta(days=31))
    counts_before = Referral.objects.filter(municipality=otaru).values("topic", "status", "outcome").count()

    assert referrals_redact() == 1

    old.refresh_from_db()
    assert (old.summary, old.redacted_at is not None, old.topic, old.outcome) == ("", True, "pension", "resolved")
    assert set(old.events.values_list("note", flat=True)) == {""}
    assert Referral.objects.get(pk=recent.pk).summary == "年金の相談の内容"
    assert Referral.objects.get(pk=open_one.pk).summary == "年金の相談の内容"
    assert Referral.objects.filter(municipality=otaru).values("topic", "status", "outcome").count() == counts_before
    assert AuditEvent.objects.get(action="referrals_redacted").detail["count"] == 1
    assert referrals_redact() == 0
    page = client_for(center_sapporo).get(old.get_absolute_url()).content.decode()
    assert 'id="referral-redacted"' in page


def test_redact_command_reports_what_it_did(otaru, center_sapporo, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.REFERRAL_RETENTION_DAYS = 0
    referral = filed(otaru)
    referral_transition(referral=referral, to_status="closed", outcome="resolved", by=center_sapporo)
    out = StringIO()
    call_command("redact_referrals", "--dry-run", stdout=out)
    assert out.getvalue().startswith("1 referral(s) due")
    assert Referral.objects.get(pk=referral.pk).summary
    call_command("redact_referrals", stdout=StringIO())
    assert Referral.objects.get(pk=referral.pk).summary == ""


def test_referral_list_filters_by_direction_and_shows_it(client_for, center_sapporo, otaru, lg_otaru):
    filed(otaru, lg_otaru)
    filed(otaru, center_sapporo, direction="to_municipality")
    response = client_for(center_sapporo).get(reverse("cooperation:referral_list") + "?direction=to_municipality")
    rows = list(response.context["table"].rows)
    assert [row.record.direction for row in rows] == ["to_municipality"]
    assert "センター → 地方公共団体" in response.content.decode()


def test_the_timeline_shows_the_values_before_an_edit(client_for, lg_otaru, otaru):
    from cooperation.referrals.services import referral_update

    referral = filed(otaru, lg_otaru, summary="当初の記載")
    referral_update(referral=referral, by=lg_otaru, summary="訂正後の記載")
    html = client_for(lg_otaru).get(referral.get_absolute_url()).content.decode()
    assert "当初の記載" in html.split('id="timeline-heading"')[1]
    assert "訂正後の記載" in html.split('id="referral-summary"')[1].split("</div>")[0]
