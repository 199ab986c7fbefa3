"""Disaster pages: declaring, the disaster page with agreed contacts, special offices and the daily report."""

from __future__ import annotations

import datetime
import io

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from cooperation.disasters import services
from cooperation.disasters.forms import CasesForm, CloseForm, DeclareForm, PreparednessForm, SpecialOfficeForm
from cooperation.disasters.models import Disaster, Preparedness
from cooperation.disasters.selectors import affected_contacts, daily_report
from cooperation.fiscal import today
from cooperation.sessions.models import Kind, Session, Venue
from cooperation.sessions.services import venue_create
from cooperation.sessions.views import require
from offices.models import Municipality, Office, Prefecture
from offices.policies import DISASTER_DECLARE, DISASTER_REPORT, PREPAREDNESS_RECORD, allowed_q, can


def _form_errors(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


class DisasterListView(LoginRequiredMixin, ListView):
    template_name = "cooperation/disaster_list.html"
    context_object_name = "disasters"

    def get_queryset(self):
        return Disaster.objects.visible_to(self.request.user).select_related("region").prefetch_related("prefectures")

    def get_context_data(self, **kwargs):
        return super().get_context_data(may_declare=can(self.request.user, DISASTER_DECLARE, None), **kwargs)


class DisasterCreateView(LoginRequiredMixin, FormView):
    form_class = DeclareForm
    template_name = "cooperation/session_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        require(can(request.user, DISASTER_DECLARE, None), _("Only headquarters and bureaus declare disasters."))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        prefectures = Prefecture.objects.filter(allowed_q(self.request.user, DISASTER_DECLARE))
        return {**super().get_form_kwargs(), "prefectures": prefectures}

    def get_initial(self):
        return {"started_on": today()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=_("Declare a disaster"), office=None, **kwargs)

    def form_valid(self, form):
        try:
            disaster = services.disaster_declare(by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The disaster was declared."))
        return redirect(disaster)


class DisasterScopedMixin(LoginRequiredMixin):
    def get_disaster(self):
        return get_object_or_404(Disaster.objects.visible_to(self.request.user), pk=self.kwargs["pk"])


class DisasterDetailView(LoginRequiredMixin, DetailView):
    """The disaster page: affected local governments with the contacts and venues they agreed (2-4), special offices."""

    template_name = "cooperation/disaster_detail.html"
    context_object_name = "disaster"

    def get_queryset(self):
        return Disaster.objects.visible_to(self.request.user).select_related("region").prefetch_related("prefectures")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        disaster, user = self.object, self.request.user
        contacts = list(affected_contacts(disaster, user))
        may_declare = can(user, DISASTER_DECLARE, None) and all(
            can(user, DISASTER_DECLARE, p) for p in disaster.prefectures.all()
        )
        context.update(
            contacts=contacts,
            agreed=sum(1 for m in contacts if hasattr(m, "preparedness")),
            report=daily_report(disaster),
            may_report=disaster.is_active and can(user, DISASTER_REPORT, disaster),
            may_close=disaster.is_active and may_declare,
            close_form=CloseForm(initial={"version": disaster.version, "ended_on": today()}),
        )
        return context


class DisasterCloseView(DisasterScopedMixin, View):
    def post(self, request, pk):
        disaster = self.get_disaster()
        require(
            all(can(request.user, DISASTER_DECLARE, p) for p in disaster.prefectures.all()),
            _("You may not close this disaster."),
        )
        form = CloseForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the closing date."))
            return redirect(disaster)
        try:
            services.disaster_close(by=request.user, disaster=disaster, **form.cleaned_data)
            messages.success(request, _("The disaster was closed."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect(disaster)


class SpecialOfficeCreateView(DisasterScopedMixin, FormView):
    form_class = SpecialOfficeForm
    template_name = "cooperation/session_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.disaster = self.get_disaster()
        require(can(request.user, DISASTER_REPORT, self.disaster), _("You may not open special offices here."))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        affected = Municipality.objects.editable_by(self.request.user).filter(disasters=self.disaster)
        offices = Office.objects.editable_by(self.request.user).filter(municipalities__in=affected).distinct()
        return {**super().get_form_kwargs(), "offices": offices, "municipalities": affected}

    def get_initial(self):
        return {"date": today(), "start_time": datetime.time(9), "end_time": datetime.time(17)}

    def get_context_data(self, **kwargs):
        heading = _("Open a special consultation office — {name}").format(name=self.disaster.name)
        return super().get_context_data(heading=heading, office=None, **kwargs)

    def form_valid(self, form):
        try:
            session = services.special_office_open(by=self.request.user, disaster=self.disaster, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The special office was opened."))
        return redirect("cooperation:specialoffice_cases", pk=session.pk)


class SpecialOfficeCasesView(LoginRequiredMixin, FormView):
    """Cases per day of one special office."""

    form_class = CasesForm
    template_name = "cooperation/specialoffice_cases.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.session = get_object_or_404(
            Session.objects.visible_to(request.user).filter(kind=Kind.SPECIAL_OFFICE).select_related("disaster"),
            pk=kwargs["pk"],
        )
        require(can(request.user, DISASTER_REPORT, self.session.disaster), _("You may not record these cases."))
        return super().dispatch(request, *args, **kwargs)

    def days(self):
        last = min(self.session.last_day, today())
        count = max((last - self.session.date).days + 1, 0)
        return [self.session.date + datetime.timedelta(days=n) for n in range(count)]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "days": self.days()}

    def get_initial(self):
        return {day.isoformat(): cases for day, cases in self.session.days.values_list("date", "cases")}

    def get_context_data(self, **kwargs):
        return super().get_context_data(session=self.session, disaster=self.session.disaster, **kwargs)

    def form_valid(self, form):
        try:
            services.special_office_cases_record(
                by=self.request.user, session=self.session, cases_by_day=form.cases_by_day()
            )
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The cases were recorded."))
        return redirect(self.session.disaster)


class DisasterReportView(DisasterScopedMixin, DetailView):
    """Daily report: sites open and cases per day, per prefecture and in total (``printed`` for A4)."""

    context_object_name = "disaster"

    def get_template_names(self):
        if self.kwargs.get("printed"):
            return ["cooperation/disaster_report_print.html"]
        return ["cooperation/disaster_report.html"]

    def get_object(self, queryset=None):
        return self.get_disaster()

    def get_context_data(self, **kwargs):
        return super().get_context_data(report=daily_report(self.object), **kwargs)


class DisasterReportXlsxView(DisasterScopedMixin, View):
    def get(self, request, pk):
        import xlsxwriter

        from cooperation.exports import neutralise

        disaster = self.get_disaster()
        report = daily_report(disaster)
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = book.add_worksheet(_("Daily report")[:31])
        bold = book.add_format({"bold": True})
        sheet.write(0, 0, neutralise(disaster.name), bold)
        header = [_("Date"), _("Sites open"), _("Cases")]
        for prefecture in report["prefectures"]:
            header += ["{} {}".format(prefecture.name, _("sites")), "{} {}".format(prefecture.name, _("cases"))]
        sheet.write_row(2, 0, header, bold)
        for index, row in enumerate(report["rows"], start=3):
            values = [row.day.isoformat(), row.sites, row.cases]
            for cell in row.cells:
                values += cell
            sheet.write_row(index, 0, values)
        sheet.write_row(3 + len(report["rows"]), 0, [_("Total"), report["sites"], report["total_cases"]], bold)
        sheet.set_column(0, 0, 12)
        book.close()
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="disaster-{disaster.pk}-daily.xlsx"'
        return response


class PreparednessUpdateView(LoginRequiredMixin, FormView):
    """Item 2-4 in peacetime: the local government's liaison contact, and the venues it agreed to offer."""

    form_class = PreparednessForm
    template_name = "cooperation/preparedness_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.municipality = get_object_or_404(Municipality.objects.visible_to(request.user), lg_code=kwargs["lg_code"])
        self.may_change = can(request.user, PREPAREDNESS_RECORD, self.municipality)
        if request.method == "POST":
            require(self.may_change, _("You may not change this local government's preparedness."))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Preparedness.objects.filter(municipality=self.municipality).first()
        return kwargs

    def get_context_data(self, **kwargs):
        from cooperation.sessions.forms import VenueForm

        return super().get_context_data(
            municipality=self.municipality,
            venues=Venue.objects.filter(municipality=self.municipality),
            venue_form=VenueForm(prefix="venue"),
            may_change=self.may_change,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "venue":
            from cooperation.sessions.forms import VenueForm

            venue_form = VenueForm(request.POST, prefix="venue")
            if venue_form.is_valid():
                try:
                    venue_create(by=request.user, municipality=self.municipality, **venue_form.cleaned_data)
                except ValidationError as error:
                    for message in error.messages:
                        venue_form.add_error(None, message)
                else:
                    messages.success(request, _("The venue was added."))
                    return redirect("cooperation:preparedness_update", lg_code=self.municipality.lg_code)
            return self.render_to_response(self.get_context_data(venue_form=venue_form))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.preparedness_record(by=self.request.user, municipality=self.municipality, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The agreed contact was saved."))
        return redirect("cooperation:preparedness_update", lg_code=self.municipality.lg_code)
