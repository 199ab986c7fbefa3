"""Saving a grid of stages: every changed cell through ``progress_update``, with its own version check."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from cooperation.models import Progress, ProgressChange
from cooperation.progress import services as progress_services
from offices import policies


@dataclass(frozen=True)
class GridCell:
    """One cell the user changed: the progress, the stage chosen and the version the page showed."""

    progress: Progress
    stage: str
    expected_version: int
    note: str = ""


@dataclass
class GridOutcome:
    """What became of each cell: saved, unchanged, or refused with the reason (keyed by progress id)."""

    saved: list[ProgressChange] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    conflicts: dict[int, Progress] = field(default_factory=dict)
    errors: dict[int, list[str]] = field(default_factory=dict)

    @property
    def refused(self) -> int:
        return len(self.errors)


def progress_grid_save(
    *, cells: list[GridCell], by, effective_date: datetime.date | None = None, note: str = ""
) -> GridOutcome:
    """Apply every changed cell of a grid; each cell stands or falls on its own.

    The user must be allowed to change every local government in the grid
    (``NotAllowed`` otherwise, before anything is written). Each cell then goes
    through :func:`cooperation.progress.services.progress_update` in its own
    transaction with the version the page showed, so a cell someone else saved
    meanwhile is refused as a conflict (its newer value returned) while the
    other cells are saved: one save, and every refusal reported on its cell.
    A cell's own note wins over the common ``note``.
    """
    policies.require_each(by, policies.PROGRESS_CHANGE, {cell.progress.municipality_id for cell in cells})
    outcome = GridOutcome()
    for cell in cells:
        try:
            change = progress_services.progress_update(
                progress=cell.progress,
                stage=cell.stage,
                by=by,
                effective_date=effective_date,
                note=cell.note or note,
                expected_version=cell.expected_version,
            )
        except progress_services.ProgressConflict as conflict:
            outcome.conflicts[cell.progress.pk] = conflict.current
            outcome.errors[cell.progress.pk] = [str(conflict)]
            continue
        except ValidationError as error:
            outcome.errors[cell.progress.pk] = list(error.messages)
            continue
        except PermissionDenied:
            outcome.errors[cell.progress.pk] = [_("You may not change the progress of this local government.")]
            continue
        if change is None:
            outcome.unchanged.append(cell.progress.pk)
        else:
            outcome.saved.append(change)
    return outcome
