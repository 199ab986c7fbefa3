"""Planning a series of sessions (定期開催) and changing it without rewriting what already happened."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cooperation.sessions.events import SESSION_CHANGED, SESSION_PLANNED
from cooperation.sessions.models import Agency, Kind, Session, SessionSeries, Venue
from cooperation.sessions.recurrence import MAX_OCCURRENCES, occurrence_dates
from cooperation.sessions.services import _bump, _check_plan, _set_participants
from offices import events
from offices.models import Municipality, Office, User
from offices.policies import SESSION_PLAN, require


@transaction.atomic
def session_series_create(
    *,
    by: User | None,
    office: Office,
    title: str,
    recurrence: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    municipalities: Sequence[Municipality],
    agencies: Sequence[Agency] = (),
    venue: Venue | None = None,
    kind: str = Kind.JOINT_SESSION,
    note: str = "",
) -> SessionSeries:
    """Plan a recurring session and generate its dated occurrences (all planned). All or nothing."""
    require(by, SESSION_PLAN, office)
    municipalities = list(municipalities)
    errors: list = []
    if kind == Kind.SPECIAL_OFFICE:
        errors.append(_("Special consultation offices are opened from the disaster's page."))
    if ends_on < starts_on:
        errors.append(_("The series ends before it starts."))
    _check_plan(
        office=office,
        start_time=start_time,
        end_time=end_time,
        venue=venue,
        municipalities=municipalities,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    series = SessionSeries(
        office=office,
        kind=kind,
        title=title,
        venue=venue,
        start_time=start_time,
        end_time=end_time,
        recurrence=recurrence,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
        created_by=by,
    )
    series.full_clean()
    dates = occurrence_dates(recurrence, starts_on, ends_on)
    if len(dates) > MAX_OCCURRENCES:
        raise ValidationError(_("A series has at most {count} occurrences.").format(count=MAX_OCCURRENCES))
    series.save()
    series.municipalities.set(municipalities)
    series.agencies.set(agencies)
    for day in dates:
        _occurrence_create(series, day, municipalities, agencies, by)
    events.publish(
        SESSION_PLANNED,
        actor=by,
        target=series.title,
        data={"series_id": series.pk, "office_id": office.pk, "occurrences": len(dates)},
    )
    return series


def _occurrence_create(series: SessionSeries, day, municipalities, agencies, by) -> Session:
    session = Session.objects.create(
        series=series,
        office=series.office,
        kind=series.kind,
        title=series.title,
        date=day,
        start_time=series.start_time,
        end_time=series.end_time,
        venue=series.venue,
        note=series.note,
        created_by=by,
    )
    _set_participants(session, municipalities)
    session.agencies.set(agencies)
    return session


@transaction.atomic
def session_series_update(
    *,
    by: User | None,
    series: SessionSeries,
    version: int,
    title: str,
    start_time: datetime.time,
    end_time: datetime.time,
    ends_on: datetime.date,
    municipalities: Sequence[Municipality],
    agencies: Sequence[Agency] = (),
    venue: Venue | None = None,
    note: str = "",
) -> dict:
    """Change a series and the occurrences that still follow it; say what was kept.

    Planned occurrences that were never edited on their own take the new
    title, times, venue and participants; those past the new last date are
    removed, new dates are added. Held, cancelled, proposed and individually
    edited occurrences are never rewritten: they are returned under ``kept``
    so the page can say so. Refused if someone else changed the series meanwhile.
    """
    require(by, SESSION_PLAN, series.office_id)
    municipalities = list(municipalities)
    errors: list = []
    if ends_on < series.starts_on:
        errors.append(_("The series ends before it starts."))
    _check_plan(
        office=series.office,
        start_time=start_time,
        end_time=end_time,
        venue=venue,
        municipalities=municipalities,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    dates = occurrence_dates(series.recurrence, series.starts_on, ends_on)
    if len(dates) > MAX_OCCURRENCES:
        raise ValidationError(_("A series has at most {count} occurrences.").format(count=MAX_OCCURRENCES))
    updated = SessionSeries.objects.filter(pk=series.pk, version=version).update(
        version=F("version") + 1,
        title=title,
        start_time=start_time,
        end_time=end_time,
        ends_on=ends_on,
        venue=venue,
        note=note,
    )
    if not updated:
        raise ValidationError(_("Someone else changed this series meanwhile: reload the page and try again."))
    series.refresh_from_db()
    series.municipalities.set(municipalities)
    series.agencies.set(agencies)
    occurrences = list(series.sessions.select_for_update().order_by("date"))
    following = [s for s in occurrences if s.status == Session.Status.PLANNED and not s.detached]
    kept = [s for s in occurrences if s not in following]
    wanted = set(dates)
    removed = [s for s in following if s.date not in wanted]
    for session in removed:
        session.delete()
    changed = 0
    for session in following:
        if session.date not in wanted:
            continue
        _bump(session, None, title=title, start_time=start_time, end_time=end_time, venue=venue, note=note)
        _set_participants(session, municipalities)
        session.agencies.set(agencies)
        changed += 1
    taken = {s.date for s in occurrences if s not in removed}
    added = [_occurrence_create(series, day, municipalities, agencies, by) for day in dates if day not in taken]
    events.publish(
        SESSION_CHANGED,
        actor=by,
        target=series.title,
        data={
            "series_id": series.pk,
            "office_id": series.office_id,
            "changed": changed,
            "added": len(added),
            "removed": len(removed),
            "kept": [s.pk for s in kept],
        },
    )
    return {"changed": changed, "added": len(added), "removed": len(removed), "kept": kept}
