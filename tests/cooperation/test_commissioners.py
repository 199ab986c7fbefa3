"""The commissioner register: services, evidence of 3-1 and 3-2, policy, item scope, events, demo."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from cooperation.commissioners import events as commissioner_events
from cooperation.commissioners.models import Commissioner, CommissionerAward
from cooperation.commissioners.services import (
    CommissionerConflict,
    commissioner_appoint,
    commissioner_award_record,
    commissioner_create,
    commissioner_end,
    commissioner_recommend,
    commissioner_terms_ending_announce,
    commissioner_update,
    term_end,
)
from cooperation.fiscal import today
from cooperation.models import Progress, ProgressChange, RequestItem, Stage
from offices import events
from offices.models import Municipality
from offices.policies import NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English (the msgids); the site speaks Japanese by default."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _days(n):
    return today() - datetime.timedelta(days=n)


@pytest.fixture
def recorded():
    seen = []

    def listener(event):
        seen.append(event)

    events.subscribe()(listener)
    yield seen
    events.unsubscribe(listener)


def make(municipality, *, by=None, days_ago=400, **extra):
    return commissioner_create(
        municipality=municipality,
        name="佐藤 和夫",
        name_kana="さとう かずお",
        appointed_on=_days(days_ago),
        by=by,
        **extra,
    )


# --- which items apply ----------------------------------------------------------------------------------------------


def test_item_3_1_applies_to_municipalities_only(master, otaru, hokkaido_government):
    item = RequestItem.objects.get(code="3-1")
    assert item.scope == RequestItem.Scope.MUNICIPALITY
    assert item.applies_to(otaru)
    assert not item.applies_to(hokkaido_government)
    assert "3-1" not in RequestItem.objects.applicable_to(hokkaido_government).values_list("code", flat=True)
    assert set(RequestItem.objects.applicable_to(otaru).values_list("code", flat=True)) == set(
        RequestItem.objects.exclude(scope="prefecture").values_list("code", flat=True)
    )


def test_current_progress_leaves_out_prefectures_3_1_but_keeps_0_1(master, otaru, hokkaido_government):
    current = Progress.objects.current()
    assert not current.filter(municipality=hokkaido_government, item__code="3-1").exists()
    assert current.filter(municipality=hokkaido_government, item__code="0-1").exists()
    assert current.filter(municipality=otaru, item__code="3-1").exists()
    assert not current.filter(municipality=otaru, item__code="0-1").exists()


def test_progress_update_refuses_3_1_for_a_prefectural_government(master, hokkaido_government):
    from cooperation.progress.services import progress_update

    progress = Progress(municipality=hokkaido_government, item=RequestItem.objects.get(code="3-1"))
    progress.save()
    with pytest.raises(ValidationError, match="3-1"):
        progress_update(progress=progress, stage=Stage.CONSIDERING, by=None)
    assert not ProgressChange.objects.filter(progress=progress).exists()


# --- 3-1: a municipality recommends its complaint counselor ---------------------------------------------------------


def test_recommending_the_complaint_counselor_moves_3_1_with_the_commissioner_as_evidence(lg_otaru, otaru, recorded):
    commissioner = commissioner_recommend(
        municipality=otaru,
        name="高橋 恵子",
        name_kana="たかはし けいこ",
        recommended_on=_days(3),
        counselor_since=_days(900),
        by=lg_otaru,
    )
    progress = Progress.objects.get(municipality=otaru, item__code="3-1")
    assert progress.stage == Stage.DONE
    change = ProgressChange.objects.get(progress=progress)
    assert change.commissioner == commissioner
    assert change.evidence == commissioner
    assert change.recorded_by == lg_otaru
    assert change.effective_date == _days(3)
    assert commissioner.status == Commissioner.Status.RECOMMENDED
    assert commissioner.number.startswith("01-")
    codes = [event.code for event in recorded]
    assert commissioner_events.COMMISSIONER_RECOMMENDED in codes
    assert "progress_changed" in codes


def test_recommending_someone_else_leaves_3_1_alone(lg_otaru, otaru):
    commissioner_recommend(
        municipality=otaru, name="高橋 恵子", name_kana="たかはし けいこ", recommended_on=_days(3), by=lg_otaru
    )
    assert Progress.objects.get(municipality=otaru, item__code="3-1").stage == Stage.NOT_STARTED


def test_an_officer_may_not_recommend_for_another_municipality(lg_otaru, hakodate_city):
    with pytest.raises(NotAllowed, match="commissioner.recommend"):
        commissioner_recommend(
            municipality=hakodate_city, name="高橋 恵子", name_kana="たかはし", recommended_on=_days(3), by=lg_otaru
        )
    assert not Commissioner.objects.exists()


def test_a_prefectural_government_cannot_recommend(pref_01, hokkaido_government):
    with pytest.raises(ValidationError, match="municipality"):
        commissioner_recommend(
            municipality=hokkaido_government, name="高橋", name_kana="たかはし", recommended_on=_days(3), by=None
        )


def test_evidence_must_come_from_the_same_municipality(master, otaru, hakodate_city):
    from cooperation.progress.services import progress_update

    commissioner = commissioner_recommend(
        municipality=hakodate_city, name="高橋", name_kana="たかはし", recommended_on=_days(3), by=None
    )
    progress = Progress.objects.get(municipality=otaru, item__code="3-1")
    with pytest.raises(ValidationError, match="not evidence"):
        progress_update(progress=progress, stage=Stage.DONE, by=None, commissioner=commissioner)


def test_a_change_has_at_most_one_piece_of_evidence_in_the_database(master, otaru):
    commissioner = commissioner_recommend(
        municipality=otaru,
        name="高橋",
        name_kana="たかはし",
        recommended_on=_days(3),
        counselor_since=_days(10),
        by=None,
    )
    change = ProgressChange.objects.get(commissioner=commissioner)
    award = commissioner_award_record(
        commissioner=make(otaru), conferrer="minister", title="総務大臣表彰", awarded_on=_days(1), by=None
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressChange.objects.filter(pk=change.pk).update(commissioner_award=award)


# --- 3-2: governor's and mayor's awards -----------------------------------------------------------------------------


def test_a_mayors_award_moves_that_municipalitys_3_2_with_the_award_as_evidence(lg_otaru, otaru):
    commissioner = make(otaru)
    award = commissioner_award_record(
        commissioner=commissioner,
        conferrer=CommissionerAward.Conferrer.MAYOR,
        conferred_by=otaru,
        title="小樽市功労者表彰",
        awarded_on=_days(2),
        by=lg_otaru,
    )
    change = ProgressChange.objects.get(progress__municipality=otaru, progress__item__code="3-2")
    assert change.commissioner_award == award
    assert change.to_stage == Stage.DONE
    assert Progress.objects.get(municipality=otaru, item__code="3-2").stage == Stage.DONE


def test_a_governors_award_moves_the_prefectural_governments_3_2(pref_01, otaru, hokkaido_government):
    award = commissioner_award_record(
        commissioner=make(otaru),
        conferrer=CommissionerAward.Conferrer.GOVERNOR,
        conferred_by=hokkaido_government,
        title="北海道功労者表彰",
        awarded_on=_days(2),
        by=pref_01,
    )
    assert Progress.objects.get(municipality=hokkaido_government, item__code="3-2").stage == Stage.DONE
    assert Progress.objects.get(municipality=otaru, item__code="3-2").stage == Stage.NOT_STARTED
    assert award.progress_changes.count() == 1


def test_a_mayor_awards_only_commissioners_of_their_own_area(lg_hakodate, otaru, hakodate_city):
    with pytest.raises(ValidationError, match="小樽市"):
        commissioner_award_record(
            commissioner=make(otaru), conferrer="mayor", conferred_by=hakodate_city, title="表彰", awarded_on=_days(2),
            by=lg_hakodate,
        )  # fmt: skip
    assert not CommissionerAward.objects.exists()


def test_a_ministry_award_moves_no_stage_and_needs_the_center(center_sapporo, lg_otaru, otaru):
    commissioner = make(otaru)
    with pytest.raises(NotAllowed):
        commissioner_award_record(
            commissioner=commissioner, conferrer="minister", title="総務大臣表彰", awarded_on=_days(2), by=lg_otaru
        )
    commissioner_award_record(
        commissioner=commissioner, conferrer="minister", title="総務大臣表彰", awarded_on=_days(2), by=center_sapporo
    )
    assert not ProgressChange.objects.filter(progress__municipality=otaru).exists()


# --- the register: terms, status, concurrency -----------------------------------------------------------------------


def test_a_center_maintains_its_jurisdiction_only(center_sapporo, center_hakodate, otaru):
    commissioner = make(otaru, by=center_sapporo)
    assert commissioner.terms.count() == 1
    with pytest.raises(NotAllowed, match="commissioner.manage"):
        make(otaru, by=center_hakodate)
    with pytest.raises(NotAllowed):
        commissioner_update(commissioner=commissioner, by=center_hakodate, name="別人")


def test_viewers_and_local_officers_may_not_manage(viewer_sapporo, lg_otaru, otaru):
    for user in (viewer_sapporo, lg_otaru):
        with pytest.raises(NotAllowed):
            make(otaru, by=user)
    assert not Commissioner.objects.exists()


def test_appointment_and_reappointment_keep_every_term(center_sapporo, otaru):
    commissioner = commissioner_recommend(
        municipality=otaru, name="高橋", name_kana="たかはし", recommended_on=_days(800), by=None
    )
    commissioner_appoint(commissioner=commissioner, starts_on=_days(760), by=center_sapporo)
    assert commissioner.status == Commissioner.Status.APPOINTED
    assert commissioner.term_ends_on == term_end(_days(760))
    commissioner_appoint(commissioner=commissioner, starts_on=commissioner.term_ends_on + datetime.timedelta(days=1),
                         by=center_sapporo)  # fmt: skip
    commissioner.refresh_from_db()
    assert commissioner.status == Commissioner.Status.REAPPOINTED
    assert commissioner.first_appointed_on == _days(760)
    assert [term.is_reappointment for term in commissioner.terms.order_by("starts_on")] == [False, True]


def test_a_new_term_must_begin_after_the_current_one(center_sapporo, otaru):
    commissioner = make(otaru)
    with pytest.raises(ValidationError, match="begin after"):
        commissioner_appoint(commissioner=commissioner, starts_on=commissioner.appointed_on, by=center_sapporo)
    assert commissioner.terms.count() == 1


def test_a_stale_version_is_refused(center_sapporo, otaru):
    commissioner = make(otaru)
    stale = commissioner.version
    commissioner_update(commissioner=commissioner, by=center_sapporo, expected_version=stale, phone="011-000-0000")
    with pytest.raises(CommissionerConflict):
        commissioner_update(commissioner=commissioner, by=center_sapporo, expected_version=stale, phone="999")
    commissioner.refresh_from_db()
    assert commissioner.phone == "011-000-0000"


def test_retirement_ends_service_and_keeps_history(center_sapporo, otaru):
    commissioner = make(otaru)
    commissioner_end(commissioner=commissioner, status="retired", on=_days(1), by=center_sapporo)
    commissioner.refresh_from_db()
    assert commissioner.status == Commissioner.Status.RETIRED
    assert not Commissioner.objects.serving().filter(pk=commissioner.pk).exists()
    assert commissioner.terms.count() == 1


def test_terms_ending_are_announced_90_and_30_days_before(master, otaru, recorded):
    in_90 = make(otaru, days_ago=10, term_ends_on=today() + datetime.timedelta(days=90))
    make(otaru, days_ago=10, term_ends_on=today() + datetime.timedelta(days=91))
    in_30 = make(otaru, days_ago=10, term_ends_on=today() + datetime.timedelta(days=30))
    recorded.clear()
    assert commissioner_terms_ending_announce() == 2
    ending = [event for event in recorded if event.code == commissioner_events.COMMISSIONER_TERM_ENDING]
    assert {event.data["commissioner_id"] for event in ending} == {in_90.pk, in_30.pk}
    assert {event.data["days_left"] for event in ending} == {90, 30}
    assert all(event.data["office_id"] == otaru.office_id for event in ending)


# --- visibility -----------------------------------------------------------------------------------------------------


def test_officers_see_the_commissioners_of_their_own_area(lg_otaru, lg_hakodate, pref_01, center_hakodate, otaru):
    commissioner = make(otaru)
    assert list(Commissioner.objects.visible_to(lg_otaru)) == [commissioner]
    assert list(Commissioner.objects.visible_to(pref_01)) == [commissioner]
    assert not Commissioner.objects.visible_to(lg_hakodate).exists()
    assert not Commissioner.objects.visible_to(center_hakodate).exists()


# --- demo -----------------------------------------------------------------------------------------------------------


def test_demo_register_has_a_commissioner_everywhere_and_is_deterministic(master):
    from cooperation.commissioners import demo
    from cooperation.demo import demo_user

    user = demo_user()
    day = datetime.date(2026, 12, 2)
    first = demo.generate(user=user, seed=7, today=day, prefectures=["31"])
    numbers = list(Commissioner.objects.order_by("number").values_list("number", "name", "appointed_on"))
    second = demo.generate(user=user, seed=7, today=day, prefectures=["31"])
    assert first == second
    assert numbers == list(Commissioner.objects.order_by("number").values_list("number", "name", "appointed_on"))
    areas = Municipality.objects.filter(prefecture__code="31").exclude(kind="prefecture")
    with_anyone = set(Commissioner.objects.values_list("municipality", flat=True))
    assert set(areas.values_list("pk", flat=True)) <= with_anyone
    serving = Commissioner.objects.serving()
    assert 40 <= serving.count() <= 120  # 鳥取: 19 municipalities
    assert serving.filter(term_ends_on__gt=day).count() == serving.count()
    assert serving.concurrent().count() < serving.count() / 3
    assert {d.month for d in serving.values_list("appointed_on", flat=True)} >= {4}
    from cooperation.commissioners.models import CommissionerTerm

    current_terms = CommissionerTerm.objects.filter(
        commissioner__in=serving, starts_on=models.F("commissioner__appointed_on")
    )
    assert current_terms.count() == serving.count()
    assert CommissionerTerm.objects.count() > serving.count()  # earlier terms kept as history
    assert not CommissionerAward.objects.filter(awarded_on__gt=day).exists()


def test_the_daily_command_announces_terms_ending(master, otaru, recorded):
    from io import StringIO

    from django.core.management import call_command

    make(otaru, days_ago=10, term_ends_on=today() + datetime.timedelta(days=30))
    out = StringIO()
    call_command("announce_commissioner_terms", stdout=out)
    assert out.getvalue().startswith("1 ")
    call_command(
        "announce_commissioner_terms", "--date", (today() + datetime.timedelta(days=1)).isoformat(), stdout=out
    )
    assert out.getvalue().splitlines()[-1].startswith("0 ")
