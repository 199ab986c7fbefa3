"""Writing the commissioner register: every path (pages, the import, the demo, commands) goes through here.

Each service asks the policy first (``offices.policies``), locks the row it
changes, refuses a stale ``expected_version`` (someone saved meanwhile),
validates with clear ``ValidationError`` messages and publishes its event
(``cooperation/commissioners/events.py``). A municipality's recommendation of
its complaint counselor moves its 3-1 stage, and a governor's or mayor's
award moves that local government's 3-2, through ``progress_advance_to_done``
with the commissioner record as evidence: the same service and policy
(``progress.change``) as every other change of stage.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.commissioners import events as commissioner_events
from cooperation.commissioners.models import Commissioner, CommissionerAward, CommissionerBackground, CommissionerTerm
from cooperation.fiscal import format_date, today
from cooperation.models import RequestItem
from cooperation.progress.services import progress_advance_to_done
from offices import events
from offices.models import Municipality, User
from offices.policies import (
    COMMISSIONER_AWARD,
    COMMISSIONER_MANAGE,
    COMMISSIONER_RECOMMEND,
    require,
)

TERM_YEARS = 2
# Fields people edit directly (the rest is written by the services that keep the history).
EDITABLE_FIELDS = (
    "name",
    "name_kana",
    "municipality",
    "counselor_since",
    "postal_code",
    "address",
    "phone",
    "email",
    "note",
)


class CommissionerConflict(Exception):
    """Someone else saved this commissioner since the form was opened; nothing was written."""

    def __init__(self, current: Commissioner):
        self.current = current
        super().__init__(
            _("{who} changed this record meanwhile: your change was not saved; check it and try again.").format(
                who=current.updated_by or _("someone else")
            )
        )


def term_end(starts_on: datetime.date) -> datetime.date:
    """The last day of a two-year term starting on ``starts_on`` (1 April 2025 → 31 March 2027)."""
    try:
        anniversary = starts_on.replace(year=starts_on.year + TERM_YEARS)
    except ValueError:  # 29 February
        anniversary = starts_on.replace(year=starts_on.year + TERM_YEARS, day=28) + datetime.timedelta(days=1)
    return anniversary - datetime.timedelta(days=1)


def next_number(prefecture_code: str) -> str:
    """The next free register number of a prefecture: ``01-00042``."""
    prefix = f"{prefecture_code}-"
    last = Commissioner.objects.filter(number__startswith=prefix).aggregate(last=Max("number"))["last"]
    serial = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{serial:05d}"


def _publish(code: str, commissioner: Commissioner, *, by, **data) -> None:
    events.publish(
        code,
        actor=by,
        target=commissioner.number,
        data={
            "commissioner_id": commissioner.pk,
            "number": commissioner.number,
            "municipality_id": commissioner.municipality_id,
            "office_id": commissioner.municipality.office_id,
            **data,
        },
    )


def _area_errors(municipality: Municipality) -> list[str]:
    errors = []
    if municipality.is_prefecture:
        errors.append(
            _("A commissioner works in the area of a municipality, not of {name}.").format(name=municipality.name)
        )
    if not municipality.is_active:
        errors.append(_("{name} is no longer an active local government.").format(name=municipality.name))
    return errors


def _date_errors(label: str, day: datetime.date | None, on: datetime.date) -> list[str]:
    if day is not None and day > on:
        return [_("{label}: the date {date} lies in the future.").format(label=label, date=format_date(day))]
    return []


def _locked(commissioner: Commissioner) -> Commissioner:
    return (
        Commissioner.objects.select_for_update(of=("self",))
        .select_related("municipality", "updated_by")
        .get(pk=commissioner.pk)
    )


def _check_version(current: Commissioner, expected_version: int | None) -> None:
    if expected_version is not None and current.version != expected_version:
        raise CommissionerConflict(current)


def _touch(commissioner: Commissioner, by) -> None:
    commissioner.version += 1
    commissioner.updated_at = timezone.now()
    commissioner.updated_by = by


@transaction.atomic
def commissioner_create(
    *,
    municipality: Municipality,
    name: str,
    name_kana: str,
    appointed_on: datetime.date,
    by: User | None,
    term_ends_on: datetime.date | None = None,
    first_appointed_on: datetime.date | None = None,
    number: str = "",
    counselor_since: datetime.date | None = None,
    backgrounds: Iterable[CommissionerBackground] = (),
    postal_code: str = "",
    address: str = "",
    phone: str = "",
    email: str = "",
    note: str = "",
) -> Commissioner:
    """Add an appointed commissioner to the register with their current term (``commissioner.manage``).

    ``number`` empty takes the next number of the prefecture; ``term_ends_on``
    empty is two years after ``appointed_on``. ``first_appointed_on`` (earlier
    service) is kept for the years of service.
    """
    require(by, COMMISSIONER_MANAGE, municipality)
    on = today()
    term_ends_on = term_ends_on or term_end(appointed_on)
    errors = _area_errors(municipality) + _date_errors(_("Appointed on"), appointed_on, on)
    errors += _date_errors(_("Complaint counselor since"), counselor_since, on)
    if term_ends_on <= appointed_on:
        errors.append(_("The term must end after it begins."))
    if not name.strip() or not name_kana.strip():
        errors.append(_("The name and its kana are required."))
    number = number.strip() or next_number(municipality.prefecture.code)
    if Commissioner.objects.filter(number=number).exists():
        errors.append(_("The commissioner number {number} is already in the register.").format(number=number))
    if errors:
        raise ValidationError(errors)
    first = first_appointed_on or appointed_on
    commissioner = Commissioner.objects.create(
        number=number,
        name=name.strip(),
        name_kana=name_kana.strip(),
        municipality=municipality,
        status=Commissioner.Status.REAPPOINTED if first < appointed_on else Commissioner.Status.APPOINTED,
        appointed_on=appointed_on,
        term_ends_on=term_ends_on,
        first_appointed_on=first,
        counselor_since=counselor_since,
        postal_code=postal_code,
        address=address,
        phone=phone,
        email=email,
        note=note,
        created_by=by,
        updated_by=by,
        updated_at=timezone.now(),
    )
    commissioner.backgrounds.set(list(backgrounds))
    CommissionerTerm.objects.create(
        commissioner=commissioner,
        starts_on=appointed_on,
        ends_on=term_ends_on,
        is_reappointment=first < appointed_on,
        recorded_by=by,
    )
    _publish(commissioner_events.COMMISSIONER_CREATED, commissioner, by=by, term_ends_on=term_ends_on.isoformat())
    return commissioner


def _evidence_items(kind: str) -> list[RequestItem]:
    return list(RequestItem.objects.active().filter(commissioner_evidence=kind))


@transaction.atomic
def commissioner_recommend(
    *,
    municipality: Municipality,
    name: str,
    name_kana: str,
    recommended_on: datetime.date,
    by: User | None,
    counselor_since: datetime.date | None = None,
    backgrounds: Iterable[CommissionerBackground] = (),
    note: str = "",
) -> Commissioner:
    """Record a municipality's recommendation of a person (``commissioner.recommend``); the center then appoints.

    With ``counselor_since`` the person is the municipality's complaint
    counselor (苦情相談員), who will hold both posts (兼務): the recommendation is
    then the evidence that moves the municipality's 3-1 to 実施.
    """
    require(by, COMMISSIONER_RECOMMEND, municipality)
    on = today()
    errors = _area_errors(municipality) + _date_errors(_("Recommended on"), recommended_on, on)
    errors += _date_errors(_("Complaint counselor since"), counselor_since, on)
    if not name.strip() or not name_kana.strip():
        errors.append(_("The name and its kana are required."))
    if errors:
        raise ValidationError(errors)
    commissioner = Commissioner.objects.create(
        number=next_number(municipality.prefecture.code),
        name=name.strip(),
        name_kana=name_kana.strip(),
        municipality=municipality,
        status=Commissioner.Status.RECOMMENDED,
        recommended_by=municipality,
        recommended_on=recommended_on,
        counselor_since=counselor_since,
        note=note,
        created_by=by,
        updated_by=by,
        updated_at=timezone.now(),
    )
    commissioner.backgrounds.set(list(backgrounds))
    changes = []
    if counselor_since is not None:
        for item in _evidence_items("recommendation"):
            change = progress_advance_to_done(
                municipality=municipality, item=item, by=by, on=recommended_on, commissioner=commissioner
            )
            if change is not None:
                changes.append(change.pk)
    _publish(
        commissioner_events.COMMISSIONER_RECOMMENDED,
        commissioner,
        by=by,
        recommended_by_id=municipality.pk,
        concurrent=counselor_since is not None,
        change_ids=changes,
    )
    return commissioner


@transaction.atomic
def commissioner_appoint(
    *,
    commissioner: Commissioner,
    starts_on: datetime.date,
    by: User | None,
    ends_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> CommissionerTerm:
    """Record an appointment (recommended → appointed) or a reappointment (a new term), ``commissioner.manage``.

    A new term starts after the current one began; the old terms stay as history.
    """
    current = _locked(commissioner)
    require(by, COMMISSIONER_MANAGE, current.municipality)
    _check_version(current, expected_version)
    ends_on = ends_on or term_end(starts_on)
    errors = _date_errors(_("Appointed on"), starts_on, today())
    if ends_on <= starts_on:
        errors.append(_("The term must end after it begins."))
    if current.status == Commissioner.Status.DECEASED:
        errors.append(_("{name} is recorded as deceased.").format(name=current.name))
    if current.appointed_on and starts_on <= current.appointed_on:
        errors.append(
            _("A new term must begin after the current one ({date}).").format(date=format_date(current.appointed_on))
        )
    if current.recommended_on and starts_on < current.recommended_on:
        errors.append(_("The appointment cannot precede the recommendation."))
    if errors:
        raise ValidationError(errors)
    reappointment = current.first_appointed_on is not None
    term = CommissionerTerm.objects.create(
        commissioner=current, starts_on=starts_on, ends_on=ends_on, is_reappointment=reappointment, recorded_by=by
    )
    current.status = Commissioner.Status.REAPPOINTED if reappointment else Commissioner.Status.APPOINTED
    current.first_appointed_on = current.first_appointed_on or starts_on
    current.appointed_on, current.term_ends_on, current.ended_on = starts_on, ends_on, None
    _touch(current, by)
    current.save()
    _copy(current, commissioner)
    _publish(
        commissioner_events.COMMISSIONER_APPOINTED,
        current,
        by=by,
        reappointment=reappointment,
        term_ends_on=ends_on.isoformat(),
    )
    return term


@transaction.atomic
def commissioner_end(
    *,
    commissioner: Commissioner,
    status: str,
    on: datetime.date,
    by: User | None,
    expected_version: int | None = None,
) -> Commissioner:
    """Record that a commissioner retired or died (``commissioner.manage``); terms and awards stay."""
    current = _locked(commissioner)
    require(by, COMMISSIONER_MANAGE, current.municipality)
    _check_version(current, expected_version)
    errors = _date_errors(_("Retired on"), on, today())
    if status not in Commissioner.Status.ended():
        errors.append(_("Choose “retired” or “deceased”."))
    if current.status in Commissioner.Status.ended():
        errors.append(_("{name} has already left the register.").format(name=current.name))
    if errors:
        raise ValidationError(errors)
    current.status, current.ended_on = status, on
    _touch(current, by)
    current.save()
    _copy(current, commissioner)
    _publish(commissioner_events.COMMISSIONER_ENDED, current, by=by, status=status, on=on.isoformat())
    return current


@transaction.atomic
def commissioner_update(
    *,
    commissioner: Commissioner,
    by: User | None,
    expected_version: int | None = None,
    backgrounds: Iterable[CommissionerBackground] | None = None,
    **fields,
) -> list[str]:
    """Change the editable fields (``EDITABLE_FIELDS``, ``backgrounds``); returns the names of those changed.

    Moving a commissioner to another area needs ``commissioner.manage`` on both.
    The event names the fields changed, never their values (personal data).
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    current = _locked(commissioner)
    require(by, COMMISSIONER_MANAGE, current.municipality)
    _check_version(current, expected_version)
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    errors = []
    if "municipality" in changed:
        require(by, COMMISSIONER_MANAGE, fields["municipality"])
        errors += _area_errors(fields["municipality"])
    if "counselor_since" in changed:
        errors += _date_errors(_("Complaint counselor since"), fields["counselor_since"], today())
    if ("name" in fields and not fields["name"].strip()) or ("name_kana" in fields and not fields["name_kana"].strip()):
        errors.append(_("The name and its kana are required."))
    if errors:
        raise ValidationError(errors)
    if backgrounds is not None:
        wanted = {background.pk for background in backgrounds}
        if wanted != set(current.backgrounds.values_list("pk", flat=True)):
            current.backgrounds.set(sorted(wanted))
            changed.append("backgrounds")
    if not changed:
        return []
    for name in changed:
        if name != "backgrounds":
            setattr(current, name, fields[name])
    _touch(current, by)
    current.save()
    _copy(current, commissioner)
    _publish(commissioner_events.COMMISSIONER_CHANGED, current, by=by, fields=changed)
    return changed


def _copy(source: Commissioner, target: Commissioner) -> None:
    if source is target:
        return
    for field in Commissioner._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _conferrer_errors(commissioner: Commissioner, conferrer: str, conferred_by: Municipality | None) -> list[str]:
    local = conferrer in CommissionerAward.Conferrer.local()
    if not local:
        return [_("Only a governor's or mayor's award names a local government.")] if conferred_by else []
    if conferred_by is None:
        return [_("Name the local government whose governor or mayor conferred the award.")]
    area = commissioner.municipality
    if conferrer == CommissionerAward.Conferrer.GOVERNOR:
        if not conferred_by.is_prefecture or conferred_by.prefecture_id != area.prefecture_id:
            return [
                _("A governor's award to {name} comes from the prefectural government of {prefecture}.").format(
                    name=commissioner.name, prefecture=area.prefecture
                )
            ]
    elif conferred_by.pk != area.pk:
        return [
            _("A mayor's award to {name} comes from {area}, where the commissioner works.").format(
                name=commissioner.name, area=area.name
            )
        ]
    return []


@transaction.atomic
def commissioner_award_record(
    *,
    commissioner: Commissioner,
    conferrer: str,
    title: str,
    awarded_on: datetime.date,
    by: User | None,
    conferred_by: Municipality | None = None,
    tier: str = "",
    note: str = "",
) -> CommissionerAward:
    """Record an award to a commissioner.

    A governor's or mayor's award names its local government, is recorded by
    that local government's write scope (``commissioner.award``) and moves its
    3-2 to 実施 with the award as evidence. Other awards (ministry, bureau,
    center, associations) are recorded by the center (``commissioner.manage``).
    """
    current = Commissioner.objects.select_related("municipality__prefecture").get(pk=commissioner.pk)
    local = conferrer in CommissionerAward.Conferrer.local()
    if local and conferred_by is not None:
        require(by, COMMISSIONER_AWARD, conferred_by)
    else:
        require(by, COMMISSIONER_MANAGE, current.municipality)
    errors = []
    if conferrer not in CommissionerAward.Conferrer.values:
        errors.append(_("“{value}” is not a kind of award.").format(value=conferrer))
    else:
        errors += _conferrer_errors(current, conferrer, conferred_by)
    errors += _date_errors(_("Awarded on"), awarded_on, today())
    if not title.strip():
        errors.append(_("Name the award."))
    if current.status == Commissioner.Status.RECOMMENDED:
        errors.append(_("{name} has not been appointed yet.").format(name=current.name))
    if errors:
        raise ValidationError(errors)
    award = CommissionerAward.objects.create(
        commissioner=current,
        conferrer=conferrer,
        conferred_by=conferred_by if local else None,
        title=title.strip(),
        tier=tier.strip(),
        awarded_on=awarded_on,
        note=note,
        recorded_by=by,
    )
    changes = []
    if local:
        for item in _evidence_items("award"):
            change = progress_advance_to_done(
                municipality=conferred_by, item=item, by=by, on=awarded_on, commissioner_award=award
            )
            if change is not None:
                changes.append(change.pk)
    _publish(
        commissioner_events.COMMISSIONER_AWARDED,
        current,
        by=by,
        award_id=award.pk,
        conferrer=conferrer,
        conferred_by_id=conferred_by.pk if local else None,
        change_ids=changes,
    )
    return award


ANNOUNCE_DAYS_BEFORE = (90, 30)


def commissioner_terms_ending_announce(*, on: datetime.date | None = None) -> int:
    """Publish ``commissioner_term_ending`` for each serving commissioner whose term ends in 90 or 30 days.

    Meant to run once a day (``manage.py announce_commissioner_terms``): each
    term is announced on exactly those two days, so notifications need no
    memory of what they already sent. Returns the number of events.
    """
    on = on or today()
    days = {on + datetime.timedelta(days=before): before for before in ANNOUNCE_DAYS_BEFORE}
    rows = Commissioner.objects.serving().filter(term_ends_on__in=list(days)).select_related("municipality")
    count = 0
    with transaction.atomic():
        for commissioner in rows.order_by("term_ends_on", "number"):
            _publish(
                commissioner_events.COMMISSIONER_TERM_ENDING,
                commissioner,
                by=None,
                term_ends_on=commissioner.term_ends_on.isoformat(),
                days_left=days[commissioner.term_ends_on],
            )
            count += 1
    return count
