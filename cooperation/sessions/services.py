"""Planning, holding and cancelling consultation sessions; calendar feed addresses.

A session is planned ahead (activities are only logged after the fact); when
it is marked held, its figures are entered and it becomes the activity of
item 2-2 through :func:`activity_create`, which moves the participating local
governments to 実施 with that activity as evidence.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.activities.services import activity_create
from cooperation.fiscal import today
from cooperation.models import Activity, RequestItem
from cooperation.sessions.events import (
    SESSION_CANCELLED,
    SESSION_CHANGED,
    SESSION_CONFIRMED,
    SESSION_HELD,
    SESSION_PLANNED,
    SESSION_PROPOSED,
)
from cooperation.sessions.models import (
    Agency,
    ConsultationField,
    Kind,
    Participant,
    Session,
    SessionFigure,
    Venue,
)
from offices import events
from offices.models import Municipality, Office, User
from offices.policies import (
    SESSION_CONFIRM,
    SESSION_PLAN,
    SESSION_PROPOSE,
    require,
)

SESSION_ITEM = "2-2"
PLAN_FIELDS = ("title", "start_time", "end_time", "venue", "note")


# --- validation shared by series and single sessions ------------------------------------------------------------


def _check_plan(
    *,
    office: Office,
    start_time: datetime.time,
    end_time: datetime.time,
    venue: Venue | None,
    municipalities: Sequence[Municipality],
    errors: list,
    disaster=None,
) -> None:
    if start_time is not None and end_time is not None and end_time <= start_time:
        errors.append(_("The session ends before it starts."))
    if not municipalities:
        errors.append(_("Choose at least one local government taking part."))
    if disaster is None:
        outside = [m.name for m in municipalities if not _served_by(m, office)]
        if outside:
            errors.append(
                _("{names} lie outside the jurisdiction of {office}.").format(names="、".join(outside), office=office)
            )
    if venue is not None and municipalities and venue.municipality_id not in {m.pk for m in municipalities}:
        if disaster is None and not _served_by(venue.municipality, office):
            errors.append(_("The venue lies outside the jurisdiction of {office}.").format(office=office))


def _served_by(municipality: Municipality, office: Office) -> bool:
    """A local government served by the center, or the prefectural government of the center's prefecture."""
    return municipality.office_id == office.pk or (
        municipality.kind == Municipality.Kind.PREFECTURE and municipality.prefecture_id == office.prefecture_id
    )


def _publish(code: str, session: Session, by, **data) -> None:
    events.publish(
        code,
        actor=by,
        target=str(session),
        data={"session_id": session.pk, "office_id": session.office_id, **data},
    )


def _set_participants(session: Session, municipalities: Sequence[Municipality]) -> None:
    wanted = {m.pk for m in municipalities}
    session.participants.exclude(municipality_id__in=wanted).delete()
    present = set(session.participants.values_list("municipality_id", flat=True))
    Participant.objects.bulk_create(
        [Participant(session=session, municipality_id=pk) for pk in sorted(wanted - present)]
    )


def _bump(session: Session, version: int | None, **changes) -> None:
    """Write ``changes`` only if the session is still at ``version`` (another edit in between is refused)."""
    query = Session.objects.filter(pk=session.pk)
    if version is not None:
        query = query.filter(version=version)
    updated = query.update(version=F("version") + 1, updated_at=timezone.now(), **changes)
    if not updated:
        raise ValidationError(_("Someone else changed this session meanwhile: reload the page and try again."))
    for name, value in changes.items():
        setattr(session, name, value)
    session.version = (version or session.version) + 1


# --- single sessions ---------------------------------------------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    by: User | None,
    office: Office,
    title: str,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    municipalities: Sequence[Municipality],
    agencies: Sequence[Agency] = (),
    venue: Venue | None = None,
    kind: str = Kind.JOINT_SESSION,
    note: str = "",
    end_date: datetime.date | None = None,
    disaster=None,
) -> Session:
    """Plan one session (or, with ``disaster``, open a special office: see disasters.services)."""
    require(by, SESSION_PLAN, office)
    municipalities = list(municipalities)
    errors: list = []
    if kind == Kind.SPECIAL_OFFICE and disaster is None:
        errors.append(_("Special consultation offices are opened from the disaster's page."))
    if end_date is not None and end_date < date:
        errors.append(_("The session ends before it starts."))
    _check_plan(
        office=office,
        start_time=start_time,
        end_time=end_time,
        venue=venue,
        municipalities=municipalities,
        errors=errors,
        disaster=disaster,
    )
    if errors:
        raise ValidationError(errors)
    session = Session(
        office=office,
        kind=kind,
        title=title,
        date=date,
        end_date=end_date,
        start_time=start_time,
        end_time=end_time,
        venue=venue,
        note=note,
        disaster=disaster,
        created_by=by,
    )
    session.full_clean()
    session.save()
    _set_participants(session, municipalities)
    session.agencies.set(agencies)
    _publish(SESSION_PLANNED, session, by)
    return session


@transaction.atomic
def session_update(
    *,
    by: User | None,
    session: Session,
    version: int,
    title: str,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    municipalities: Sequence[Municipality],
    agencies: Sequence[Agency] = (),
    venue: Venue | None = None,
    note: str = "",
) -> Session:
    """Re-plan one session; an occurrence of a series becomes its own (later series edits skip it).

    An occurrence stays within its series' dates; a held or cancelled session
    is not re-planned (its figures are corrected with :func:`session_figures_record`).
    """
    require(by, SESSION_PLAN, session.office_id)
    municipalities = list(municipalities)
    errors: list = []
    if session.status in (Session.Status.HELD, Session.Status.CANCELLED):
        errors.append(_("A held or cancelled session cannot be re-planned."))
    series = session.series
    if series is not None and not (series.starts_on <= date <= series.ends_on):
        errors.append(
            _("The date lies outside the series ({first} – {last}).").format(
                first=series.starts_on, last=series.ends_on
            )
        )
    if (
        series is not None
        and date != session.date
        and series.sessions.filter(date=date).exclude(pk=session.pk).exists()
    ):
        errors.append(_("The series already has an occurrence on that date."))
    _check_plan(
        office=session.office,
        start_time=start_time,
        end_time=end_time,
        venue=venue,
        municipalities=municipalities,
        errors=errors,
        disaster=session.disaster,
    )
    if errors:
        raise ValidationError(errors)
    _bump(
        session,
        version,
        title=title,
        date=date,
        start_time=start_time,
        end_time=end_time,
        venue=venue,
        note=note,
        detached=series is not None,
    )
    _set_participants(session, municipalities)
    session.agencies.set(agencies)
    _publish(SESSION_CHANGED, session, by)
    return session


def _clean_figures(figures: Mapping[str, int | None]) -> dict[str, int]:
    known = set(ConsultationField.values)
    unknown = sorted(set(figures) - known)
    if unknown:
        raise ValidationError(_("Unknown consultation fields: {fields}.").format(fields=", ".join(unknown)))
    cleaned = {}
    for field, count in figures.items():
        if count in (None, ""):
            continue
        if not isinstance(count, int) or count < 0:
            raise ValidationError(_("Figures are whole numbers of zero or more."))
        if count:
            cleaned[field] = count
    return cleaned


def _write_figures(session: Session, figures: dict[str, int]) -> None:
    session.figures.all().delete()
    SessionFigure.objects.bulk_create(
        [SessionFigure(session=session, field=field, count=count) for field, count in sorted(figures.items())]
    )


@transaction.atomic
def session_hold(
    *,
    by: User | None,
    session: Session,
    version: int,
    figures: Mapping[str, int | None],
    commissioners_present: int | None = None,
    summary: str = "",
) -> Session:
    """Mark a planned session held with its figures; it becomes the activity (item 2-2) that moves 2-2.

    The activity is logged through :func:`activity_create` (the same policy and
    history as any activity) and every participating local government that had
    not yet adopted 2-2 moves to 実施 with it as evidence.
    """
    require(by, SESSION_PLAN, session.office_id)
    session = Session.objects.select_for_update(of=("self",)).select_related("office", "venue").get(pk=session.pk)
    errors: list = []
    if session.kind == Kind.SPECIAL_OFFICE:
        errors.append(_("A special office records its cases per day instead."))
    if session.status != Session.Status.PLANNED:
        errors.append(
            _("Only a planned session can be marked held (this one is {status}).").format(
                status=session.get_status_display()
            )
        )
    if session.date > today():
        errors.append(_("The session has not taken place yet."))
    if session.version != version:
        errors.append(_("Someone else changed this session meanwhile: reload the page and try again."))
    if errors:
        raise ValidationError(errors)
    cleaned = _clean_figures(figures)
    municipalities = [p.municipality for p in session.participants.select_related("municipality")]
    provided = session.venue is not None and session.venue.provided_by_municipality
    kind = Activity.Kind.JOINT_SESSION if session.kind == Kind.JOINT_SESSION or not provided else Activity.Kind.VENUE
    activity = activity_create(
        by=by,
        municipalities=municipalities,
        advance=municipalities,
        office=session.office,
        item=RequestItem.objects.get(code=SESSION_ITEM),
        kind=kind,
        date=session.date,
        title=session.title,
        summary=summary or session.note,
        consultations=sum(cleaned.values()),
        commissioners_present=commissioners_present,
    )
    _bump(
        session,
        version,
        status=Session.Status.HELD,
        activity=activity,
        consultations=sum(cleaned.values()),
        commissioners_present=commissioners_present,
    )
    _write_figures(session, cleaned)
    _publish(SESSION_HELD, session, by, activity_id=activity.pk)
    return session


@transaction.atomic
def session_figures_record(
    *, by: User | None, session: Session, version: int, figures: Mapping[str, int | None]
) -> Session:
    """Correct the figures of a held session (its activity's count follows); refused on any other session."""
    require(by, SESSION_PLAN, session.office_id)
    if session.status != Session.Status.HELD:
        raise ValidationError(_("Figures are entered only for a held session: mark it held first."))
    cleaned = _clean_figures(figures)
    _bump(session, version, consultations=sum(cleaned.values()))
    _write_figures(session, cleaned)
    if session.activity_id:
        Activity.objects.filter(pk=session.activity_id).update(consultations=sum(cleaned.values()))
    _publish(SESSION_CHANGED, session, by, figures=cleaned)
    return session


@transaction.atomic
def session_cancel(*, by: User | None, session: Session, version: int, reason: str = "") -> Session:
    """Cancel a planned or proposed session (it stays on the calendar, marked cancelled)."""
    require(by, SESSION_PLAN, session.office_id)
    if session.status not in (Session.Status.PLANNED, Session.Status.PROPOSED):
        raise ValidationError(_("Only a planned or proposed session can be cancelled."))
    note = (session.note + "\n" if session.note and reason else session.note) + (reason or "")
    _bump(session, version, status=Session.Status.CANCELLED, note=note)
    _publish(SESSION_CANCELLED, session, by)
    return session


@transaction.atomic
def session_accept(*, by: User | None, session: Session, version: int) -> Session:
    """Center staff take up a session a local government proposed: it becomes planned."""
    require(by, SESSION_PLAN, session.office_id)
    if session.status != Session.Status.PROPOSED:
        raise ValidationError(_("Only a proposed session can be taken up."))
    _bump(session, version, status=Session.Status.PLANNED)
    _publish(SESSION_CHANGED, session, by, accepted=True)
    return session


@transaction.atomic
def session_confirm(*, by: User | None, session: Session, municipality: Municipality) -> Participant:
    """The officer of a participating local government confirms that it takes part."""
    require(by, SESSION_CONFIRM, municipality)
    participant = Participant.objects.select_for_update().filter(session=session, municipality=municipality).first()
    if participant is None:
        raise ValidationError(_("{name} does not take part in this session.").format(name=municipality))
    if session.status not in (Session.Status.PLANNED, Session.Status.PROPOSED):
        raise ValidationError(_("Only a planned session can be confirmed."))
    if participant.confirmed_at is None:
        participant.confirmed_at = timezone.now()
        participant.confirmed_by = by
        participant.save(update_fields=["confirmed_at", "confirmed_by"])
        _publish(SESSION_CONFIRMED, session, by, municipality_id=municipality.pk)
    return participant


@transaction.atomic
def session_propose(
    *,
    by: User | None,
    municipality: Municipality,
    title: str,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    venue: Venue | None = None,
    note: str = "",
) -> Session:
    """A local government proposes a session to its center (status proposed, confirmed by it already)."""
    require(by, SESSION_PROPOSE, municipality)
    errors: list = []
    if date < today():
        errors.append(_("A proposed session lies in the future."))
    if venue is not None and venue.municipality_id != municipality.pk:
        errors.append(_("Choose one of your own venues."))
    if end_time <= start_time:
        errors.append(_("The session ends before it starts."))
    if errors:
        raise ValidationError(errors)
    session = Session(
        office=municipality.office,
        kind=Kind.JOINT_SESSION,
        status=Session.Status.PROPOSED,
        title=title,
        date=date,
        start_time=start_time,
        end_time=end_time,
        venue=venue,
        note=note,
        created_by=by,
    )
    session.full_clean()
    session.save()
    Participant.objects.create(session=session, municipality=municipality, confirmed_at=timezone.now(), confirmed_by=by)
    _publish(SESSION_PROPOSED, session, by, municipality_id=municipality.pk)
    return session


# --- venues ------------------------------------------------------------------------------------------------------


@transaction.atomic
def venue_create(
    *,
    by: User | None,
    municipality: Municipality,
    name: str,
    address: str = "",
    provided_by_municipality: bool = True,
    for_disasters: bool = False,
    capacity: int | None = None,
    note: str = "",
) -> Venue:
    """Record a venue in a local government (who may change that local government's progress may)."""
    from offices.policies import PREPAREDNESS_RECORD

    require(by, PREPAREDNESS_RECORD, municipality)
    venue = Venue(
        municipality=municipality,
        name=name,
        address=address,
        provided_by_municipality=provided_by_municipality,
        for_disasters=for_disasters,
        capacity=capacity,
        note=note,
    )
    venue.full_clean()
    venue.save()
    return venue
