"""Local government page (自治体ページ) and its stage-update forms."""

from http import HTTPStatus

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, View
from django.views.generic.base import TemplateResponseMixin

from cooperation.forms import ProgressUpdateForm
from cooperation.mixins import ScopedMixin, require
from cooperation.models import Activity, Progress, ProgressChange, Referral
from cooperation.progress import rendering
from cooperation.progress.services import ProgressConflict, progress_update
from offices import policies
from offices.models import Municipality, Office

RECENT_LIMIT = 10  # the latest of each list; the list pages hold the rest


def _applicable_progresses(municipality):
    """Progress of every active item that applies to this local government, in the letter's order."""
    return (
        Progress.objects.applicable()
        .filter(municipality=municipality, item__is_active=True)
        .select_related("item", "updated_by")
        .order_by("item__sort_order", "item__code")
    )


def municipality_context(request, municipality, *, bound: ProgressUpdateForm | None = None) -> dict:
    """Everything the page shows, in a fixed number of queries; ``bound`` replaces one item's blank form."""
    user = request.user
    progresses = list(_applicable_progresses(municipality))
    may_edit = policies.can(user, policies.PROGRESS_CHANGE, municipality)
    from cooperation.yearly.meanings import meanings_table  # what each stage means, read once for every form

    meanings = meanings_table() if may_edit else None
    rows = []
    for progress in progresses:
        form = None
        if bound is not None and bound.progress.pk == progress.pk:
            form = bound
            progress = bound.progress
        elif may_edit:
            form = ProgressUpdateForm(progress=progress, meanings=meanings)
        rows.append((progress, form))
    # Every activity touching a local government the user sees is visible to the user (ActivityQuerySet.visible_to),
    # and the page is shown only for such a one: the scope's subquery would add nothing here but its cost. The
    # dates of all its activities (a few hundred at most: 763 for the busiest after ten national years) give the
    # count and the newest ten at once; "newest ten" in SQL made PostgreSQL walk the whole date index instead.
    dated = sorted(Activity.objects.filter(municipalities=municipality).values_list("date", "pk"), reverse=True)
    newest = [pk for _date, pk in dated[:RECENT_LIMIT]]
    activities = sorted(
        Activity.objects.filter(pk__in=newest).select_related("office", "item"),
        key=lambda activity: (activity.date, activity.pk),
        reverse=True,
    )
    # Every referral of the local government, with only the columns the table shows (a few dozen, some hundreds
    # for a city after ten years): the count and the newest ten from one query.
    referrals = list(
        Referral.objects.visible_to(user)
        .filter(municipality=municipality)
        .only("pk", "municipality_id", "received_on", "topic", "agency", "status", "outcome")
        .order_by("-received_on", "-id")
    )
    # Joined to the item and the recorder only: with every evidence joined as well, planning this query took
    # 13 ms (8 relations). What the timeline shows of the evidence comes from scalar subqueries (history_evidence).
    history = (
        ProgressChange.objects.filter(progress__municipality=municipality)
        .select_related("progress__item", "recorded_by")
        .annotate(is_corrected=Exists(ProgressChange.objects.filter(corrects=OuterRef("pk"))))
        .order_by("-effective_date", "-recorded_at", "-id")
    )
    history_count = history.count()
    history = list(history.annotate(**rendering.history_evidence())[:RECENT_LIMIT])
    return {
        # The progress table, the stage forms and the history are written in Python (progress/rendering.py).
        "progress_rows": rendering.progress_rows_html(rows, may_edit=may_edit),
        "stage_forms": rendering.stage_forms_html(
            rows, municipality=municipality, csrf_token=get_token(request), request=request
        )
        if may_edit
        else "",
        "history_items": rendering.history_html(history, may_edit=may_edit),
        "object": municipality,
        "office_writable": policies.can(user, policies.ACTIVITY_LOG, municipality.office),
        "desk_visible": Office.objects.visible_to(user).filter(pk=municipality.office_id).exists(),
        "municipality": municipality,
        "rows": rows,
        "may_edit": may_edit,
        "bound": bound,
        # The latest changes; the whole history is the history list filtered by this local government.
        "history": history,
        "history_count": history_count,
        "activities": activities,
        "activity_count": len(dated),
        "referrals": referrals[:RECENT_LIMIT],
        "referral_count": len(referrals),
        "recent_limit": RECENT_LIMIT,
    }


class MunicipalityDetailView(ScopedMixin, DetailView):
    model = Municipality
    slug_field = "lg_code"
    slug_url_kwarg = "lg_code"
    template_name = "cooperation/municipality_detail.html"

    def scoped_queryset(self):
        return super().scoped_queryset().select_related("prefecture", "office")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(municipality_context(self.request, self.object))
        return context


class ProgressUpdateView(ScopedMixin, TemplateResponseMixin, View):
    """Change one item's stage through ``progress_update`` (POST only).

    The local government must be visible (else 404) and editable (else 403).
    A stale version is refused with 409: the page shows the newer value and
    nothing is overwritten. Rule violations re-show the page with the error.
    """

    http_method_names = ["post"]
    template_name = "cooperation/municipality_detail.html"

    def post(self, request, *args, **kwargs):
        municipality = get_object_or_404(
            Municipality.objects.visible_to(request.user).select_related("prefecture", "office"),
            lg_code=kwargs["lg_code"],
        )
        progress = _applicable_progresses(municipality).filter(item__code=kwargs["item"]).first()
        if progress is None:
            raise Http404(_("This item does not apply to this local government."))
        require(
            policies.can(request.user, policies.PROGRESS_CHANGE, municipality),
            _("You may not change the progress of this local government."),
        )
        progress.municipality = municipality
        form = ProgressUpdateForm(request.POST, progress=progress)
        if not form.is_valid():
            return self.show(municipality, form)
        data = form.cleaned_data
        try:
            change = progress_update(
                progress=progress,
                stage=data["stage"],
                by=request.user,
                effective_date=data["effective_date"],
                note=data["note"],
                expected_version=data["version"],
            )
        except ProgressConflict as conflict:
            return self.show(municipality, self.conflict_form(request.POST, conflict), status=HTTPStatus.CONFLICT)
        except ValidationError as error:
            form.add_error(None, error)
            return self.show(municipality, form)
        if change is None:
            messages.info(
                request, _("{item} was already at this stage: nothing changed.").format(item=progress.item.code)
            )
        else:
            messages.success(
                request,
                _("{name}: {item} is now “{stage}”.").format(
                    name=municipality.name, item=progress.item.code, stage=change.get_to_stage_display()
                ),
            )
        return redirect(municipality.get_absolute_url() + "#item-" + progress.item.code)

    @staticmethod
    def conflict_form(data, conflict: ProgressConflict) -> ProgressUpdateForm:
        """The user's input kept, the newer version and stage shown; resubmitting is a deliberate choice."""
        current = conflict.current
        fresh = data.copy()
        fresh["version"] = str(current.version)
        form = ProgressUpdateForm(fresh, progress=current)
        form.is_valid()
        form.add_error(None, str(conflict))
        return form

    def show(self, municipality, form, status=HTTPStatus.OK):
        context = municipality_context(self.request, municipality, bound=form)
        return self.render_to_response(context, status=status)
