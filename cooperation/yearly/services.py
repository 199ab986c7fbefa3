"""Closing, re-issuing and reopening a fiscal year (年度末の確定): headquarters only (``year.close``).

A close freezes, for every local government × item that applies to it, the
stage in force at the end of 31 March, computed from the immutable history,
with whether the local government and the item were active at the close.
Reports of a closed year read these rows, so a later merger, a retired item
or a back-dated change never rewrites them silently; a back-dated change
shows as a post-close adjustment until a re-issue (the next version) takes it in.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation import fiscal
from cooperation.models import ClosedFigure, FiscalYearClose, Progress, ProgressChange, Stage
from cooperation.yearly.events import YEAR_CLOSED, YEAR_REISSUED, YEAR_REOPENED
from offices import events
from offices.models import User
from offices.policies import YEAR_CLOSE, require


def _in_force(year: int) -> FiscalYearClose | None:
    latest = FiscalYearClose.objects.select_for_update().filter(year=year).order_by("-version").first()
    return latest if latest is not None and latest.reopened_at is None else None


def _next_version(year: int) -> int:
    latest = FiscalYearClose.objects.filter(year=year).order_by("-version").values_list("version", flat=True).first()
    return (latest or 0) + 1


def _stage_before(day: datetime.date):
    """The stage at the end of ``day`` of the outer progress row (未着手 when nothing was recorded by then)."""
    latest = ProgressChange.objects.filter(progress=OuterRef("pk"), effective_date__lte=day).order_by(
        "-effective_date", "-id"
    )
    return Coalesce(Subquery(latest.values("to_stage")[:1]), Value(Stage.NOT_STARTED))


def _frozen_rows(*, day: datetime.date):
    """Every progress row whose item applies to its local government, with its stage at the end of ``day``.

    One query: the stage and the first date it reached 実施 or 定着 come from
    the history through correlated subqueries on the (progress, date) index.
    """
    first_adopted = (
        ProgressChange.objects.filter(progress=OuterRef("pk"), effective_date__lte=day, to_stage__in=Stage.adopted())
        .order_by()
        .values("progress")
        .annotate(first=Min("effective_date"))
        .values("first")
    )
    return (
        Progress.objects.applicable()
        .with_stage_as_of(day)
        .annotate(
            first_adopted_on=Subquery(first_adopted),
            previous_stage=_stage_before(fiscal.fiscal_year_end(fiscal.fiscal_year(day) - 1)),
        )
        .order_by()
        .values_list(
            "municipality_id",
            "item_id",
            "municipality__prefecture_id",
            "municipality__office_id",
            "municipality__kind",
            "stage_as_of",
            "stage_date_as_of",
            "previous_stage",
            "first_adopted_on",
            "municipality__is_active",
            "item__is_active",
        )
    )


# ClosedFigure's columns and the aliases of _frozen_rows() that fill them, in the same order.
FROZEN_COLUMNS = [
    ("municipality_id", "municipality_id"),
    ("item_id", "item_id"),
    ("prefecture_id", "municipality__prefecture_id"),
    ("office_id", "municipality__office_id"),
    ("kind", "municipality__kind"),
    ("stage", "stage_as_of"),
    ("stage_date", "stage_date_as_of"),
    ("previous_stage", "previous_stage"),
    ("first_adopted_on", "first_adopted_on"),
    ("municipality_active", "municipality__is_active"),
    ("item_active", "item__is_active"),
]


def _write_close(*, year: int, by: User | None, note: str) -> FiscalYearClose:
    day = fiscal.fiscal_year_end(year)
    try:
        with transaction.atomic():
            close = FiscalYearClose.objects.create(
                year=year, version=_next_version(year), as_of=day, closed_at=timezone.now(), closed_by=by, note=note
            )
    except IntegrityError:
        raise ValidationError(_("Someone else closed this fiscal year at the same moment; reload the page.")) from None
    # One INSERT … SELECT: the database copies the computed rows itself, no row goes through Python.
    rows = _frozen_rows(day=day)
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    targets = ", ".join(quote(column) for column, _alias in FROZEN_COLUMNS)
    sources = ", ".join(f"frozen.{quote(alias)}" for _column, alias in FROZEN_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(ClosedFigure._meta.db_table)} ({quote('close_id')}, {targets}) "
            f"SELECT %s, {sources} FROM ({sql}) frozen",
            [close.pk, *params],
        )
        count = cursor.rowcount
    close.figure_count = count
    close.save(update_fields=["figure_count"])
    return close


def _check_year(year: int) -> None:
    if not isinstance(year, int) or year < 2000:
        raise ValidationError(_("“{year}” is not a fiscal year.").format(year=year))
    if fiscal.today() <= fiscal.fiscal_year_end(year):
        raise ValidationError(
            _("{year} is not over yet: it can be closed from {date} on.").format(
                year=fiscal.fiscal_year_label(year),
                date=fiscal.format_date(fiscal.fiscal_year_end(year) + datetime.timedelta(days=1)),
            )
        )


def _event_data(close: FiscalYearClose, **extra) -> dict:
    return {"year": close.year, "version": close.version, "figures": close.figure_count, **extra}


@transaction.atomic
def year_close(*, year: int, by: User | None, note: str = "") -> FiscalYearClose:
    """Close fiscal ``year``: freeze the stages of 31 March (the next version if it was closed and reopened)."""
    require(by, YEAR_CLOSE, year)
    _check_year(year)
    if _in_force(year) is not None:
        raise ValidationError(
            _("{year} is already closed; re-issue the close to take in later adjustments.").format(
                year=fiscal.fiscal_year_label(year)
            )
        )
    close = _write_close(year=year, by=by, note=note)
    events.publish(YEAR_CLOSED, actor=by, target=str(close), data=_event_data(close))
    return close


@transaction.atomic
def year_reissue(*, year: int, by: User | None, note: str = "") -> FiscalYearClose:
    """Re-issue the close of ``year`` as its next version, taking in every post-close adjustment.

    The new version records which frozen stages changed against the one it
    replaces (``changes``), so the difference stays visible.
    """
    require(by, YEAR_CLOSE, year)
    previous = _in_force(year)
    if previous is None:
        raise ValidationError(_("{year} is not closed: close it first.").format(year=fiscal.fiscal_year_label(year)))
    close = _write_close(year=year, by=by, note=note)
    close.changes = version_changes(previous, close)
    close.save(update_fields=["changes"])
    events.publish(
        YEAR_REISSUED,
        actor=by,
        target=str(close),
        data=_event_data(close, replaces=previous.version, changed=len(close.changes)),
    )
    return close


@transaction.atomic
def year_reopen(*, year: int, by: User | None, reason: str) -> FiscalYearClose:
    """Reopen ``year``: its reports read the live history again until it is closed anew. Audited."""
    require(by, YEAR_CLOSE, year)
    if not reason.strip():
        raise ValidationError(_("Give the reason for reopening the fiscal year."))
    close = _in_force(year)
    if close is None:
        raise ValidationError(_("{year} is not closed.").format(year=fiscal.fiscal_year_label(year)))
    close.reopened_at = timezone.now()
    close.reopened_by = by
    close.reopen_reason = reason.strip()
    close.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    events.publish(YEAR_REOPENED, actor=by, target=str(close), data=_event_data(close, reason=close.reopen_reason))
    return close


def version_changes(old: FiscalYearClose, new: FiscalYearClose) -> list[dict]:
    """The figures whose frozen stage differs between two versions of a close (plain data, two queries)."""
    before = {
        (municipality_id, item_id): stage
        for municipality_id, item_id, stage in old.figures.values_list("municipality_id", "item_id", "stage")
    }
    changes = []
    for municipality_id, item_id, stage, lg_code, name, prefecture, item_code in new.figures.values_list(
        "municipality_id",
        "item_id",
        "stage",
        "municipality__lg_code",
        "municipality__name",
        "prefecture__name",
        "item__code",
    ).order_by("municipality__lg_code", "item__sort_order"):
        was = before.get((municipality_id, item_id))
        if was != stage:
            changes.append(
                {
                    "lg_code": lg_code,
                    "name": name,
                    "prefecture": prefecture,
                    "item": item_code,
                    "from": was,
                    "to": stage,
                }
            )
    return changes
