"""Pages of the commissioner register (行政相談委員名簿).

Scope comes from one place: every queryset is ``visible_to(request.user)``
(offices/scopes.py), so a commissioner or unit outside it is a 404; the right
to act is the policy (offices/policies.py), a 403. Services do the writing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from cooperation import exports
from cooperation.commissioners import selectors
from cooperation.commissioners.forms import (
    FORMATS,
    AppointForm,
    AwardForm,
    CommissionerForm,
    EndForm,
    RecommendationForm,
)
from cooperation.commissioners.models import Commissioner
from cooperation.commissioners.roundtrip import SHEET_NAME, STATUS_LABELS, register_csv, register_rows, register_xlsx
from cooperation.commissioners.services import (
    CommissionerConflict,
    commissioner_appoint,
    commissioner_award_record,
    commissioner_create,
    commissioner_end,
    commissioner_recommend,
    commissioner_update,
)
from cooperation.fiscal import format_date, today
from offices import policies
from offices.models import Municipality, Office, Prefecture
from offices.services import audit_record

PER_PAGE = 100
UPLOAD_DIR = "commissioner_uploads"
SESSION_KEY = "commissioner_uploads"
UPLOAD_MAX_AGE_SECONDS = 24 * 60 * 60


def _unit(request):
    """The unit asked for (``?office=``, ``?prefecture=``, ``?municipality=``) as (label, municipalities seen).

    Without a unit: everything the user sees. A unit the user sees nothing of is a 404.
    """
    visible = Municipality.objects.visible_to(request.user).active()
    office, prefecture, code = (request.GET.get(name, "").strip() for name in ("office", "prefecture", "municipality"))
    label, unit = "", {}
    if office:
        found = Office.objects.filter(code=office).first()
        visible, label, unit = visible.filter(office=found), found.label if found else "", {"office": office}
    elif prefecture:
        found = Prefecture.objects.filter(code=prefecture).first()
        visible, label = visible.filter(prefecture=found), found.display_name if found else ""
        unit = {"prefecture": prefecture}
    elif code:
        visible = visible.filter(lg_code=code)
        label, unit = visible.values_list("name", flat=True).first() or "", {"municipality": code}
    if unit and not visible.exists():
        raise Http404(_("No such center, prefecture or local government within your scope."))
    return label, visible, unit


def _query(unit: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(unit)


class CommissionerOverviewView(LoginRequiredMixin, TemplateView):
    """One page: which municipalities have no commissioner, whose term ends in the next 90 days, 兼務, awards."""

    template_name = "cooperation/commissioner_overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        label, municipalities, unit = _unit(self.request)
        offices, prefectures = selectors.units_of(user)
        data = selectors.overview(user, municipalities, today=today())
        context.update(
            label=label,
            unit=unit,
            query=_query(unit),
            data=data,
            offices=offices,
            prefectures=prefectures,
            show_table=bool(unit) or data.municipality_count <= 200,
            may_manage=policies.can(user, policies.COMMISSIONER_MANAGE),
            may_recommend=_areas_exist(user, policies.COMMISSIONER_RECOMMEND),
            may_import=policies.can(user, policies.COMMISSIONER_IMPORT),
        )
        return context


def _areas_exist(user, action) -> bool:
    return (
        Municipality.objects.active()
        .filter(policies.allowed_q(user, action))
        .exclude(kind=Municipality.Kind.PREFECTURE)
        .exists()
    )


class CommissionerNationalView(LoginRequiredMixin, TemplateView):
    """Counts per prefecture (the whole country for headquarters; the prefectures a user sees otherwise)."""

    template_name = "cooperation/commissioner_national.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = selectors.national_counts(self.request.user, today=today())
        totals = {
            name: sum(getattr(row, name) for row in rows)
            for name in ("municipalities", "without", "serving", "concurrent", "ending", "recommended", "awards")
        }
        context.update(rows=rows, totals=totals, ending_days=selectors.ENDING_WITHIN_DAYS)
        return context


class CommissionerListView(LoginRequiredMixin, TemplateView):
    """The register of a unit, paginated; contact details only for ministry staff."""

    template_name = "cooperation/commissioner_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        label, municipalities, unit = _unit(self.request)
        commissioners = selectors.register_queryset(user).filter(municipality__in=municipalities)
        status = self.request.GET.get("status", "")
        if status in Commissioner.Status.values:
            commissioners = commissioners.filter(status=status)
        elif status == "serving":
            commissioners = commissioners.serving()
        search = self.request.GET.get("q", "").strip()
        if search:
            commissioners = commissioners.filter(
                Q(name__icontains=search) | Q(name_kana__icontains=search) | Q(number__icontains=search)
            )
        page = Paginator(commissioners.prefetch_related("backgrounds"), PER_PAGE).get_page(self.request.GET.get("page"))
        context.update(
            label=label,
            unit=unit,
            query=_query(unit),
            page=page,
            status=status,
            search=search,
            statuses=Commissioner.Status.choices,
            contact=selectors.may_see_contact(user),
            formats=FORMATS,
        )
        return context


class CommissionerExportView(LoginRequiredMixin, View):
    """The register of a unit (or of everything the user sees) as xlsx or CSV, in the import's format."""

    def get(self, request, *args, **kwargs):
        file_format = request.GET.get("format") or "xlsx"
        if file_format not in dict(FORMATS):
            raise Http404(_("Unknown download format."))
        label, municipalities, unit = _unit(request)
        commissioners = Commissioner.objects.visible_to(request.user).filter(municipality__in=municipalities)
        contact = selectors.may_see_contact(request.user)
        header, rows = register_rows(commissioners, contact=contact)
        audit_record(
            action="export",
            request=request,
            target="commissioners {}".format(_query(unit) or "scope"),
            detail={"register": unit or "scope", "format": file_format, "rows": len(rows), "contact": contact},
        )
        name = "{}_{}_{}.{}".format(
            SHEET_NAME, label or "担当範囲", timezone.localdate().strftime("%Y%m%d"), file_format
        )
        if file_format == "csv":
            response = HttpResponse(register_csv(header, rows), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(register_xlsx(header, rows), content_type=exports.XLSX_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response


def _commissioner(request, number: str) -> Commissioner:
    return get_object_or_404(
        Commissioner.objects.visible_to(request.user).select_related(
            "municipality__prefecture", "municipality__office", "recommended_by", "updated_by"
        ),
        number=number,
    )


class CommissionerDetailView(LoginRequiredMixin, TemplateView):
    template_name = "cooperation/commissioner_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        commissioner = kwargs.get("commissioner") or _commissioner(self.request, kwargs["number"])
        may_manage = policies.can(user, policies.COMMISSIONER_MANAGE, commissioner.municipality)
        context.update(
            commissioner=commissioner,
            terms=commissioner.terms.select_related("recorded_by").order_by("-starts_on"),
            awards=commissioner.awards.select_related("conferred_by", "recorded_by").order_by("-awarded_on", "-id"),
            backgrounds=list(commissioner.backgrounds.all()),
            evidence=commissioner.progress_changes.select_related("progress__item", "progress__municipality"),
            contact=selectors.may_see_contact(user),
            may_manage=may_manage,
            may_award=may_manage or _may_award(user, commissioner),
            appoint_form=kwargs.get("appoint_form")
            or AppointForm(initial={"version": commissioner.version, "starts_on": _next_start(commissioner)}),
            end_form=kwargs.get("end_form") or EndForm(initial={"version": commissioner.version, "on": today()}),
            status_label=STATUS_LABELS[commissioner.status],
        )
        return context


def _next_start(commissioner: Commissioner):
    import datetime

    if commissioner.term_ends_on:
        return commissioner.term_ends_on + datetime.timedelta(days=1)
    return today()


def _may_award(user, commissioner) -> bool:
    area = commissioner.municipality
    return (
        Municipality.objects.filter(policies.allowed_q(user, policies.COMMISSIONER_AWARD))
        .filter(Q(pk=area.pk) | Q(prefecture=area.prefecture_id, kind=Municipality.Kind.PREFECTURE))
        .exists()
    )


class CommissionerCreateView(LoginRequiredMixin, TemplateView):
    """A center adds an appointed commissioner of its jurisdiction."""

    template_name = "cooperation/commissioner_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            policies.require(request.user, policies.COMMISSIONER_MANAGE, None)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", CommissionerForm(user=self.request.user, with_term=True, initial={"appointed_on": today()})
        )
        context["creating"] = True
        return context

    def post(self, request, *args, **kwargs):
        form = CommissionerForm(request.POST, user=request.user, with_term=True)
        if form.is_valid():
            data = form.cleaned_data
            data.pop("version", None)
            try:
                commissioner = commissioner_create(by=request.user, **data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("{name} was added to the register.").format(name=commissioner.name))
                return redirect(commissioner)
        return self.render_to_response(self.get_context_data(form=form))


class CommissionerUpdateView(LoginRequiredMixin, TemplateView):
    template_name = "cooperation/commissioner_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.commissioner = _commissioner(request, kwargs["number"])
        policies.require(request.user, policies.COMMISSIONER_MANAGE, self.commissioner.municipality)
        return super().dispatch(request, *args, **kwargs)

    def initial(self):
        commissioner = self.commissioner
        values = {
            name: getattr(commissioner, name) for name in CommissionerForm.base_fields if hasattr(commissioner, name)
        }
        values["backgrounds"] = list(commissioner.backgrounds.all())
        values["version"] = commissioner.version
        return values

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CommissionerForm(user=self.request.user, with_term=False, initial=self.initial()))
        context["commissioner"] = self.commissioner
        return context

    def post(self, request, *args, **kwargs):
        form = CommissionerForm(request.POST, user=request.user, with_term=False)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            backgrounds = data.pop("backgrounds")
            try:
                changed = commissioner_update(
                    commissioner=self.commissioner,
                    by=request.user,
                    expected_version=version,
                    backgrounds=backgrounds,
                    **data,
                )
            except (ValidationError, CommissionerConflict) as error:
                form.add_error(None, error if isinstance(error, ValidationError) else str(error))
            else:
                if changed:
                    messages.success(request, _("The record was saved."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect(self.commissioner)
        return self.render_to_response(self.get_context_data(form=form))


class _CommissionerAction(LoginRequiredMixin, View):
    """A POST on one commissioner: visible (else 404), ``commissioner.manage`` (else 403)."""

    http_method_names = ["post"]
    form_class = None

    def post(self, request, *args, **kwargs):
        commissioner = _commissioner(request, kwargs["number"])
        policies.require(request.user, policies.COMMISSIONER_MANAGE, commissioner.municipality)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.act(commissioner, form.cleaned_data)
            except (ValidationError, CommissionerConflict) as error:
                form.add_error(None, error if isinstance(error, ValidationError) else str(error))
            else:
                return redirect(commissioner)
        # The commissioner's page again, with this form's errors (a GET view, so rendered here).
        page = CommissionerDetailView()
        page.setup(request, number=commissioner.number)
        context = page.get_context_data(commissioner=commissioner, **{self.form_name: form})
        return TemplateResponse(request, page.template_name, context)


class CommissionerAppointView(_CommissionerAction):
    form_class = AppointForm
    form_name = "appoint_form"

    def act(self, commissioner, data):
        commissioner_appoint(
            commissioner=commissioner,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            by=self.request.user,
            expected_version=data["version"],
        )
        messages.success(
            self.request,
            _("{name} is appointed until {date}.").format(
                name=commissioner.name, date=format_date(commissioner.term_ends_on)
            ),
        )


class CommissionerEndView(_CommissionerAction):
    form_class = EndForm
    form_name = "end_form"

    def act(self, commissioner, data):
        commissioner_end(
            commissioner=commissioner,
            status=data["status"],
            on=data["on"],
            by=self.request.user,
            expected_version=data["version"],
        )
        messages.success(self.request, _("{name} has left the register.").format(name=commissioner.name))


class CommissionerRecommendView(LoginRequiredMixin, TemplateView):
    """A municipality (or its center) records a recommendation; a complaint counselor moves 3-1."""

    template_name = "cooperation/commissioner_recommend.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not _areas_exist(request.user, policies.COMMISSIONER_RECOMMEND):
            raise policies.NotAllowed(request.user, policies.COMMISSIONER_RECOMMEND)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" not in context:
            form = RecommendationForm(user=self.request.user, initial={"recommended_on": today()})
            choices = form.fields["municipality"].queryset[:2]
            if len(choices) == 1:
                form.initial["municipality"] = choices[0]
            context["form"] = form
        return context

    def post(self, request, *args, **kwargs):
        form = RecommendationForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                commissioner = commissioner_recommend(
                    municipality=data["municipality"],
                    name=data["name"],
                    name_kana=data["name_kana"],
                    recommended_on=data["recommended_on"],
                    counselor_since=data["counselor_since"],
                    backgrounds=data["backgrounds"],
                    note=data["note"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("The recommendation of {name} was recorded.").format(name=commissioner.name)
                )
                for change in commissioner.progress_changes.select_related("progress__item"):
                    messages.success(
                        request,
                        _("Item {item} moved to “{stage}”, with the recommendation as evidence.").format(
                            item=change.progress.item.code, stage=change.get_to_stage_display()
                        ),
                    )
                return redirect(commissioner)
        return self.render_to_response(self.get_context_data(form=form))


class CommissionerAwardCreateView(LoginRequiredMixin, TemplateView):
    template_name = "cooperation/commissioneraward_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.commissioner = _commissioner(request, kwargs["number"])
        user = request.user
        if not (
            policies.can(user, policies.COMMISSIONER_MANAGE, self.commissioner.municipality)
            or _may_award(user, self.commissioner)
        ):
            raise policies.NotAllowed(user, policies.COMMISSIONER_AWARD, self.commissioner.municipality)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", AwardForm(user=self.request.user, commissioner=self.commissioner, initial={"awarded_on": today()})
        )
        context["commissioner"] = self.commissioner
        return context

    def post(self, request, *args, **kwargs):
        form = AwardForm(request.POST, user=request.user, commissioner=self.commissioner)
        if form.is_valid():
            try:
                award = commissioner_award_record(commissioner=self.commissioner, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The award “{title}” was recorded.").format(title=award.title))
                for change in award.progress_changes.select_related("progress__item", "progress__municipality"):
                    messages.success(
                        request,
                        _("{name}: item {item} moved to “{stage}”, with the award as evidence.").format(
                            name=change.progress.municipality.name,
                            item=change.progress.item.code,
                            stage=change.get_to_stage_display(),
                        ),
                    )
                return redirect(self.commissioner)
        return self.render_to_response(self.get_context_data(form=form))


# --- import ---------------------------------------------------------------------------------------------------------
