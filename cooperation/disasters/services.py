"""Declaring and closing disasters, opening special consultation offices, counting their cases; preparedness (2-4)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.disasters.events import (
    DISASTER_CLOSED,
    DISASTER_DECLARED,
    PREPAREDNESS_RECORDED,
    SPECIAL_OFFICE_CASES,
    SPECIAL_OFFICE_OPENED,
)
from cooperation.disasters.models import Disaster, Preparedness, SpecialOfficeDay
from cooperation.fiscal import today
from cooperation.sessions.models import Agency, Kind, Session, Venue
from cooperation.sessions.services import session_create
from offices import events
from offices.models import Municipality, Office, Prefecture, Role, User
from offices.policies import (
    DISASTER_DECLARE,
    DISASTER_REPORT,
    PREPAREDNESS_RECORD,
    require,
    require_each,
)


def _declaring_region(by: User | None, prefectures: Sequence[Prefecture]):
    """The bureau that declares (None for headquarters or the system)."""
    if by is None:
        return None
    roles = [r for r in by.scope_roles if not r.read_only]
    if any(r.kind == Role.Kind.HEADQUARTERS for r in roles):
        return None
    bureau = next((r for r in roles if r.kind == Role.Kind.BUREAU), None)
    return bureau.region if bureau is not None else None


@transaction.atomic
def disaster_declare(
    *,
    by: User | None,
    name: str,
    kind: str,
    started_on: datetime.date,
    prefectures: Sequence[Prefecture],
    municipalities: Sequence[Municipality] = (),
    note: str = "",
) -> Disaster:
    """Declare a disaster for some prefectures; with no local government named, all of theirs are affected.

    Headquarters declares anywhere, a bureau within its region. Every named
    local government lies in one of the prefectures. All or nothing.
    """
    prefectures = list(prefectures)
    if not prefectures:
        raise ValidationError(_("Choose at least one affected prefecture."))
    require_each(by, DISASTER_DECLARE, [p.pk for p in prefectures])
    municipalities = list(municipalities)
    chosen = {p.pk for p in prefectures}
    errors = []
    if started_on > today():
        errors.append(_("A disaster is declared once it has struck: the start date lies in the future."))
    outside = [m.name for m in municipalities if m.prefecture_id not in chosen]
    if outside:
        errors.append(_("{names} lie outside the affected prefectures.").format(names="、".join(outside)))
    if errors:
        raise ValidationError(errors)
    disaster = Disaster(
        name=name,
        kind=kind,
        started_on=started_on,
        note=note,
        declared_by=by,
        region=_declaring_region(by, prefectures),
    )
    disaster.full_clean()
    disaster.save()
    disaster.prefectures.set(prefectures)
    if not municipalities:
        municipalities = list(Municipality.objects.active().filter(prefecture__in=prefectures))
    disaster.municipalities.set(municipalities)
    events.publish(
        DISASTER_DECLARED,
        actor=by,
        target=disaster.name,
        data={"disaster_id": disaster.pk, "prefectures": sorted(p.code for p in prefectures)},
    )
    return disaster


@transaction.atomic
def disaster_close(*, by: User | None, disaster: Disaster, version: int, ended_on: datetime.date) -> Disaster:
    """Close a disaster that is over: its banner goes, its page and report stay."""
    require_each(by, DISASTER_DECLARE, list(disaster.prefectures.values_list("pk", flat=True)))
    errors = []
    if disaster.ended_on is not None:
        errors.append(_("This disaster is already closed."))
    if ended_on < disaster.started_on:
        errors.append(_("The disaster cannot close before it started."))
    if ended_on > today():
        errors.append(_("The closing date lies in the future."))
    if errors:
        raise ValidationError(errors)
    updated = Disaster.objects.filter(pk=disaster.pk, version=version).update(
        ended_on=ended_on, version=F("version") + 1
    )
    if not updated:
        raise ValidationError(_("Someone else changed this disaster meanwhile: reload the page and try again."))
    disaster.ended_on = ended_on
    disaster.version = version + 1
    events.publish(DISASTER_CLOSED, actor=by, target=disaster.name, data={"disaster_id": disaster.pk})
    return disaster


@transaction.atomic
def special_office_open(
    *,
    by: User | None,
    disaster: Disaster,
    office: Office,
    title: str,
    date: datetime.date,
    end_date: datetime.date | None,
    start_time: datetime.time,
    end_time: datetime.time,
    municipalities: Sequence[Municipality],
    venue: Venue | None = None,
    agencies: Sequence[Agency] = (),
    note: str = "",
) -> Session:
    """Open a special consultation office (特別行政相談所) for a disaster, at a site, for some days.

    The center staff of an affected local government open it; every local
    government named is one the disaster affects.
    """
    require(by, DISASTER_REPORT, disaster)
    municipalities = list(municipalities)
    affected = set(disaster.municipalities.values_list("pk", flat=True))
    errors = []
    if not disaster.is_active:
        errors.append(_("The disaster is closed."))
    outside = [m.name for m in municipalities if m.pk not in affected]
    if outside:
        errors.append(_("{names} are not affected by this disaster.").format(names="、".join(outside)))
    if date < disaster.started_on:
        errors.append(_("The office cannot open before the disaster struck."))
    if errors:
        raise ValidationError(errors)
    session = session_create(
        by=by,
        office=office,
        title=title,
        date=date,
        end_date=end_date,
        start_time=start_time,
        end_time=end_time,
        municipalities=municipalities,
        agencies=agencies,
        venue=venue,
        kind=Kind.SPECIAL_OFFICE,
        note=note,
        disaster=disaster,
    )
    events.publish(
        SPECIAL_OFFICE_OPENED,
        actor=by,
        target=str(session),
        data={"disaster_id": disaster.pk, "session_id": session.pk, "office_id": office.pk},
    )
    return session


@transaction.atomic
def special_office_cases_record(
    *, by: User | None, session: Session, cases_by_day: dict[datetime.date, int | None]
) -> int:
    """Record the cases a special office received on each day (a day left empty removes its count).

    Every day lies within the office's dates and not in the future. Returns
    the number of days now recorded.
    """
    if session.disaster_id is None:
        raise ValidationError(_("Only a special consultation office records cases per day."))
    require(by, DISASTER_REPORT, session.disaster)
    errors = []
    for day, cases in cases_by_day.items():
        if not (session.date <= day <= session.last_day):
            errors.append(_("{day} lies outside the days the office is open.").format(day=day))
        elif day > today() and cases is not None:
            errors.append(_("{day} lies in the future.").format(day=day))
        if cases is not None and (not isinstance(cases, int) or cases < 0):
            errors.append(_("Cases are whole numbers of zero or more."))
    if errors:
        raise ValidationError(errors)
    for day, cases in sorted(cases_by_day.items()):
        if cases is None:
            SpecialOfficeDay.objects.filter(session=session, date=day).delete()
        else:
            SpecialOfficeDay.objects.update_or_create(
                session=session, date=day, defaults={"cases": cases, "recorded_by": by}
            )
    events.publish(
        SPECIAL_OFFICE_CASES,
        actor=by,
        target=str(session),
        data={"disaster_id": session.disaster_id, "session_id": session.pk, "days": len(cases_by_day)},
    )
    return session.days.count()


@transaction.atomic
def preparedness_record(
    *,
    by: User | None,
    municipality: Municipality,
    liaison_department: str,
    liaison_phone: str,
    liaison_email: str = "",
    agreed_on: datetime.date | None = None,
    note: str = "",
) -> Preparedness:
    """Record what a local government agreed for a disaster (item 2-4): its liaison office's contact."""
    require(by, PREPAREDNESS_RECORD, municipality)
    if agreed_on is not None and agreed_on > today():
        raise ValidationError(_("The agreement date lies in the future."))
    preparedness = Preparedness.objects.select_for_update().filter(municipality=municipality).first()
    preparedness = preparedness or Preparedness(municipality=municipality)
    preparedness.liaison_department = liaison_department
    preparedness.liaison_phone = liaison_phone
    preparedness.liaison_email = liaison_email
    preparedness.agreed_on = agreed_on
    preparedness.note = note
    preparedness.updated_at = timezone.now()
    preparedness.updated_by = by
    preparedness.full_clean()
    preparedness.save()
    events.publish(
        PREPAREDNESS_RECORDED,
        actor=by,
        target=municipality.name,
        data={"municipality_id": municipality.pk},
    )
    return preparedness
