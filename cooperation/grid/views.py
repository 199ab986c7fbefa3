"""The stage grid (一括更新): pick local governments, change any cells, save once.

A center picks local governments of its jurisdiction (search, or by 振興局,
center or kind) and sees them × the request items; a local government officer
gets its own items on one form. Each changed cell is saved through
``progress_grid_save`` with the version the page showed.
"""

from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from cooperation.grid.forms import GridSaveForm
from cooperation.grid.services import GridCell, progress_grid_save
from cooperation.models import Progress, RequestItem, Stage
from offices.models import Municipality

# More rows than this make a grid nobody can review before saving.
MAX_ROWS = 60


@dataclass
class Cell:
    progress: Progress | None
    choice: str = ""
    errors: list | None = None
    saved: bool = False

    @property
    def changed(self) -> bool:
        return self.progress is not None and self.choice != self.progress.stage


@dataclass
class Row:
    municipality: Municipality
    cells: list


def _selected_codes(data, editable: list[Municipality]) -> list[str]:
    """Local governments picked by code, or all those of a chosen 振興局, center or kind."""
    codes = set(data.getlist("m"))
    subprefecture, office, kind = data.get("subprefecture", ""), data.get("office", ""), data.get("kind", "")
    for municipality in editable:
        if (
            (subprefecture and municipality.subprefecture == subprefecture)
            or (office and municipality.office.code == office)
            or (kind and municipality.kind == kind)
        ):
            codes.add(municipality.lg_code)
    if len(editable) == 1:
        codes.add(editable[0].lg_code)
    return [municipality.lg_code for municipality in editable if municipality.lg_code in codes]


class ProgressGridView(LoginRequiredMixin, TemplateView):
    """GET shows the picker and the grid; POST saves the changed cells (403 for a read-only user)."""

    template_name = "cooperation/progress_grid.html"

    def editable(self) -> list[Municipality]:
        """The active local governments the user may change; a user who may change none gets a 403."""
        editable = list(
            Municipality.objects.editable_by(self.request.user)
            .active()
            .select_related("office", "prefecture")
            .order_by("lg_code")
        )
        if not editable:
            raise PermissionDenied(_("Your account may not change stages."))
        return editable

    def get(self, request, *args, **kwargs):
        editable = self.editable()
        codes = _selected_codes(request.GET, editable)
        return self.render(editable, codes, form=GridSaveForm())

    def post(self, request, *args, **kwargs):
        editable = self.editable()
        codes = _selected_codes(request.POST, editable)
        form = GridSaveForm(request.POST)
        ids = []
        for key in request.POST:
            if key.startswith("stage-") and key[6:].isdigit():
                ids.append(int(key[6:]))
        progresses = {
            progress.pk: progress
            for progress in Progress.objects.visible_to(request.user)
            .filter(pk__in=ids)
            .select_related("municipality", "item")
        }
        if len(progresses) != len(set(ids)):
            raise Http404(_("Some of these cells are not in your scope."))
        choices, cells, bad = {}, [], {}
        for pk, progress in progresses.items():
            stage = request.POST.get(f"stage-{pk}", "")
            choices[pk] = stage
            was = request.POST.get(f"was-{pk}", "")
            if stage == was:
                continue
            try:
                version = int(request.POST.get(f"version-{pk}", ""))
            except ValueError:
                bad[pk] = [_("This cell's version is missing: reload the page.")]
                continue
            cells.append(
                GridCell(
                    progress=progress, stage=stage, expected_version=version, note=request.POST.get(f"note-{pk}", "")
                )
            )
        if not cells and not bad:
            messages.info(request, _("No cell was changed: nothing to save."))
            return redirect(self.grid_url(codes))
        if not form.is_valid():
            return self.render(editable, codes, form=form, choices=choices, errors=bad)
        outcome = progress_grid_save(
            cells=cells,
            by=request.user,
            effective_date=form.cleaned_data["effective_date"],
            note=form.cleaned_data["note"],
        )
        errors = {**bad, **outcome.errors}
        saved = {change.progress_id for change in outcome.saved}
        if outcome.saved:
            messages.success(
                request,
                ngettext("%(count)d change saved.", "%(count)d changes saved.", len(outcome.saved))
                % {"count": len(outcome.saved)},
            )
        if not errors:
            return redirect(self.grid_url(codes))
        status = HTTPStatus.CONFLICT if outcome.conflicts else HTTPStatus.OK
        return self.render(
            editable,
            codes,
            form=form,
            choices=choices,
            errors=errors,
            saved=saved,
            conflicts=outcome.conflicts,
            status=status,
        )

    def grid_url(self, codes) -> str:
        query = urlencode([("m", code) for code in codes])
        return self.request.path + ("?" + query if query else "")

    def render(
        self, editable, codes, *, form, choices=None, errors=None, saved=(), conflicts=None, status=HTTPStatus.OK
    ):
        choices, errors, conflicts = choices or {}, errors or {}, conflicts or {}
        by_code = {municipality.lg_code: municipality for municipality in editable}
        chosen = [by_code[code] for code in codes][:MAX_ROWS]
        items = list(RequestItem.objects.active().order_by("sort_order", "code"))
        progresses = {
            (progress.municipality_id, progress.item_id): progress
            for progress in Progress.objects.filter(municipality__in=chosen, item__in=items).select_related(
                "updated_by"
            )
        }
        rows, error_cells = [], []
        for municipality in chosen:
            cells = []
            for item in items:
                progress = progresses.get((municipality.pk, item.pk))
                if progress is None or not item.applies_to(municipality):
                    cells.append(Cell(progress=None))
                    continue
                progress.municipality, progress.item = municipality, item
                cell = Cell(
                    progress=progress,
                    choice=choices.get(progress.pk, progress.stage),
                    errors=errors.get(progress.pk),
                    saved=progress.pk in saved,
                )
                if cell.errors:
                    error_cells.append(cell)
                cells.append(cell)
            rows.append(Row(municipality=municipality, cells=cells))
        context = self.get_context_data(
            form=form,
            editable=editable,
            chosen_codes=set(codes),
            rows=rows,
            items=items,
            stages=Stage.choices,
            error_cells=error_cells,
            truncated=len(codes) > MAX_ROWS,
            max_rows=MAX_ROWS,
            only_one=len(editable) == 1,
            single=len(chosen) == 1,
            subprefectures=sorted({m.subprefecture for m in editable if m.subprefecture}),
            offices=sorted({m.office for m in editable}, key=lambda office: (office.sort_order, office.code)),
            kinds=[(kind, label) for kind, label in Municipality.Kind.choices if any(m.kind == kind for m in editable)],
        )
        return self.render_to_response(context, status=status)
