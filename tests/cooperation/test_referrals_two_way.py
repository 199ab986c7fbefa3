"""Referrals both ways: who files, who handles, notes and dates, edits, withdrawal, reopening, personal data."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cooperation.fiscal import today
from cooperation.models import Progress, Referral, ReferralEvent, RequestItem, Stage
from cooperation.referrals.services import (
    PersonalInformationFound,
    referral_create,
    referral_reopen,
    referral_transition,
    referral_update,
    referral_withdraw,
)
from offices import policies
from offices.models import AuditEvent

pytestmark = pytest.mark.usefixtures("master")

TO_MUNICIPALITY = Referral.Direction.TO_MUNICIPALITY


def days_ago(days):
    return today() - datetime.timedelta(days=days)


def file(by, municipality, **extra):
    values = {
        "received_on": days_ago(3),
        "topic": Referral.Topic.PENSION,
        "summary": "年金の受給手続についての相談",
    }
    values.update(extra)
    return referral_create(by=by, municipality=municipality, **values)


def test_town_withdraws_its_own_referral_before_acknowledgement(otaru, lg_otaru):
    referral = file(lg_otaru, otaru)
    referral_withdraw(referral=referral, by=lg_otaru, note="重複して提出したため", on=days_ago(1))
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.outcome) == (Referral.Status.CLOSED, Referral.Outcome.WITHDRAWN)
    step = stored.events.get(action=ReferralEvent.Action.WITHDRAWN)
    assert (step.note, step.on, step.by) == ("重複して提出したため", days_ago(1), lg_otaru)


def test_withdrawing_after_acknowledgement_is_refused(otaru, lg_otaru, center_sapporo):
    referral = file(lg_otaru, otaru)
    referral_transition(referral=referral, to_status="acknowledged", by=center_sapporo)
    with pytest.raises(PermissionDenied, match="referral.withdraw"):
        referral_withdraw(referral=referral, by=lg_otaru)
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.ACKNOWLEDGED


def test_the_receiving_side_cannot_withdraw(otaru, lg_otaru, center_sapporo):
    referral = file(lg_otaru, otaru)
    with pytest.raises(PermissionDenied):
        referral_withdraw(referral=referral, by=center_sapporo)
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SUBMITTED


def test_center_sends_a_consultation_and_the_town_closes_it(otaru, center_sapporo, lg_otaru):
    referral = file(center_sapporo, otaru, direction=TO_MUNICIPALITY, topic="other", summary="除雪に関する相談")
    assert (referral.office.code, referral.direction) == ("sapporo", TO_MUNICIPALITY)
    with pytest.raises(PermissionDenied):
        referral_transition(referral=referral, to_status="acknowledged", by=center_sapporo)
    referral_transition(referral=referral, to_status="acknowledged", by=lg_otaru, on=days_ago(2), note="受領")
    referral_transition(referral=referral, to_status="in_progress", by=lg_otaru)
    referral_transition(referral=referral, to_status="closed", outcome="resolved", by=lg_otaru, note="除雪計画を説明")
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.outcome) == (Referral.Status.CLOSED, Referral.Outcome.RESOLVED)
    assert list(stored.events.values_list("action", "by__username", "on")) == [
        ("filed", "center-sapporo", days_ago(3)),
        ("acknowledged", "lg-otaru", days_ago(2)),
        ("started", "lg-otaru", today()),
        ("closed", "lg-otaru", today()),
    ]


def test_a_town_may_not_send_to_itself_from_the_center(otaru, lg_otaru):
    with pytest.raises(PermissionDenied, match="referral.file"):
        file(lg_otaru, otaru, direction=TO_MUNICIPALITY)
    assert not Referral.objects.exists()


def test_first_referral_from_the_center_moves_what_the_catalogue_says(otaru, center_sapporo):
    done = Progress.objects.get(municipality=otaru, item__code="2-1")
    RequestItem.objects.filter(code="2-1").update(first_referral_from_center_moves=True)
    referral = file(center_sapporo, otaru, direction=TO_MUNICIPALITY)
    done.refresh_from_db()
    assert done.stage == Stage.DONE
    assert done.changes.get().referral == referral
    assert Progress.objects.get(municipality=otaru, item__code="2-3").stage == Stage.NOT_STARTED


def test_first_referral_from_the_center_moves_nothing_by_default(otaru, center_sapporo):
    file(center_sapporo, otaru, direction=TO_MUNICIPALITY)
    assert not Progress.objects.filter(municipality=otaru).exclude(stage=Stage.NOT_STARTED).exists()


def test_step_dated_beyond_the_back_dating_limit_is_refused(otaru, lg_otaru, center_sapporo, settings):
    settings.REFERRAL_BACKDATE_DAYS = 5
    referral = file(lg_otaru, otaru, received_on=days_ago(3))
    with pytest.raises(ValidationError, match="5"):
        referral_transition(referral=referral, to_status="acknowledged", by=center_sapporo, on=days_ago(6))
    with pytest.raises(ValidationError):
        referral_transition(referral=referral, to_status="acknowledged", by=center_sapporo, on=days_ago(4))
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SUBMITTED


def test_filer_edits_before_acknowledgement_and_the_previous_values_are_kept(otaru, lg_otaru, center_sapporo):
    referral = file(lg_otaru, otaru)
    referral_update(referral=referral, by=lg_otaru, topic="tax", summary="国税の手続の相談", expected_version=0)
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.topic, stored.summary, stored.version) == ("tax", "国税の手続の相談", 1)
    edit = stored.events.get(action="edited")
    assert edit.previous == {"topic": "pension", "summary": "年金の受給手続についての相談"}
    with pytest.raises(ValidationError):
        referral_update(referral=referral, by=lg_otaru, topic="labour", expected_version=0)
    referral_transition(referral=referral, to_status="acknowledged", by=center_sapporo)
    with pytest.raises(PermissionDenied, match="referral.edit"):
        referral_update(referral=referral, by=lg_otaru, topic="labour")
    assert Referral.objects.get(pk=referral.pk).topic == "tax"


def test_reopening_needs_a_reason_and_clears_the_outcome(otaru, lg_otaru, center_sapporo):
    referral = file(lg_otaru, otaru)
    referral_transition(referral=referral, to_status="closed", outcome="resolved", by=center_sapporo)
    with pytest.raises(ValidationError):
        referral_reopen(referral=referral, by=lg_otaru, reason=" ")
    referral_reopen(referral=referral, by=lg_otaru, reason="同じ相談者から再度の申出")
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.outcome, stored.closed_at) == (Referral.Status.IN_PROGRESS, "", None)
    assert stored.events.get(action="reopened").previous == {"outcome": "resolved"}


def test_a_withdrawn_referral_cannot_be_reopened(otaru, lg_otaru):
    referral = file(lg_otaru, otaru)
    referral_withdraw(referral=referral, by=lg_otaru)
    with pytest.raises(PermissionDenied):
        referral_reopen(referral=referral, by=lg_otaru, reason="やはり必要")


def test_summary_with_a_phone_number_is_stopped(otaru, lg_otaru):
    with pytest.raises(PersonalInformationFound) as raised:
        file(lg_otaru, otaru, summary="相談者の連絡先 090-1234-5678 に折り返し")
    assert "090-1234-5678" in raised.value.messages[0]
    assert not Referral.objects.exists()


def test_confirming_not_personal_is_recorded_and_audited(otaru, lg_otaru):
    referral = file(lg_otaru, otaru, summary="年金事務所 0134-33-6111 に案内済み", not_personal=True)
    assert Referral.objects.get(pk=referral.pk).personal_info_confirmed == ["phone"]
    assert referral.events.get().personal_info_confirmed == ["phone"]
    audit = AuditEvent.objects.get(action="referral_personal_info_confirmed")
    assert (audit.actor, audit.detail["kinds"]) == (lg_otaru, ["phone"])


def test_note_with_an_email_address_is_stopped(otaru, lg_otaru, center_sapporo):
    referral = file(lg_otaru, otaru)
    with pytest.raises(PersonalInformationFound):
        referral_transition(referral=referral, to_status="acknowledged", by=center_sapporo, note="taro@example.jp")
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SUBMITTED


def test_prefecture_officer_may_not_read_the_text_of_a_towns_referral(otaru, hokkaido_government, lg_otaru, pref_01):
    town = file(lg_otaru, otaru)
    own = file(pref_01, hokkaido_government)
    assert not policies.can(pref_01, policies.REFERRAL_READ_TEXT, town)
    assert policies.can(pref_01, policies.REFERRAL_READ_TEXT, own)
    assert policies.can(lg_otaru, policies.REFERRAL_READ_TEXT, town)


def test_viewers_of_the_center_read_the_text_but_do_not_handle(otaru, lg_otaru, viewer_sapporo):
    referral = file(lg_otaru, otaru)
    assert policies.can(viewer_sapporo, policies.REFERRAL_READ_TEXT, referral)
    assert not policies.can(viewer_sapporo, policies.REFERRAL_HANDLE, referral)


def test_withdrawing_a_first_referral_reverts_the_stage_it_moved(otaru, lg_otaru):
    referral = file(lg_otaru, otaru)
    progress = Progress.objects.get(municipality=otaru, item__code="2-3")
    assert progress.stage == Stage.DONE
    referral_withdraw(referral=referral, by=lg_otaru, note="誤って提出")
    progress.refresh_from_db()
    assert progress.stage == Stage.NOT_STARTED
    moved = progress.changes.get(referral=referral)
    assert "誤って提出" in progress.changes.get(corrects=moved).note
    again = file(lg_otaru, otaru)
    progress.refresh_from_db()
    assert (progress.stage, progress.changes.order_by("-id").first().referral) == (Stage.DONE, again)


def test_withdrawing_keeps_a_stage_a_later_change_replaced(otaru, lg_otaru):
    from cooperation.progress.services import progress_update

    referral = file(lg_otaru, otaru)
    progress = Progress.objects.get(municipality=otaru, item__code="2-3")
    progress_update(progress=progress, stage=Stage.ESTABLISHED, by=lg_otaru)
    referral_withdraw(referral=referral, by=lg_otaru)
    progress.refresh_from_db()
    assert progress.stage == Stage.ESTABLISHED
    assert not progress.changes.filter(corrects__isnull=False).exists()
