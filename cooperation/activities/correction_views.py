"""Correcting and cancelling activities; the activity's page with its previous versions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic.base import TemplateResponseMixin

from cooperation.activities import views as base
from cooperation.activities.corrections import (
    EDITABLE_FIELDS,
    KEEP,
    activity_cancel,
    activity_update,
    evidenced_changes,
)
from cooperation.activities.forms import ActivityCancelForm, ActivityEditForm
from cooperation.mixins import ScopedMixin, require
from cooperation.models import Activity
from offices import policies


class ActivityDetailView(base.ActivityDetailView):
    """The activity, cancelled or not, with its previous versions and the corrections it may take."""

    def scoped_queryset(self):
        standing = super().scoped_queryset()
        return (
            Activity.all_objects.visible_to(self.request.user)
            .select_related("office", "item", "created_by", "cancelled_by")
            .prefetch_related(*standing._prefetch_related_lookups)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activity = self.object
        may_correct = not activity.cancelled and policies.can(self.request.user, policies.ACTIVITY_CORRECT, activity)
        context.update(
            may_correct=may_correct,
            may_write=context["may_write"] and not activity.cancelled,
            versions=activity.versions.select_related("recorded_by").order_by("-number"),
        )
        return context


class _ActivityCorrection(ScopedMixin, TemplateResponseMixin, View):
    """An activity the user sees (else 404) and may correct (else 403); not once cancelled."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.activity = get_object_or_404(
            Activity.objects.visible_to(request.user).select_related("office", "item"), pk=kwargs["pk"]
        )
        require(
            policies.can(request.user, policies.ACTIVITY_CORRECT, self.activity),
            _("You may not correct activities of this center."),
        )
        return super().dispatch(request, *args, **kwargs)


class ActivityUpdateView(_ActivityCorrection):
    template_name = "cooperation/activity_update.html"

    def form(self, data=None):
        return ActivityEditForm(
            data,
            instance=self.activity,
            user=self.request.user,
            office=self.activity.office,
            initial=None if data else {"municipalities": list(self.activity.municipalities.all())},
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response({"activity": self.activity, "form": self.form()})

    def post(self, request, *args, **kwargs):
        original = Activity.objects.get(pk=self.activity.pk)
        data = request.POST.copy()
        data["office"] = str(original.office_id)
        form = self.form(data)
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                activity_update(
                    activity=original,
                    by=request.user,
                    reason=cleaned["reason"],
                    expected_version=cleaned["version"],
                    municipalities=list(cleaned["municipalities"]),
                    **{name: cleaned[name] for name in EDITABLE_FIELDS},
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The activity “{title}” was corrected.").format(title=original.title))
                return redirect(original)
        return self.render_to_response({"activity": original, "form": form})


class ActivityCancelView(_ActivityCorrection):
    """Cancel with a reason; if the activity moved stages, ask whether to keep or revert them."""

    template_name = "cooperation/activity_cancel.html"

    def context(self, form):
        changes = list(evidenced_changes(self.activity))
        return {"activity": self.activity, "form": form, "changes": changes}

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.context(ActivityCancelForm()))

    def post(self, request, *args, **kwargs):
        form = ActivityCancelForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                activity_cancel(
                    activity=self.activity,
                    by=request.user,
                    reason=data["reason"],
                    stages=data["stages"] or KEEP,
                    note=data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The activity “{title}” was cancelled.").format(title=self.activity.title))
                return redirect(self.activity)
        return self.render_to_response(self.context(form))
