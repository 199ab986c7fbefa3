"""Planning, holding and cancelling consultation sessions through the services."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cooperation.fiscal import today
from cooperation.models import Activity, Progress, ProgressChange, Session, SessionSeries
from cooperation.sessions.models import Recurrence, Venue
from cooperation.sessions.recurrence import occurrence_dates
from cooperation.sessions.series import session_series_create, session_series_update
from cooperation.sessions.services import (
    session_cancel,
    session_confirm,
    session_create,
    session_figures_record,
    session_hold,
    session_propose,
    session_update,
)
from offices.models import Office

T10 = datetime.time(10)
T15 = datetime.time(15)


@pytest.fixture(autouse=True)
def _messages_in_english():
    """Messages are matched in English (the catalogue would give them in Japanese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def sapporo(master):
    return Office.objects.get(code="sapporo")


@pytest.fixture
def otaru_hall(otaru):
    return Venue.objects.create(municipality=otaru, name="小樽市役所 別館会議室", address="小樽市花園2丁目12-1")


def _series(by, office, otaru, venue=None, starts_on=None, ends_on=None, **extra):
    starts_on = starts_on or today() - datetime.timedelta(days=62)
    return session_series_create(
        by=by,
        office=office,
        title="小樽市 定例行政相談",
        recurrence=Recurrence.MONTHLY_DAY,
        starts_on=starts_on,
        ends_on=ends_on or starts_on + datetime.timedelta(days=340),
        start_time=T10,
        end_time=T15,
        municipalities=[otaru],
        venue=venue,
        **extra,
    )


def test_monthly_dates_skip_months_without_the_day():
    dates = occurrence_dates(Recurrence.MONTHLY_DAY, datetime.date(2026, 1, 31), datetime.date(2026, 6, 30))
    assert dates == [datetime.date(2026, 1, 31), datetime.date(2026, 3, 31), datetime.date(2026, 5, 31)]


def test_monthly_weekday_keeps_the_second_tuesday():
    dates = occurrence_dates(Recurrence.MONTHLY_WEEKDAY, datetime.date(2026, 4, 14), datetime.date(2026, 7, 31))
    assert dates == [
        datetime.date(2026, 4, 14),
        datetime.date(2026, 5, 12),
        datetime.date(2026, 6, 9),
        datetime.date(2026, 7, 14),
    ]
    assert all(day.weekday() == 1 for day in dates)


def test_yearly_series_in_october():
    dates = occurrence_dates(Recurrence.YEARLY, datetime.date(2026, 10, 19), datetime.date(2028, 12, 31))
    assert dates == [datetime.date(2026, 10, 19), datetime.date(2027, 10, 19), datetime.date(2028, 10, 19)]


def test_series_generates_planned_occurrences(center_sapporo, sapporo, otaru, otaru_hall):
    series = _series(center_sapporo, sapporo, otaru, otaru_hall)
    sessions = list(series.sessions.order_by("date"))
    assert len(sessions) == 12
    assert {s.status for s in sessions} == {Session.Status.PLANNED}
    assert all(list(s.municipalities.all()) == [otaru] for s in sessions)
    assert sessions[-1].date > today()


def test_holding_an_occurrence_moves_2_2_with_the_session_as_evidence(center_sapporo, sapporo, otaru, otaru_hall):
    series = _series(center_sapporo, sapporo, otaru, otaru_hall)
    past = series.sessions.filter(date__lte=today()).order_by("date").first()
    held = session_hold(
        by=center_sapporo,
        session=past,
        version=past.version,
        figures={"pension": 3, "tax": 2, "other": 1},
        commissioners_present=2,
    )
    held.refresh_from_db()
    assert held.status == Session.Status.HELD
    assert held.consultations == 6
    activity = held.activity
    assert (activity.kind, activity.item.code, activity.date, activity.consultations) == (
        "joint_session",
        "2-2",
        past.date,
        6,
    )
    progress = Progress.objects.get(municipality=otaru, item__code="2-2")
    assert progress.stage == "done"
    change = ProgressChange.objects.filter(progress=progress).latest("id")
    assert change.activity_id == activity.pk
    assert activity.session == held


def test_figures_on_a_planned_session_are_refused(center_sapporo, sapporo, otaru):
    session = _series(center_sapporo, sapporo, otaru).sessions.first()
    with pytest.raises(ValidationError, match="held"):
        session_figures_record(by=center_sapporo, session=session, version=session.version, figures={"tax": 4})
    assert not session.figures.exists()


def test_holding_a_future_session_is_refused(center_sapporo, sapporo, otaru):
    series = _series(center_sapporo, sapporo, otaru)
    future = series.sessions.filter(date__gt=today()).first()
    with pytest.raises(ValidationError, match="not taken place"):
        session_hold(by=center_sapporo, session=future, version=future.version, figures={"tax": 1})
    assert not Activity.objects.exists()


def test_series_ending_before_it_starts_writes_nothing(center_sapporo, sapporo, otaru):
    with pytest.raises(ValidationError, match="ends before it starts"):
        _series(center_sapporo, sapporo, otaru, starts_on=today(), ends_on=today() - datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="ends before it starts"):
        session_create(
            by=center_sapporo,
            office=sapporo,
            title="x",
            date=today(),
            start_time=T15,
            end_time=T10,
            municipalities=[otaru],
        )
    assert not SessionSeries.objects.exists() and not Session.objects.exists()


def test_local_government_outside_the_center_is_refused(center_sapporo, sapporo, hakodate_city):
    with pytest.raises(ValidationError, match="outside the jurisdiction"):
        _series(center_sapporo, sapporo, hakodate_city)
    assert not SessionSeries.objects.exists()


def test_another_center_may_not_plan(center_hakodate, sapporo, otaru):
    with pytest.raises(PermissionDenied, match="session.plan"):
        _series(center_hakodate, sapporo, otaru)
    assert not SessionSeries.objects.exists()


def test_occurrence_moved_outside_its_series_is_refused(center_sapporo, sapporo, otaru):
    series = _series(center_sapporo, sapporo, otaru)
    session = series.sessions.last()
    with pytest.raises(ValidationError, match="outside the series"):
        session_update(
            by=center_sapporo,
            session=session,
            version=session.version,
            title=session.title,
            date=series.ends_on + datetime.timedelta(days=5),
            start_time=T10,
            end_time=T15,
            municipalities=[otaru],
        )
    session.refresh_from_db()
    assert session.version == 1 and not session.detached


def test_editing_a_series_never_rewrites_held_or_detached_occurrences(center_sapporo, sapporo, otaru):
    series = _series(center_sapporo, sapporo, otaru)
    first, second = series.sessions.order_by("date")[:2]
    session_hold(by=center_sapporo, session=first, version=first.version, figures={"tax": 1})
    session_update(
        by=center_sapporo,
        session=second,
        version=second.version,
        title="小樽市 定例行政相談（会場変更）",
        date=second.date,
        start_time=datetime.time(13),
        end_time=T15,
        municipalities=[otaru],
    )
    result = session_series_update(
        by=center_sapporo,
        series=series,
        version=series.version,
        title="小樽市 行政相談所",
        start_time=datetime.time(9),
        end_time=datetime.time(12),
        ends_on=series.ends_on,
        municipalities=[otaru],
    )
    assert {s.pk for s in result["kept"]} == {first.pk, second.pk}
    assert result["changed"] == 10
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.title, first.start_time, first.status) == ("小樽市 定例行政相談", T10, "held")
    assert (second.title, second.start_time) == ("小樽市 定例行政相談（会場変更）", datetime.time(13))
    assert set(series.sessions.exclude(pk__in=[first.pk, second.pk]).values_list("title", flat=True)) == {
        "小樽市 行政相談所"
    }


def test_series_edit_with_a_stale_version_is_refused(center_sapporo, sapporo, otaru):
    series = _series(center_sapporo, sapporo, otaru)
    with pytest.raises(ValidationError, match="meanwhile"):
        session_series_update(
            by=center_sapporo,
            series=series,
            version=series.version + 1,
            title="x",
            start_time=T10,
            end_time=T15,
            ends_on=series.ends_on,
            municipalities=[otaru],
        )
    assert set(series.sessions.values_list("title", flat=True)) == {"小樽市 定例行政相談"}


def test_local_government_confirms_its_own_session_only(center_sapporo, lg_otaru, lg_hakodate, sapporo, otaru):
    session = _series(center_sapporo, sapporo, otaru).sessions.last()
    with pytest.raises(PermissionDenied):
        session_confirm(by=lg_hakodate, session=session, municipality=otaru)
    participant = session_confirm(by=lg_otaru, session=session, municipality=otaru)
    assert participant.confirmed_by == lg_otaru and participant.confirmed_at is not None
    with pytest.raises(PermissionDenied):
        session_confirm(by=center_sapporo, session=session, municipality=otaru)


def test_local_government_proposes_a_session(lg_otaru, otaru, sapporo):
    session = session_propose(
        by=lg_otaru,
        municipality=otaru,
        title="小樽市 合同行政相談所（提案）",
        date=today() + datetime.timedelta(days=30),
        start_time=T10,
        end_time=T15,
    )
    assert (session.status, session.office) == ("proposed", sapporo)
    assert session.participants.get().confirmed_by == lg_otaru


def test_cancel_keeps_the_session_marked(center_sapporo, sapporo, otaru):
    session = _series(center_sapporo, sapporo, otaru).sessions.last()
    session_cancel(by=center_sapporo, session=session, version=session.version, reason="荒天のため")
    session.refresh_from_db()
    assert session.status == "cancelled" and "荒天" in session.note
    with pytest.raises(ValidationError):
        session_hold(by=center_sapporo, session=session, version=session.version, figures={})
