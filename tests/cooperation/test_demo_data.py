"""The demo data generator: deterministic, never duplicated, plausible, and consistent with the rules."""

import datetime
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from cooperation import demo
from cooperation.fiscal import today
from cooperation.models import Activity, ImportBatch, Progress, ProgressChange, Referral, ReferralEvent, Stage
from cooperation.progress.services import progress_update
from offices.models import Municipality, User

pytestmark = pytest.mark.usefixtures("master")

# 北海道 (the demo accounts' world) and 富山県: enough to show a behaviour, a tenth of the country's cost.
SMALL = {"years": 1, "scale": 0.2, "prefectures": ["01", "16"]}
FEATURED = ["012033", "012025", "011002", "010006"]


def generate(seed: int = 7, **options):
    return demo.demo_data_generate(seed=seed, **(SMALL | options))


@pytest.fixture(scope="class")
def country(django_db_setup, django_db_blocker):
    """One generated country (2 fiscal years, half the volume) shared by the tests that only read it.

    Generated once in a transaction that is rolled back after the class's
    tests, each of which runs in its own savepoint inside it.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield generate(years=2, scale=0.5, prefectures=None)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def fingerprint() -> dict:
    """Everything the generator wrote, without database ids."""
    activities = sorted(
        (
            activity.date,
            activity.office.code,
            activity.item.code,
            activity.kind,
            activity.title,
            activity.summary,
            activity.attendees,
            activity.consultations,
            activity.follow_up_on,
            activity.follow_up_done,
            tuple(sorted(m.lg_code for m in activity.municipalities.all())),
        )
        for activity in Activity.objects.select_related("office", "item").prefetch_related("municipalities")
    )
    referrals = sorted(
        Referral.objects.values_list(
            "municipality__lg_code", "received_on", "topic", "agency", "summary", "status", "outcome", "closed_at"
        )
    )
    changes = sorted(
        ProgressChange.objects.values_list(
            "progress__municipality__lg_code",
            "progress__item__code",
            "from_stage",
            "to_stage",
            "effective_date",
            "note",
            "recorded_at",
            "activity__title",
            "referral__received_on",
            "import_batch__file_name",
        )
    )
    return {"activities": activities, "referrals": referrals, "changes": changes}


def test_running_again_with_the_same_seed_replaces_the_data_with_the_same_data():
    first = generate(seed=7)
    before = fingerprint()
    second = generate(seed=7)
    assert fingerprint() == before
    assert second.removed["activities"] == first.created["activities"] == len(before["activities"])
    assert second.created == first.created


def test_another_seed_gives_other_data():
    generate(seed=7)
    first = fingerprint()
    generate(seed=8)
    assert fingerprint()["changes"] != first["changes"]


def test_history_recorded_by_people_is_kept_and_its_progress_left_alone(otaru, center_sapporo):
    progress = Progress.objects.get(municipality=otaru, item__code="2-1")
    change = progress_update(progress=progress, stage=Stage.CONSIDERING, by=center_sapporo)
    generate()
    generate()
    progress.refresh_from_db()
    assert list(progress.changes.all()) == [change]
    assert progress.stage == Stage.CONSIDERING


def test_removing_the_demo_data_puts_progress_back():
    generate()
    demo.demo_data_remove(user=demo.demo_user())
    assert not ProgressChange.objects.exists()
    assert not Activity.objects.exists() and not Referral.objects.exists()
    assert set(Progress.objects.values_list("stage", flat=True)) == {Stage.NOT_STARTED}
    assert not Progress.objects.exclude(stage_date=None).exists()


def test_the_command_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("generate_demo_data", years=1, stdout=open("/dev/null", "w"))
    assert not Activity.objects.exists()


def test_setup_demo_creates_the_accounts_and_the_data(settings):
    settings.DEBUG = True
    call_command("setup_demo", years=1, scale=0.2, stdout=open("/dev/null", "w"))
    assert User.objects.filter(username="center-sapporo", is_active=True).exists()
    assert Activity.objects.filter(office__code="sapporo").exists()


class TestGeneratedCountry:
    """What one generated country looks like (read only: the data is shared)."""

    def test_counts_are_plausible_for_the_country(self, country):
        created = country.created
        # Two fiscal years at half the volume, nationwide.
        assert 1_500 <= created["activities"] <= 8_000
        assert 250 <= created["referrals"] <= 2_000
        assert 10_000 <= created["progress changes"] <= 40_000
        assert Activity.objects.values("office").distinct().count() == 50
        kinds = Counter(Activity.objects.values_list("kind", flat=True))
        # Joint sessions and venues lead: the held sessions of the calendar are activities too (issue 14).
        assert kinds.most_common(1)[0][0] in {Activity.Kind.JOINT_SESSION, Activity.Kind.VENUE}
        assert {kind for kind, _count in kinds.most_common(5)} >= {
            Activity.Kind.BRIEFING,
            Activity.Kind.EXCHANGE_MEETING,
        }

    @staticmethod
    def _adoption(kind: str) -> float:
        rows = Progress.objects.current().filter(municipality__kind=kind)
        return rows.filter(stage__in=Stage.adopted()).count() / rows.count()

    def test_prefectures_and_designated_cities_are_further_along_than_villages(self, country):
        assert self._adoption("prefecture") > self._adoption("city") > self._adoption("village")
        assert self._adoption("designated_city") > self._adoption("town")

    def test_the_relay_is_mostly_done_by_the_prefectures(self, country):
        relay = Progress.objects.filter(item__code="0-1")
        assert relay.filter(stage__in=Stage.adopted()).count() >= 0.7 * relay.count()

    def test_some_are_not_feasible_for_now_each_with_a_reason(self, country):
        not_feasible = Progress.objects.filter(stage=Stage.NOT_FEASIBLE)
        assert not_feasible.count() >= 100
        assert not not_feasible.filter(note="").exists()

    def test_as_of_today_equals_the_live_stage_for_every_row(self, country):
        rows = Progress.objects.with_stage_as_of(today())
        assert all(row.stage == row.stage_as_of and row.stage_date == row.stage_date_as_of for row in rows)

    def test_every_history_is_a_chain_in_chronological_order(self, country):
        previous = {}
        for progress_id, from_stage, to_stage, day, recorded_at in ProgressChange.objects.order_by(
            "progress_id", "effective_date", "id"
        ).values_list("progress_id", "from_stage", "to_stage", "effective_date", "recorded_at"):
            last = previous.get(progress_id)
            assert from_stage == (last[0] if last else Stage.NOT_STARTED)
            assert last is None or recorded_at >= last[1]
            assert day <= today() and recorded_at <= timezone.now()
            assert recorded_at.date() >= day - datetime.timedelta(days=1)
            previous[progress_id] = (to_stage, recorded_at)

    def test_activity_evidence_names_the_local_government_and_item_on_or_before_the_change(self, country):
        changes = ProgressChange.objects.exclude(activity=None).select_related("activity", "progress")
        assert changes.exists()
        for change in changes:
            assert change.activity.item_id == change.progress.item_id
            assert change.activity.date <= change.effective_date
            assert change.activity.municipalities.filter(pk=change.progress.municipality_id).exists()

    def test_the_first_referral_of_each_local_government_is_the_evidence_of_its_2_3(self, country):
        first_referrals = {}
        for referral in Referral.objects.order_by("received_on", "id"):
            first_referrals.setdefault(referral.municipality_id, referral.pk)
        evidence = dict(
            ProgressChange.objects.exclude(referral=None).values_list("progress__municipality_id", "referral_id")
        )
        assert evidence == first_referrals
        assert set(ProgressChange.objects.exclude(referral=None).values_list("progress__item__code", flat=True)) == {
            "2-3"
        }

    def test_referral_steps_are_timestamped_in_order_and_recent_ones_still_open(self, country):
        for referral in Referral.objects.prefetch_related("events"):
            times = [event.at for event in referral.events.all()]
            assert times == sorted(times) and times[0] == referral.created_at
            assert [event.to_status for event in referral.events.all()][-1] == referral.status
            assert (referral.status == Referral.Status.CLOSED) == bool(referral.outcome)
        assert Referral.objects.open().filter(received_on__gte=today() - datetime.timedelta(days=7)).exists()
        assert set(Referral.objects.exclude(outcome="").values_list("outcome", flat=True)) == set(
            Referral.Outcome.values
        )

    def test_follow_ups_include_overdue_ones(self, country):
        overdue = Activity.objects.filter(follow_up_on__lt=today(), follow_up_done=False)
        assert overdue.filter(office__code="sapporo").exists()
        assert not Activity.objects.filter(follow_up_on__lt=F("date")).exists()

    @pytest.mark.parametrize("lg_code", FEATURED)
    def test_the_demo_accounts_organisations_have_history_activities_and_referrals(self, country, lg_code):
        municipality = Municipality.objects.get(lg_code=lg_code)
        assert ProgressChange.objects.filter(progress__municipality=municipality).count() >= 5
        assert Activity.objects.filter(municipalities=municipality).exists()
        assert Referral.objects.filter(municipality=municipality).exists()
        assert Referral.objects.open().filter(municipality=municipality).exists()

    def test_everything_is_recorded_by_a_system_user_who_cannot_sign_in(self, country):
        system = User.objects.get(username=demo.DEMO_USERNAME)
        assert (system.is_active, system.has_usable_password(), system.roles.exists()) == (False, False, False)
        assert not ProgressChange.objects.filter(~Q(recorded_by=system)).exists()
        assert not Activity.objects.filter(~Q(created_by=system)).exists()
        assert not Referral.objects.filter(~Q(created_by=system)).exists()
        assert not ReferralEvent.objects.filter(~Q(by=system)).exists()

    def test_survey_imports_carry_changes_of_their_fiscal_year(self, country):
        batches = ImportBatch.objects.annotate(changes=Count("progress_changes"))
        assert batches.exists()
        for batch in batches:
            assert batch.changes == batch.change_count > 0
            assert not batch.progress_changes.filter(recorded_at__lt=batch.created_at).exists()
