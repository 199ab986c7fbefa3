"""Applying a previewed register file: every change in one transaction, or none."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from cooperation.commissioners.importing import Change, Outcome, Problem, register_plan
from cooperation.commissioners.models import Commissioner, CommissionerBackground
from cooperation.commissioners.services import (
    CommissionerConflict,
    commissioner_appoint,
    commissioner_create,
    commissioner_end,
    commissioner_update,
)
from offices import policies
from offices.models import Municipality, User
from offices.services import audit_record


class _Refused(Exception):
    pass


def register_apply(
    *, content: bytes, file_name: str, by: User | None, fingerprint: str | None = None, request=None
) -> Outcome:
    """Import a register file through the register's services: every row or none.

    Plans again with the commissioners of the file locked; writes nothing if
    a row has a problem, if a service refuses a row (its message is reported
    on that row), or if ``fingerprint`` no longer matches (``stale``).
    """
    policies.require(by, policies.COMMISSIONER_IMPORT)
    try:
        with transaction.atomic():
            plan = register_plan(content=content, file_name=file_name, by=by, lock=True)
            if not plan.ok:
                return Outcome(plan=plan)
            if fingerprint is not None and fingerprint != plan.fingerprint:
                return Outcome(plan=plan, stale=True)
            areas = {
                municipality.pk: municipality
                for municipality in Municipality.objects.select_related("prefecture").filter(
                    pk__in={c.create["municipality_id"] for c in plan.changes if c.create}
                    | {c.fields["municipality_id"] for c in plan.changes if "municipality_id" in c.fields}
                )
            }
            backgrounds = CommissionerBackground.objects.in_bulk()
            for change in plan.changes:
                try:
                    _apply_change(change, by=by, areas=areas, backgrounds=backgrounds)
                except (ValidationError, CommissionerConflict) as error:
                    messages = error.messages if isinstance(error, ValidationError) else [str(error)]
                    plan.problems.extend(Problem(row=change.row, column="", message=message) for message in messages)
            if not plan.ok:
                raise _Refused
            audit_record(
                action="commissioner_imported",
                actor=by,
                request=request,
                target=file_name,
                detail={"sha256": plan.sha256, "rows": plan.row_count, "changes": len(plan.changes)},
            )
    except _Refused:
        return Outcome(plan=plan)
    return Outcome(plan=plan, applied=bool(plan.changes))


def _apply_change(change: Change, *, by, areas, backgrounds) -> None:
    if change.create:
        data = change.create
        values = data["values"]
        commissioner_create(
            municipality=areas[data["municipality_id"]],
            number=change.number,
            appointed_on=data["appointed_on"],
            term_ends_on=data["term_ends_on"],
            first_appointed_on=data["first_appointed_on"],
            backgrounds=[backgrounds[pk] for pk in data["backgrounds"]],
            by=by,
            **values,
        )
        return
    commissioner = Commissioner.objects.select_related("municipality").get(pk=change.commissioner_id)
    version = change.version
    if "update" in change.actions:
        fields = dict(change.fields)
        if "municipality_id" in fields:
            fields["municipality"] = areas[fields.pop("municipality_id")]
        commissioner_update(
            commissioner=commissioner,
            by=by,
            expected_version=version,
            backgrounds=[backgrounds[pk] for pk in change.backgrounds] if change.backgrounds is not None else None,
            **fields,
        )
        version = commissioner.version
    if "appoint" in change.actions:
        commissioner_appoint(
            commissioner=commissioner, starts_on=change.term[0], ends_on=change.term[1], by=by, expected_version=version
        )
        version = commissioner.version
    if "end" in change.actions:
        commissioner_end(
            commissioner=commissioner, status=change.end[0], on=change.end[1], by=by, expected_version=version
        )
