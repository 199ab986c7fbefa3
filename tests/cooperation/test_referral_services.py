"""Referrals (回付): filing, the first referral moving 2-3 to 実施, and timestamped state changes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cooperation.fiscal import today
from cooperation.models import Progress, Referral, Stage
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_create, referral_transition

pytestmark = pytest.mark.usefixtures("master")


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def referral_item(municipality) -> Progress:
    return Progress.objects.get(municipality=municipality, item__code="2-3")


def file(by, municipality, *, received_on=None, topic=Referral.Topic.PENSION) -> Referral:
    return referral_create(
        by=by,
        municipality=municipality,
        received_on=received_on or days_ago(4),
        topic=topic,
        agency="日本年金機構",
        summary="年金の受給手続についての相談",
    )


def test_referral_is_filed_with_the_local_governments_center(otaru, lg_otaru):
    referral = file(lg_otaru, otaru)
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.office.code, stored.status, stored.outcome) == ("sapporo", Referral.Status.SUBMITTED, "")
    assert stored.created_by == lg_otaru


def test_filing_leaves_a_first_event_at_the_filing_time(otaru, lg_otaru):
    referral = file(lg_otaru, otaru)
    event = referral.events.get()
    assert (event.from_status, event.to_status, event.by, event.at) == (
        "",
        Referral.Status.SUBMITTED,
        lg_otaru,
        referral.created_at,
    )


def test_first_referral_moves_2_3_to_done_with_the_referral_as_evidence(otaru, lg_otaru):
    referral = file(lg_otaru, otaru, received_on=days_ago(9))
    progress = referral_item(otaru)
    change = progress.changes.get()
    assert progress.stage == Stage.DONE
    assert (change.from_stage, change.to_stage, change.effective_date) == (Stage.NOT_STARTED, Stage.DONE, days_ago(9))
    assert change.referral == referral
    assert change.recorded_by == lg_otaru


def test_first_referral_moves_2_3_from_not_feasible(otaru, lg_otaru):
    progress_update(progress=referral_item(otaru), stage=Stage.NOT_FEASIBLE, by=lg_otaru, note="窓口が未整備")
    file(lg_otaru, otaru, received_on=today())
    assert referral_item(otaru).stage == Stage.DONE


def test_first_referral_leaves_an_established_2_3_alone(otaru, lg_otaru):
    progress_update(progress=referral_item(otaru), stage=Stage.ESTABLISHED, by=lg_otaru)
    file(lg_otaru, otaru, received_on=today())
    progress = referral_item(otaru)
    assert (progress.stage, progress.changes.count()) == (Stage.ESTABLISHED, 1)


def test_a_later_referral_moves_nothing(otaru, lg_otaru):
    file(lg_otaru, otaru, received_on=days_ago(30))
    progress_update(
        progress=referral_item(otaru),
        stage=Stage.CONSIDERING,
        by=lg_otaru,
        effective_date=days_ago(20),
        note="回付の運用を見直し中",
    )
    file(lg_otaru, otaru, received_on=days_ago(10))
    progress = referral_item(otaru)
    assert (progress.stage, progress.changes.count()) == (Stage.CONSIDERING, 2)


def test_first_referral_of_one_local_government_does_not_move_another(otaru, hakodate_city, lg_otaru):
    file(lg_otaru, otaru)
    assert referral_item(hakodate_city).stage == Stage.NOT_STARTED


def test_referral_received_in_the_future_is_refused(otaru, lg_otaru):
    with pytest.raises(ValidationError):
        file(lg_otaru, otaru, received_on=days_ago(-1))
    assert not Referral.objects.exists()
    assert referral_item(otaru).stage == Stage.NOT_STARTED


def test_referral_with_an_unknown_topic_is_refused(otaru, lg_otaru):
    with pytest.raises(ValidationError):
        file(lg_otaru, otaru, topic="gossip")


def test_referral_for_another_local_government_is_refused(otaru, lg_hakodate):
    with pytest.raises(PermissionDenied):
        file(lg_hakodate, otaru)


def test_referral_by_a_viewer_is_refused(otaru, viewer_hq):
    with pytest.raises(PermissionDenied):
        file(viewer_hq, otaru)


def test_each_step_is_timestamped_and_leaves_an_event(otaru, lg_otaru, center_sapporo):
    referral = file(lg_otaru, otaru)
    referral_transition(referral=referral, to_status=Referral.Status.ACKNOWLEDGED, by=center_sapporo)
    referral_transition(referral=referral, to_status=Referral.Status.IN_PROGRESS, by=center_sapporo)
    referral_transition(
        referral=referral,
        to_status=Referral.Status.CLOSED,
        by=center_sapporo,
        outcome=Referral.Outcome.PASSED_TO_AGENCY,
        note="年金事務所へ連絡",
    )
    stored = Referral.objects.get(pk=referral.pk)
    events = list(stored.events.all())
    assert [(event.from_status, event.to_status) for event in events] == [
        ("", "submitted"),
        ("submitted", "acknowledged"),
        ("acknowledged", "in_progress"),
        ("in_progress", "closed"),
    ]
    assert [event.at for event in events[1:]] == [stored.acknowledged_at, stored.started_at, stored.closed_at]
    assert stored.created_at <= stored.acknowledged_at <= stored.started_at <= stored.closed_at
    assert (stored.status, stored.outcome, events[-1].note) == ("closed", "passed_to_agency", "年金事務所へ連絡")


def test_a_submitted_referral_can_be_closed_as_withdrawn(otaru, lg_otaru, center_sapporo):
    referral = file(lg_otaru, otaru)
    referral_transition(
        referral=referral, to_status=Referral.Status.CLOSED, by=center_sapporo, outcome=Referral.Outcome.WITHDRAWN
    )
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.outcome, stored.acknowledged_at, stored.closed_at is not None) == ("withdrawn", None, True)


def test_closing_without_an_outcome_is_refused(otaru, lg_otaru, center_sapporo):
    referral = file(lg_otaru, otaru)
    with pytest.raises(ValidationError):
        referral_transition(referral=referral, to_status=Referral.Status.CLOSED, by=center_sapporo)
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SUBMITTED


def test_an_outcome_before_closing_is_refused(otaru, lg_otaru, center_sapporo):
    referral = file(lg_otaru, otaru)
    with pytest.raises(ValidationError):
        referral_transition(
            referral=referral,
            to_status=Referral.Status.ACKNOWLEDGED,
            by=center_sapporo,
            outcome=Referral.Outcome.RESOLVED,
        )


def test_skipping_acknowledgement_to_work_is_refused(otaru, lg_otaru, center_sapporo):
    referral = file(lg_otaru, otaru)
    with pytest.raises(ValidationError):
        referral_transition(referral=referral, to_status=Referral.Status.IN_PROGRESS, by=center_sapporo)


def test_a_closed_referral_stays_closed(otaru, lg_otaru, center_sapporo):
    referral = file(lg_otaru, otaru)
    referral_transition(
        referral=referral, to_status=Referral.Status.CLOSED, by=center_sapporo, outcome=Referral.Outcome.RESOLVED
    )
    with pytest.raises(ValidationError):
        referral_transition(referral=referral, to_status=Referral.Status.ACKNOWLEDGED, by=center_sapporo)


def test_an_unknown_status_is_refused(otaru, lg_otaru, center_sapporo):
    referral = file(lg_otaru, otaru)
    with pytest.raises(ValidationError):
        referral_transition(referral=referral, to_status="lost", by=center_sapporo)


def test_the_local_government_cannot_handle_its_own_referral(otaru, lg_otaru):
    referral = file(lg_otaru, otaru)
    with pytest.raises(PermissionDenied):
        referral_transition(referral=referral, to_status=Referral.Status.ACKNOWLEDGED, by=lg_otaru)


def test_another_center_cannot_handle_the_referral(otaru, lg_otaru, center_hakodate):
    referral = file(lg_otaru, otaru)
    with pytest.raises(PermissionDenied):
        referral_transition(referral=referral, to_status=Referral.Status.ACKNOWLEDGED, by=center_hakodate)


def test_a_viewer_cannot_handle_the_referral(otaru, lg_otaru, viewer_sapporo):
    referral = file(lg_otaru, otaru)
    with pytest.raises(PermissionDenied):
        referral_transition(referral=referral, to_status=Referral.Status.ACKNOWLEDGED, by=viewer_sapporo)


def test_the_bureau_may_handle_referrals_of_its_region(otaru, lg_otaru, bureau_hokkaido):
    referral = file(lg_otaru, otaru)
    referral_transition(referral=referral, to_status=Referral.Status.ACKNOWLEDGED, by=bureau_hokkaido)
    assert Referral.objects.get(pk=referral.pk).events.last().by == bureau_hokkaido
