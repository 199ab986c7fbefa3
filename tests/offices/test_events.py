"""offices/events.py: events reach subscribers only after the transaction commits; a failing one breaks nothing."""

import logging

import pytest
from django.db import transaction

from cooperation.events import PROGRESS_CHANGED
from cooperation.models import Progress, ProgressChange, Stage
from cooperation.progress.services import progress_update
from offices import events
from offices.models import AuditEvent

TEST_EVENT = events.register("test_event", "test event", audited=False)
AUDITED_EVENT = events.register("test_audited", "test audited event")


@pytest.fixture
def received():
    seen = []

    def subscriber(event):
        seen.append(event)

    events.subscribe(TEST_EVENT, PROGRESS_CHANGED)(subscriber)
    yield seen
    events.unsubscribe(subscriber)


def test_an_event_is_delivered_after_its_transaction_commits(db, received):
    with transaction.atomic():
        events.publish(TEST_EVENT, target="x")
        assert received == []
    assert [event.target for event in received] == ["x"]


def test_an_event_of_a_rolled_back_transaction_is_never_delivered(db, received):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(TEST_EVENT, target="x")
        raise RuntimeError
    assert received == []


def test_a_failing_subscriber_is_logged_and_neither_undoes_the_change_nor_stops_the_others(
    master, received, caplog, center_sapporo
):
    def broken(event):
        raise RuntimeError("subscriber bug")

    events.subscribe(PROGRESS_CHANGED)(broken)
    try:
        progress = Progress.objects.get(municipality__lg_code="012033", item__code="1-1")
        with caplog.at_level(logging.ERROR, logger="offices.events"):
            change = progress_update(progress=progress, stage=Stage.CONSIDERING, by=center_sapporo)
    finally:
        events.unsubscribe(broken)
    assert ProgressChange.objects.filter(pk=change.pk).exists()
    assert [event.data["change_ids"] for event in received] == [[change.pk]]
    assert "subscriber bug" in caplog.text


def test_a_stage_change_publishes_its_change_local_government_and_item(master, received, center_sapporo):
    progress = Progress.objects.get(municipality__lg_code="012033", item__code="1-1")
    change = progress_update(progress=progress, stage=Stage.CONSIDERING, by=center_sapporo)
    (event,) = received
    assert (event.code, event.actor, event.data["municipality_ids"], event.data["item_ids"]) == (
        PROGRESS_CHANGED,
        center_sapporo,
        [progress.municipality_id],
        [progress.item_id],
    )
    assert event.data["change_ids"] == [change.pk]


def test_the_audit_trail_keeps_audited_events_only(db):
    events.publish(AUDITED_EVENT, target="kept", data={"n": 1})
    events.publish(TEST_EVENT, target="not kept")
    assert list(AuditEvent.objects.values_list("action", "target", "detail")) == [(AUDITED_EVENT, "kept", {"n": 1})]


def test_an_unregistered_event_cannot_be_published(db):
    with pytest.raises(ValueError, match="Unknown event"):
        events.publish("never_registered")


def test_an_audit_row_shows_the_registered_label(db):
    events.publish(AUDITED_EVENT, target="kept")
    assert AuditEvent.objects.get().get_action_display() == "test audited event"
