"""Survey export and import (調査票).

``survey_export`` without a query shows the download form; with
``?prefecture=01``, ``?office=sapporo`` or ``?municipality=012033`` (and
``&format=xlsx`` or ``&format=csv``, xlsx by default) it sends the file. A unit
is exported only if every active local government in it is within the user's
scope, else 404. ``?scope=all`` sends every active local government the user
may see: the whole country for headquarters (the national survey), the region
for a bureau, the jurisdiction for a center, and so on; 404 for a user who
sees none.

``survey_import`` previews an uploaded file and applies a confirmed preview.
Between the two steps the file waits in PRIVATE_MEDIA_ROOT under its SHA-256,
listed in the uploader's session; it is read, validated and planned again
when applied.
"""

import hashlib
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView

from cooperation import exports
from cooperation.mixins import ScopedMixin, require
from cooperation.models import ImportBatch, ProgressChange
from cooperation.survey import HEADER, csv_cells, survey_apply, survey_plan, survey_rows, survey_xlsx
from cooperation.survey.forms import FORMATS, SurveyApplyForm, SurveyExportForm, SurveyUploadForm
from offices import policies
from offices.models import Municipality, Office, Prefecture
from offices.scopes import is_headquarters, municipality_scope_q
from offices.services import audit_record
from offices.validators import lg_code_complete

UPLOAD_DIR = "survey_uploads"
SESSION_KEY = "survey_uploads"
UPLOAD_MAX_AGE_SECONDS = 24 * 60 * 60


def units_in_scope(user) -> tuple[list, list]:
    """(prefectures, centers) whose every active local government the user sees; four queries whatever the scope."""

    def counts(query):
        return Counter(
            {
                (row["prefecture_id"], row["office_id"]): row["count"]
                for row in query.order_by().values("prefecture_id", "office_id").annotate(count=Count("pk"))
            }
        )

    totals = counts(Municipality.objects.active())
    visible = counts(Municipality.objects.active().visible_to(user))
    missing_prefectures = {
        prefecture for (prefecture, office), count in totals.items() if visible[(prefecture, office)] != count
    }
    missing_offices = {
        office for (prefecture, office), count in totals.items() if visible[(prefecture, office)] != count
    }
    seen_prefectures = {prefecture for prefecture, _office in visible} - missing_prefectures
    seen_offices = {office for _prefecture, office in visible} - missing_offices
    prefectures = list(Prefecture.objects.filter(pk__in=seen_prefectures).order_by("code"))
    offices = list(Office.objects.filter(pk__in=seen_offices).order_by("sort_order", "code"))
    return prefectures, offices


SCOPE_PARAM = "scope"
SCOPE_ALL = "all"
UNITS = ("prefecture", "office", "municipality")


def whole_scope_problem(query) -> str | None:
    """Why ``?scope=`` cannot be sent as asked (shown on the form), or None for ``scope=all&format=xlsx|csv``."""
    if query.get(SCOPE_PARAM) != SCOPE_ALL or any(query.get(unit, "").strip() for unit in UNITS):
        return _("Choose one prefecture, one center or one local government.")
    if (query.get("format") or "xlsx") not in dict(FORMATS):
        return _("Unknown download format.")
    return None


class SurveyExportView(LoginRequiredMixin, TemplateView):
    """The download form, or the survey of one unit pre-filled with its current stages."""

    template_name = "cooperation/survey_export.html"

    def get(self, request, *args, **kwargs):
        form = SurveyExportForm(request.GET or None)
        if SCOPE_PARAM in request.GET:
            problem = whole_scope_problem(request.GET)
            if problem is None:
                return self.download_scope(request.GET.get("format") or "xlsx")
            form.is_valid()  # its own errors first, then this one (once)
            if problem not in form.non_field_errors():
                form.add_error(None, problem)
        elif form.is_bound and form.is_valid():
            return self.download(form.cleaned_data)
        prefectures, offices = units_in_scope(request.user)
        form.offer(
            prefectures=[(prefecture.code, prefecture.display_name) for prefecture in prefectures],
            offices=[(office.code, office.label) for office in offices],
        )
        if not form.is_bound:
            own = Municipality.objects.active().visible_to(request.user)[:2]
            if len(own) == 1:
                form.initial["municipality"] = own[0].lg_code
        return self.render_to_response(
            self.get_context_data(form=form, may_import=policies.can(request.user, policies.SURVEY_IMPORT))
        )

    def download_scope(self, file_format: str) -> HttpResponse:
        """Every active local government within the user's scope, as one survey (``?scope=all``)."""
        user = self.request.user
        municipalities = Municipality.objects.active().visible_to(user)
        count = municipalities.count()
        if count == 0:
            raise Http404(_("No such prefecture, center or local government within your scope."))
        label = "全国" if is_headquarters(user) else "担当範囲"
        return self.send(municipalities, file_format, label=label, unit="scope", key=SCOPE_ALL, municipalities=count)

    def download(self, data: dict) -> HttpResponse:
        unit, key = data["unit"], data[data["unit"]].strip()
        municipalities = Municipality.objects.active()
        if unit == "prefecture":
            prefecture = Prefecture.objects.filter(code=key).first()
            municipalities = municipalities.filter(prefecture=prefecture)
            label = prefecture.name if prefecture else ""
        elif unit == "office":
            office = Office.objects.filter(code=key).first()
            municipalities = municipalities.filter(office=office)
            label = office.label if office else ""
        else:
            key = lg_code_complete(key)
            municipalities = municipalities.filter(lg_code=key)
            label = "{}_{}".format(key, municipalities.values_list("name", flat=True).first() or "")
        counts = municipalities.aggregate(
            total=Count("pk"), visible=Count("pk", filter=municipality_scope_q(self.request.user))
        )
        if counts["total"] == 0 or counts["visible"] != counts["total"]:
            raise Http404(_("No such prefecture, center or local government within your scope."))
        return self.send(municipalities, data["format"], label=label, unit=unit, key=key)

    def send(self, lgs, file_format: str, *, label: str, unit: str, key: str, **detail) -> HttpResponse:
        """The survey of the local governments ``lgs`` as a file, recorded in the audit trail (with ``detail``)."""
        rows = survey_rows(lgs)
        name = "調査票_{}_{}.{}".format(label, timezone.localdate().strftime("%Y%m%d"), file_format)
        audit_record(
            action="export",
            request=self.request,
            target=f"survey {unit}={key}",
            detail={"survey": unit, "key": key, "format": file_format, "rows": len(rows), **detail},
        )
        if file_format == "csv":
            return exports.csv_response(name, HEADER, csv_cells(rows))
        response = HttpResponse(survey_xlsx(rows), content_type=exports.XLSX_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response


def _upload_path(user, token: str) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / UPLOAD_DIR / str(user.pk) / token


def _keep_upload(request, content: bytes, file_name: str) -> str:
    """Keep the file until it is applied (or for a day); returns its SHA-256, the token of the preview."""
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


def _drop_upload(request, token: str) -> None:
    _upload_path(request.user, token).unlink(missing_ok=True)
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads


def _kept_upload(request, token: str) -> tuple[bytes, str] | None:
    """The kept file and its name, if this session uploaded it and it is intact."""
    file_name = request.session.get(SESSION_KEY, {}).get(token)
    path = _upload_path(request.user, token)
    if file_name is None or not path.is_file():
        return None
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != token:
        return None
    return content, file_name


class SurveyImportView(LoginRequiredMixin, TemplateView):
    """Upload a survey, see every change and every problem, then apply it: all rows or none."""

    template_name = "cooperation/survey_import.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require(
                policies.can(request.user, policies.SURVEY_IMPORT),
                _("Only headquarters, bureau and center staff may import surveys."),
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", SurveyUploadForm())
        context["recent"] = ImportBatch.objects.visible_to(self.request.user).select_related("created_by")[:10]
        context["max_mb"] = round(settings.SURVEY_MAX_BYTES / (1024 * 1024), 1)
        return context

    def post(self, request, *args, **kwargs):
        if "apply" in request.POST:
            return self.apply(SurveyApplyForm(request.POST))
        form = SurveyUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        uploaded = form.cleaned_data["file"]
        content = b"".join(uploaded.chunks())
        plan = survey_plan(content=content, file_name=uploaded.name, by=request.user)
        return self.preview(plan, content)

    def preview(self, plan, content: bytes, *, stale: bool = False):
        apply_form = None
        if plan.ok and plan.changes:
            token = _keep_upload(self.request, content, plan.file_name)
            apply_form = SurveyApplyForm(initial={"token": token, "fingerprint": plan.fingerprint})
        return self.render_to_response(self.get_context_data(plan=plan, apply_form=apply_form, stale=stale))

    def apply(self, form: SurveyApplyForm):
        kept = _kept_upload(self.request, form.cleaned_data["token"]) if form.is_valid() else None
        if kept is None:
            messages.error(self.request, _("The uploaded file is no longer available: upload it again."))
            return redirect("cooperation:survey_import")
        content, file_name = kept
        token = form.cleaned_data["token"]
        outcome = survey_apply(
            content=content,
            file_name=file_name,
            by=self.request.user,
            fingerprint=form.cleaned_data["fingerprint"],
            request=self.request,
        )
        if outcome.stale:
            return self.preview(outcome.plan, content, stale=True)
        _drop_upload(self.request, token)
        if outcome.applied:
            messages.success(
                self.request,
                _("Imported “{name}”: {changes} changes, {unchanged} rows unchanged.").format(
                    name=file_name, changes=outcome.batch.change_count, unchanged=outcome.batch.unchanged_count
                ),
            )
            return redirect(outcome.batch)
        if not outcome.plan.ok:
            return self.preview(outcome.plan, content)
        messages.info(self.request, _("No changes: every row matches the current stages."))
        return redirect("cooperation:survey_import")


class ImportBatchDetailView(ScopedMixin, DetailView):
    """One applied import: who, when, which file, and the changes it made that the user may see."""

    model = ImportBatch
    template_name = "cooperation/importbatch_detail.html"
    changes_per_page = 200

    def get_queryset(self):
        return super().get_queryset().select_related("created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        changes = (
            ProgressChange.objects.visible_to(self.request.user)
            .filter(import_batch=self.object)
            .select_related("progress__municipality", "progress__item")
            .order_by("progress__municipality__lg_code", "progress__item__sort_order", "id")
        )
        context["page"] = Paginator(changes, self.changes_per_page).get_page(self.request.GET.get("page"))
        return context
