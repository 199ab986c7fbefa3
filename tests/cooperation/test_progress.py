"""Stages and their history: one service changes a stage, and every change is kept."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from cooperation.fiscal import today
from cooperation.models import ImportBatch, Progress, ProgressChange, RequestItem, Stage
from cooperation.progress.items import progress_backfill, request_items_load
from cooperation.progress.services import ProgressConflict, StageChange, progress_update, progress_update_many
from cooperation.referrals.services import referral_create
from offices.models import Municipality

pytestmark = pytest.mark.usefixtures("master")


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def progress_of(municipality, code="1-1") -> Progress:
    return Progress.objects.get(municipality=municipality, item__code=code)


def test_update_records_from_to_date_who_and_note(otaru, center_sapporo):
    progress = progress_of(otaru)
    change = progress_update(
        progress=progress, stage=Stage.CONSIDERING, by=center_sapporo, effective_date=days_ago(3), note="庁内で検討"
    )
    stored = ProgressChange.objects.get(pk=change.pk)
    assert (stored.from_stage, stored.to_stage) == (Stage.NOT_STARTED, Stage.CONSIDERING)
    assert stored.effective_date == days_ago(3)
    assert stored.recorded_by == center_sapporo
    assert stored.note == "庁内で検討"
    assert stored.recorded_at is not None


def test_update_moves_the_live_stage_and_its_date(otaru, center_sapporo):
    progress = progress_of(otaru)
    progress_update(progress=progress, stage=Stage.ARRANGING, by=center_sapporo, effective_date=days_ago(2))
    progress.refresh_from_db()
    assert (progress.stage, progress.stage_date, progress.version) == (Stage.ARRANGING, days_ago(2), 1)
    assert progress.updated_by == center_sapporo


def test_history_is_complete_and_ordered_after_several_changes(otaru, center_sapporo):
    progress = progress_of(otaru)
    steps = [
        (Stage.CONSIDERING, days_ago(40)),
        (Stage.ARRANGING, days_ago(30)),
        (Stage.DONE, days_ago(30)),
        (Stage.ARRANGING, days_ago(5)),
        (Stage.ESTABLISHED, days_ago(0)),
    ]
    for stage, day in steps:
        progress_update(progress=progress, stage=stage, by=center_sapporo, effective_date=day, note="経過")
    history = list(progress.changes.chronological())
    assert [(change.to_stage, change.effective_date) for change in history] == steps
    assert [change.from_stage for change in history] == [Stage.NOT_STARTED] + [stage for stage, _day in steps[:-1]]
    progress.refresh_from_db()
    assert (progress.stage, progress.version) == (history[-1].to_stage, len(history))


def test_back_dated_change_keeps_its_effective_date(otaru, center_sapporo):
    progress = progress_of(otaru)
    change = progress_update(progress=progress, stage=Stage.DONE, by=center_sapporo, effective_date=days_ago(35))
    assert change.effective_date == days_ago(35)
    assert change.recorded_at.date() >= today() - datetime.timedelta(days=1)


def test_change_dated_before_the_current_stage_is_refused(otaru, center_sapporo):
    progress = progress_of(otaru)
    progress_update(progress=progress, stage=Stage.CONSIDERING, by=center_sapporo, effective_date=days_ago(10))
    with pytest.raises(ValidationError):
        progress_update(progress=progress, stage=Stage.ARRANGING, by=center_sapporo, effective_date=days_ago(11))
    assert progress.changes.count() == 1


def test_change_on_the_day_of_the_current_stage_is_accepted(otaru, center_sapporo):
    progress = progress_of(otaru)
    progress_update(progress=progress, stage=Stage.CONSIDERING, by=center_sapporo, effective_date=days_ago(10))
    progress_update(progress=progress, stage=Stage.ARRANGING, by=center_sapporo, effective_date=days_ago(10))
    assert progress.changes.count() == 2


def test_future_date_is_refused(otaru, center_sapporo):
    progress = progress_of(otaru)
    with pytest.raises(ValidationError):
        progress_update(progress=progress, stage=Stage.CONSIDERING, by=center_sapporo, effective_date=days_ago(-1))
    assert not progress.changes.exists()


@pytest.mark.parametrize("note", ["", "   \n"])
def test_not_feasible_without_a_reason_is_refused(otaru, center_sapporo, note):
    progress = progress_of(otaru)
    with pytest.raises(ValidationError):
        progress_update(progress=progress, stage=Stage.NOT_FEASIBLE, by=center_sapporo, note=note)
    progress.refresh_from_db()
    assert progress.stage == Stage.NOT_STARTED


def test_not_feasible_with_a_reason_keeps_the_reason(otaru, center_sapporo):
    progress = progress_of(otaru)
    progress_update(progress=progress, stage=Stage.NOT_FEASIBLE, by=center_sapporo, note="担当職員が不在のため")
    progress.refresh_from_db()
    assert (progress.stage, progress.note) == (Stage.NOT_FEASIBLE, "担当職員が不在のため")
    assert progress.changes.get().note == "担当職員が不在のため"


def test_relay_item_is_refused_for_a_municipality(otaru):
    relay = Progress.objects.create(municipality=otaru, item=RequestItem.objects.get(code="0-1"))
    with pytest.raises(ValidationError):
        progress_update(progress=relay, stage=Stage.DONE, by=None)
    assert not relay.changes.exists()


def test_relay_item_is_accepted_for_the_prefectural_government(hokkaido_government, pref_01):
    progress = progress_of(hokkaido_government, "0-1")
    progress_update(progress=progress, stage=Stage.DONE, by=pref_01, effective_date=days_ago(1))
    assert progress.changes.get().to_stage == Stage.DONE


def test_municipalities_have_no_relay_row(otaru):
    assert not Progress.objects.filter(municipality=otaru, item__code="0-1").exists()


def test_retired_item_is_refused(otaru, center_sapporo):
    progress = progress_of(otaru, "2-5")
    RequestItem.objects.filter(code="2-5").update(is_active=False)
    with pytest.raises(ValidationError):
        progress_update(progress=progress, stage=Stage.CONSIDERING, by=center_sapporo)


def test_unknown_stage_is_refused(otaru, center_sapporo):
    with pytest.raises(ValidationError):
        progress_update(progress=progress_of(otaru), stage="finished", by=center_sapporo)


def test_setting_the_current_stage_records_nothing(otaru, center_sapporo):
    progress = progress_of(otaru)
    assert progress_update(progress=progress, stage=Stage.NOT_STARTED, by=center_sapporo) is None
    progress.refresh_from_db()
    assert (progress.version, progress.changes.count()) == (0, 0)


def test_out_of_scope_user_is_refused(otaru, center_hakodate):
    with pytest.raises(PermissionDenied):
        progress_update(progress=progress_of(otaru), stage=Stage.CONSIDERING, by=center_hakodate)


def test_read_only_user_is_refused(otaru, viewer_sapporo):
    with pytest.raises(PermissionDenied):
        progress_update(progress=progress_of(otaru), stage=Stage.CONSIDERING, by=viewer_sapporo)


def test_prefecture_officer_may_not_change_a_municipality(otaru, pref_01):
    with pytest.raises(PermissionDenied):
        progress_update(progress=progress_of(otaru), stage=Stage.CONSIDERING, by=pref_01)


def test_local_government_officer_changes_its_own_stage(otaru, lg_otaru):
    change = progress_update(progress=progress_of(otaru), stage=Stage.CONSIDERING, by=lg_otaru)
    assert change.recorded_by == lg_otaru


def test_stale_version_is_refused_and_names_the_newer_stage(otaru, center_sapporo, lg_otaru):
    mine = progress_of(otaru)
    theirs = progress_of(otaru)
    progress_update(progress=theirs, stage=Stage.ARRANGING, by=lg_otaru, expected_version=0)
    with translation.override("en"), pytest.raises(ProgressConflict) as conflict:
        progress_update(progress=mine, stage=Stage.CONSIDERING, by=center_sapporo, expected_version=0)
    assert conflict.value.current.stage == Stage.ARRANGING
    assert conflict.value.current.version == 1
    with translation.override("en"):
        assert "Arranging" in str(conflict.value)
    assert str(lg_otaru) in str(conflict.value)
    assert progress_of(otaru).changes.count() == 1


def test_current_version_is_accepted(otaru, center_sapporo):
    progress = progress_of(otaru)
    progress_update(progress=progress, stage=Stage.CONSIDERING, by=center_sapporo, expected_version=0)
    change = progress_update(progress=progress, stage=Stage.ARRANGING, by=center_sapporo, expected_version=1)
    assert change.to_stage == Stage.ARRANGING


def test_import_batch_is_recorded_as_evidence(otaru, center_sapporo):
    batch = ImportBatch.objects.create(file_name="survey.xlsx", sha256="0" * 64, created_by=center_sapporo)
    change = progress_update(progress=progress_of(otaru), stage=Stage.DONE, by=center_sapporo, import_batch=batch)
    assert ProgressChange.objects.get(pk=change.pk).evidence == batch


def test_two_pieces_of_evidence_are_refused(otaru, center_sapporo):
    batch = ImportBatch.objects.create(file_name="survey.xlsx", sha256="0" * 64)
    referral = referral_create(by=None, municipality=otaru, received_on=days_ago(1), topic="tax", summary="国税の相談")
    progress = progress_of(otaru, "2-3")
    with pytest.raises(ValidationError):
        progress_update(
            progress=progress, stage=Stage.ESTABLISHED, by=center_sapporo, referral=referral, import_batch=batch
        )


def test_a_change_that_does_not_move_the_stage_cannot_be_stored(otaru):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressChange.objects.create(
            progress=progress_of(otaru), from_stage="done", to_stage="done", effective_date=days_ago(0)
        )


def test_a_not_feasible_change_without_a_reason_cannot_be_stored(otaru):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressChange.objects.create(
            progress=progress_of(otaru), from_stage="not_started", to_stage="not_feasible", effective_date=days_ago(0)
        )


# progress_update_many: the import's path, with the same rules


def test_update_many_applies_every_change_with_the_batch_as_evidence(otaru, hakodate_city, hq):
    batch = ImportBatch.objects.create(file_name="survey.csv", sha256="1" * 64, created_by=hq)
    changes = [
        StageChange(progress=progress_of(otaru), stage=Stage.DONE, effective_date=days_ago(3)),
        StageChange(progress=progress_of(hakodate_city, "2-2"), stage=Stage.ARRANGING, effective_date=days_ago(2)),
    ]
    records = progress_update_many(changes=changes, by=hq, import_batch=batch)
    assert len(records) == 2
    assert set(batch.progress_changes.values_list("to_stage", flat=True)) == {Stage.DONE, Stage.ARRANGING}
    assert progress_of(hakodate_city, "2-2").stage == Stage.ARRANGING
    assert progress_of(otaru).version == 1


def test_update_many_writes_nothing_when_one_change_breaks_a_rule(otaru, hakodate_city, hq):
    changes = [
        StageChange(progress=progress_of(otaru), stage=Stage.DONE, effective_date=days_ago(3)),
        StageChange(progress=progress_of(hakodate_city), stage=Stage.NOT_FEASIBLE, effective_date=days_ago(2)),
    ]
    with pytest.raises(ValidationError) as error:
        progress_update_many(changes=changes, by=hq)
    assert set(error.value.message_dict) == {"1"}
    assert not ProgressChange.objects.filter(progress__municipality__in=[otaru, hakodate_city]).exists()


def test_update_many_refuses_a_stale_expected_version(otaru, hq):
    progress = progress_of(otaru)
    progress_update(progress=progress_of(otaru), stage=Stage.CONSIDERING, by=hq)
    stale = StageChange(progress=progress, stage=Stage.DONE, effective_date=days_ago(0), expected_version=0)
    with pytest.raises(ValidationError) as error:
        progress_update_many(changes=[stale], by=hq)
    assert set(error.value.message_dict) == {"0"}
    assert progress_of(otaru).stage == Stage.CONSIDERING


def test_update_many_skips_rows_already_at_the_stage(otaru, hq):
    changes = [StageChange(progress=progress_of(otaru), stage=Stage.NOT_STARTED, effective_date=days_ago(0))]
    assert progress_update_many(changes=changes, by=hq) == []
    assert progress_of(otaru).version == 0


def test_update_many_refuses_a_local_government_out_of_scope(otaru, hakodate_city, center_sapporo):
    changes = [
        StageChange(progress=progress_of(otaru), stage=Stage.DONE, effective_date=days_ago(0)),
        StageChange(progress=progress_of(hakodate_city), stage=Stage.DONE, effective_date=days_ago(0)),
    ]
    with pytest.raises(PermissionDenied):
        progress_update_many(changes=changes, by=center_sapporo)
    assert progress_of(otaru).stage == Stage.NOT_STARTED


def test_update_many_refuses_the_same_progress_twice(otaru, hq):
    progress = progress_of(otaru)
    changes = [
        StageChange(progress=progress, stage=Stage.CONSIDERING, effective_date=days_ago(2)),
        StageChange(progress=progress, stage=Stage.DONE, effective_date=days_ago(1)),
    ]
    with pytest.raises(ValidationError):
        progress_update_many(changes=changes, by=hq)


def _prefecture_changes(code: str) -> list[StageChange]:
    rows = Progress.objects.filter(municipality__prefecture__code=code, item__code="1-1")
    return [StageChange(progress=row, stage=Stage.CONSIDERING, effective_date=days_ago(1)) for row in rows]


@pytest.mark.parametrize("code", ["01", "16"])
def test_update_many_costs_a_handful_of_queries_for_a_whole_prefecture(code, hq, django_assert_max_num_queries):
    changes = _prefecture_changes(code)
    assert len(changes) == {"01": 180, "16": 16}[code]
    # Lock, read, scope (2), history insert, state update, savepoint (2); SQLite caps an
    # INSERT at 999 parameters, so 北海道's 180 history rows (12 columns each) take three INSERTs there; after
    # commit, the notifications queue one task (issue 12).
    with django_assert_max_num_queries(12):
        progress_update_many(changes=changes, by=hq)
    assert ProgressChange.objects.filter(progress__municipality__prefecture__code=code).count() == len(changes)


# New and retired items


def test_backfill_gives_a_new_item_a_row_for_every_active_local_government():
    RequestItem.objects.create(code="4-1", category=RequestItem.objects.get(code="1-1").category, title_ja="新項目")
    Municipality.objects.filter(lg_code="012033").update(is_active=False)
    created = progress_backfill()
    active = Municipality.objects.active().count()
    assert created == active
    assert Progress.objects.filter(item__code="4-1").count() == active
    assert not Progress.objects.filter(item__code="4-1", municipality__lg_code="012033").exists()


def test_backfill_gives_a_prefecture_only_item_rows_for_the_47_prefectural_governments():
    category = RequestItem.objects.get(code="0-1").category
    RequestItem.objects.create(code="0-2", category=category, title_ja="県の取組", scope=RequestItem.Scope.PREFECTURE)
    progress_backfill()
    assert Progress.objects.filter(item__code="0-2").count() == 47
    assert not Progress.objects.filter(item__code="0-2").exclude(municipality__kind="prefecture").exists()


def test_backfill_is_idempotent():
    progress_backfill()
    assert progress_backfill() == 0


def test_retired_item_leaves_the_rows_reports_count(otaru):
    RequestItem.objects.filter(code="2-5").update(is_active=False)
    counted = Progress.objects.current().filter(municipality=otaru)
    assert "2-5" not in set(counted.values_list("item__code", flat=True))
    assert counted.count() == 8


def test_reloading_the_items_does_not_bring_a_retired_item_back():
    RequestItem.objects.filter(code="2-5").update(is_active=False)
    request_items_load(path=settings.BASE_DIR / "fixtures" / "request_items.csv")
    assert RequestItem.objects.get(code="2-5").is_active is False


def test_rows_of_an_item_that_no_longer_applies_are_not_counted(otaru):
    Progress.objects.create(municipality=otaru, item=RequestItem.objects.get(code="0-1"))
    assert not Progress.objects.current().filter(municipality=otaru, item__code="0-1").exists()


# --- evidence is dated on or before the change it supports ------------------------------------------


def _activity(otaru, office, *, on, code="1-1"):
    from cooperation.models import Activity

    activity = Activity.objects.create(
        date=on, office=office, item=RequestItem.objects.get(code=code), kind="briefing", title="説明会"
    )
    activity.municipalities.set([otaru])
    return activity


@pytest.mark.parametrize("bulk", [False, True])
def test_an_activity_held_after_the_change_is_not_its_evidence(otaru, hq, bulk):
    activity = _activity(otaru, otaru.office, on=days_ago(5))
    progress = progress_of(otaru)
    with pytest.raises(ValidationError, match="説明会"):
        if bulk:
            change = StageChange(progress=progress, stage=Stage.DONE, effective_date=days_ago(6), activity=activity)
            progress_update_many(changes=[change], by=hq)
        else:
            progress_update(progress=progress, stage=Stage.DONE, by=hq, effective_date=days_ago(6), activity=activity)
    assert not ProgressChange.objects.filter(progress=progress).exists()


@pytest.mark.parametrize("bulk", [False, True])
def test_an_activity_held_on_the_day_of_the_change_is_its_evidence(otaru, hq, bulk):
    activity = _activity(otaru, otaru.office, on=days_ago(5))
    progress = progress_of(otaru)
    if bulk:
        change = StageChange(progress=progress, stage=Stage.DONE, effective_date=days_ago(5), activity=activity)
        progress_update_many(changes=[change], by=hq)
    else:
        progress_update(progress=progress, stage=Stage.DONE, by=hq, effective_date=days_ago(5), activity=activity)
    assert ProgressChange.objects.get(progress=progress).activity == activity


def test_a_referral_received_after_the_change_is_not_its_evidence(otaru, hq):
    progress = progress_of(otaru, "2-3")
    progress_update(progress=progress, stage=Stage.DONE, by=hq, effective_date=days_ago(10))
    referral = referral_create(by=hq, municipality=otaru, received_on=days_ago(2), topic="tax", summary="国税の相談")
    with pytest.raises(ValidationError) as refusal:
        progress_update(
            progress=progress, stage=Stage.ESTABLISHED, by=hq, effective_date=days_ago(3), referral=referral
        )
    assert len(refusal.value.messages) == 1 and "回付" in refusal.value.messages[0]
    assert ProgressChange.objects.filter(progress=progress).count() == 1


def test_a_referral_received_on_the_day_of_the_change_is_its_evidence(otaru, hq):
    progress = progress_of(otaru, "2-3")
    referral = referral_create(by=hq, municipality=otaru, received_on=days_ago(2), topic="tax", summary="国税の相談")
    change = ProgressChange.objects.get(progress=progress)
    assert (change.referral, change.effective_date) == (referral, days_ago(2))
