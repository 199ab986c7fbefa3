"""Correcting a wrong stage change from the local government's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic.base import TemplateResponseMixin

from cooperation.mixins import ScopedMixin, require
from cooperation.models import ProgressChange
from cooperation.progress.corrections import latest_change, progress_correct
from cooperation.progress.forms import ProgressCorrectForm
from offices import policies


class ProgressChangeCorrectView(ScopedMixin, TemplateResponseMixin, View):
    """Record a correcting change of a change the user sees (else 404) and may correct (else 403)."""

    template_name = "cooperation/progresschange_correct.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.change = get_object_or_404(
            ProgressChange.objects.visible_to(request.user).select_related(
                "progress__municipality", "progress__item", "recorded_by", "corrects"
            ),
            pk=kwargs["pk"],
        )
        require(
            policies.can(request.user, policies.PROGRESS_CORRECT, self.change.progress.municipality),
            _("You may not correct the progress of this local government."),
        )
        return super().dispatch(request, *args, **kwargs)

    def context(self, form):
        return {
            "change": self.change,
            "municipality": self.change.progress.municipality,
            "form": form,
            "in_force": latest_change(self.change.progress_id) == self.change,
        }

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.context(ProgressCorrectForm(initial={"stage": self.change.from_stage})))

    def post(self, request, *args, **kwargs):
        form = ProgressCorrectForm(request.POST)
        if form.is_valid():
            try:
                correction = progress_correct(
                    change=self.change,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    stage=form.cleaned_data["stage"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                municipality = self.change.progress.municipality
                messages.success(
                    request,
                    _("{name}: {item} corrected to “{stage}”.").format(
                        name=municipality.name,
                        item=self.change.progress.item.code,
                        stage=correction.get_to_stage_display(),
                    ),
                )
                return redirect(municipality.get_absolute_url() + "#history-heading")
        return self.render_to_response(self.context(form))
