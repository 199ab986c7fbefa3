"""The register's import page: upload, preview, apply (the survey's round-trip standard)."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from cooperation.commissioners.applying import register_apply
from cooperation.commissioners.forms import (
    ApplyForm,
    UploadForm,
)
from cooperation.commissioners.importing import register_plan
from cooperation.commissioners.roundtrip import STATUS_LABELS
from cooperation.commissioners.views import SESSION_KEY, UPLOAD_DIR, UPLOAD_MAX_AGE_SECONDS
from offices import policies


def _upload_path(user, token: str) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / UPLOAD_DIR / str(user.pk) / token


def _keep(request, content: bytes, file_name: str) -> str:
    token = hashlib.sha256(content).hexdigest()
    path = _upload_path(request.user, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.iterdir():
        if time.time() - old.stat().st_mtime > UPLOAD_MAX_AGE_SECONDS:
            old.unlink(missing_ok=True)
    path.write_bytes(content)
    uploads = request.session.get(SESSION_KEY, {})
    uploads[token] = file_name
    request.session[SESSION_KEY] = uploads
    return token


def _kept(request, token: str):
    file_name = request.session.get(SESSION_KEY, {}).get(token)
    path = _upload_path(request.user, token)
    if file_name is None or not path.is_file():
        return None
    content = path.read_bytes()
    return (content, file_name) if hashlib.sha256(content).hexdigest() == token else None


def _drop(request, token: str) -> None:
    _upload_path(request.user, token).unlink(missing_ok=True)
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads


class CommissionerImportView(LoginRequiredMixin, TemplateView):
    """Upload the register, see every change and problem, apply: every row or none (ministry staff)."""

    template_name = "cooperation/commissioner_import.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            policies.require(request.user, policies.COMMISSIONER_IMPORT, None)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", UploadForm())
        context["max_mb"] = round(settings.SURVEY_MAX_BYTES / (1024 * 1024), 1)
        context["status_labels"] = list(STATUS_LABELS.values())
        return context

    def post(self, request, *args, **kwargs):
        if "apply" in request.POST:
            return self.apply(ApplyForm(request.POST))
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        uploaded = form.cleaned_data["file"]
        content = b"".join(uploaded.chunks())
        return self.preview(register_plan(content=content, file_name=uploaded.name, by=request.user), content)

    def preview(self, plan, content: bytes, *, stale: bool = False):
        apply_form = None
        if plan.ok and plan.changes:
            token = _keep(self.request, content, plan.file_name)
            apply_form = ApplyForm(initial={"token": token, "fingerprint": plan.fingerprint})
        return self.render_to_response(self.get_context_data(plan=plan, apply_form=apply_form, stale=stale))

    def apply(self, form):
        kept = _kept(self.request, form.cleaned_data["token"]) if form.is_valid() else None
        if kept is None:
            messages.error(self.request, _("The uploaded file is no longer available: upload it again."))
            return redirect("cooperation:commissioner_import")
        content, file_name = kept
        outcome = register_apply(
            content=content,
            file_name=file_name,
            by=self.request.user,
            fingerprint=form.cleaned_data["fingerprint"],
            request=self.request,
        )
        if outcome.stale or not outcome.plan.ok:
            return self.preview(outcome.plan, content, stale=outcome.stale)
        _drop(self.request, form.cleaned_data["token"])
        if outcome.applied:
            messages.success(
                self.request,
                _("Imported “{name}”: {changes} rows changed, {unchanged} unchanged.").format(
                    name=file_name, changes=len(outcome.plan.changes), unchanged=outcome.plan.unchanged_count
                ),
            )
        else:
            messages.info(self.request, _("No changes: every row matches the register."))
        return redirect("cooperation:commissioner_list")
