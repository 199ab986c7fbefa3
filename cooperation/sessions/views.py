"""The shared calendar: month, list and print views, session pages and forms, iCal feeds."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView

from cooperation.fiscal import today
from cooperation.sessions import series as series_services
from cooperation.sessions import services
from cooperation.sessions.forms import (
    HoldForm,
    ProposeForm,
    SeriesForm,
    SeriesUpdateForm,
    SessionForm,
    SessionUpdateForm,
)
from cooperation.sessions.models import Kind, Participant, Session, SessionSeries
from offices.models import Municipality, Office
from offices.policies import SESSION_CONFIRM, SESSION_PLAN, SESSION_PROPOSE, allowed_q, can


def require(condition: bool, message: str = "") -> None:
    """403 unless ``condition``: the explicit check after scope (read-only users, wrong role)."""
    if not condition:
        raise PermissionDenied(message)


def _form_errors(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


class SessionDetailView(LoginRequiredMixin, DetailView):
    template_name = "cooperation/session_detail.html"
    context_object_name = "session"

    def get_queryset(self):
        return (
            Session.objects.visible_to(self.request.user)
            .select_related("office", "venue__municipality", "series", "disaster", "activity")
            .prefetch_related(
                Prefetch("participants", queryset=Participant.objects.select_related("municipality")),
                "agencies",
                "figures",
                "days",
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session, user = self.object, self.request.user
        may_plan = can(user, SESSION_PLAN, session.office_id)
        own = set(Municipality.objects.filter(allowed_q(user, SESSION_CONFIRM)).values_list("pk", flat=True))
        confirmable = [p for p in session.participants.all() if p.municipality_id in own and p.confirmed_at is None]
        planned = session.status == Session.Status.PLANNED
        context.update(
            may_plan=may_plan and session.kind != Kind.SPECIAL_OFFICE,
            may_hold=may_plan and planned and session.kind != Kind.SPECIAL_OFFICE and session.date <= today(),
            may_cancel=may_plan and session.status in (Session.Status.PLANNED, Session.Status.PROPOSED),
            may_accept=may_plan and session.status == Session.Status.PROPOSED,
            confirmable=confirmable if session.status in (Session.Status.PLANNED, Session.Status.PROPOSED) else [],
        )
        return context


def _writable_office(request):
    """The center from ``?office=`` (or the user's only one): 404 outside the write scope; 403 for non-planners.

    None when the user plans for several centers and named none: the page asks which.
    """
    require(can(request.user, SESSION_PLAN, None), _("Only ministry staff plan sessions."))
    writable = Office.objects.filter(allowed_q(request.user, SESSION_PLAN))
    code = request.GET.get("office")
    if code:
        return get_object_or_404(writable, code=code)
    only = list(writable[:2])
    return only[0] if len(only) == 1 else None


class PlanFormMixin(LoginRequiredMixin):
    template_name = "cooperation/session_form.html"
    heading = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.office = self.get_office()
        if self.office is None:
            if request.method != "GET":
                raise Http404
            offices = Office.objects.filter(allowed_q(request.user, SESSION_PLAN))
            return TemplateResponse(
                request, "cooperation/session_office_choice.html", {"offices": offices, "heading": self.heading}
            )
        return super().dispatch(request, *args, **kwargs)

    def get_office(self):
        return _writable_office(self.request)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "office": self.office}

    def get_context_data(self, **kwargs):
        return super().get_context_data(office=self.office, heading=self.heading, **kwargs)

    def form_values(self, form, exclude=()):
        return {key: value for key, value in form.cleaned_data.items() if key not in exclude}


class SessionSeriesCreateView(PlanFormMixin, FormView):
    form_class = SeriesForm

    @property
    def heading(self):
        return _("Plan a series of sessions")

    def get_initial(self):
        initial = {"start_time": datetime.time(10), "end_time": datetime.time(15), "starts_on": today()}
        code = self.request.GET.get("municipality")
        if code:
            initial["municipalities"] = list(Municipality.objects.filter(lg_code=code, office=self.office))
        return initial

    def form_valid(self, form):
        try:
            series = series_services.session_series_create(
                by=self.request.user, office=self.office, **self.form_values(form)
            )
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The series was planned with {count} sessions.").format(count=series.sessions.count()),
        )
        return redirect(series)


class SessionCreateView(PlanFormMixin, FormView):
    form_class = SessionForm

    @property
    def heading(self):
        return _("Plan a session")

    def get_initial(self):
        return {"start_time": datetime.time(10), "end_time": datetime.time(15), "date": today()}

    def form_valid(self, form):
        try:
            session = services.session_create(by=self.request.user, office=self.office, **self.form_values(form))
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The session was planned."))
        return redirect(session)


class SessionSeriesDetailView(LoginRequiredMixin, DetailView):
    template_name = "cooperation/sessionseries_detail.html"
    context_object_name = "series"

    def get_queryset(self):
        visible = Session.objects.visible_to(self.request.user).values("series")
        return (
            SessionSeries.objects.filter(pk__in=visible)
            .select_related("office", "venue")
            .prefetch_related("municipalities", "agencies")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            occurrences=self.object.sessions.select_related("venue").order_by("date"),
            may_plan=can(self.request.user, SESSION_PLAN, self.object.office_id),
        )
        return context


class SessionSeriesUpdateView(PlanFormMixin, FormView):
    form_class = SeriesUpdateForm

    @property
    def heading(self):
        return _("Change the series “{title}”").format(title=self.series.title)

    def get_office(self):
        visible = Session.objects.visible_to(self.request.user).values("series")
        self.series = get_object_or_404(SessionSeries.objects.filter(pk__in=visible), pk=self.kwargs["pk"])
        require(can(self.request.user, SESSION_PLAN, self.series.office_id), _("You may not change this series."))
        return self.series.office

    def get_initial(self):
        series = self.series
        return {
            "version": series.version,
            "title": series.title,
            "ends_on": series.ends_on,
            "start_time": series.start_time,
            "end_time": series.end_time,
            "venue": series.venue,
            "municipalities": list(series.municipalities.all()),
            "agencies": list(series.agencies.all()),
            "note": series.note,
        }

    def form_valid(self, form):
        try:
            result = series_services.session_series_update(
                by=self.request.user, series=self.series, **self.form_values(form)
            )
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("{changed} sessions changed, {added} added, {removed} removed.").format(**result),
        )
        if result["kept"]:
            messages.warning(
                self.request,
                _("Left as they are (held, cancelled or edited on their own): {dates}.").format(
                    dates="、".join(str(s.date) for s in result["kept"])
                ),
            )
        return redirect(self.series)


class SessionUpdateView(PlanFormMixin, FormView):
    form_class = SessionUpdateForm

    @property
    def heading(self):
        return _("Change the session of {date}").format(date=self.session.date)

    def get_office(self):
        self.session = get_object_or_404(Session.objects.visible_to(self.request.user), pk=self.kwargs["pk"])
        require(
            can(self.request.user, SESSION_PLAN, self.session.office_id) and self.session.kind != Kind.SPECIAL_OFFICE,
            _("You may not change this session."),
        )
        return self.session.office

    def get_initial(self):
        session = self.session
        return {
            "version": session.version,
            "title": session.title,
            "date": session.date,
            "start_time": session.start_time,
            "end_time": session.end_time,
            "venue": session.venue,
            "municipalities": [p.municipality for p in session.participants.select_related("municipality")],
            "agencies": list(session.agencies.all()),
            "note": session.note,
        }

    def form_valid(self, form):
        try:
            services.session_update(by=self.request.user, session=self.session, **self.form_values(form))
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The session was changed."))
        return redirect(self.session)


class SessionHoldView(LoginRequiredMixin, FormView):
    """Mark a session held with its figures: it becomes the 2-2 activity."""

    form_class = HoldForm
    template_name = "cooperation/session_hold.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.session = get_object_or_404(Session.objects.visible_to(request.user), pk=kwargs["pk"])
        require(can(request.user, SESSION_PLAN, self.session.office_id), _("You may not record this session."))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"version": self.session.version}

    def get_context_data(self, **kwargs):
        return super().get_context_data(session=self.session, **kwargs)

    def form_valid(self, form):
        try:
            services.session_hold(
                by=self.request.user,
                session=self.session,
                version=form.cleaned_data["version"],
                figures=form.figures(),
                commissioners_present=form.cleaned_data["commissioners_present"],
                summary=form.cleaned_data["summary"],
            )
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The session was recorded as held; item 2-2 moved with it as evidence."))
        return redirect(self.session)


class SessionTransitionView(LoginRequiredMixin, View):
    """POST: ``cancel`` or ``accept`` (center staff), ``confirm`` (the officer of a participating local government)."""

    def post(self, request, pk, action):
        session = get_object_or_404(Session.objects.visible_to(request.user), pk=pk)
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            if action == "confirm":
                participant = (
                    session.participants.filter(
                        municipality__in=Municipality.objects.filter(allowed_q(request.user, SESSION_CONFIRM))
                    )
                    .select_related("municipality")
                    .first()
                )
                require(participant is not None, _("Only a participating local government confirms a session."))
                services.session_confirm(by=request.user, session=session, municipality=participant.municipality)
                messages.success(
                    request, _("You confirmed that {name} takes part.").format(name=participant.municipality)
                )
            elif action in ("cancel", "accept"):
                require(can(request.user, SESSION_PLAN, session.office_id), _("You may not change this session."))
                if action == "cancel":
                    services.session_cancel(
                        by=request.user, session=session, version=version, reason=request.POST.get("reason", "")[:500]
                    )
                    messages.success(request, _("The session was cancelled."))
                else:
                    services.session_accept(by=request.user, session=session, version=version)
                    messages.success(request, _("The proposed session is now planned."))
            else:
                raise Http404
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect(session)


class SessionProposeView(LoginRequiredMixin, FormView):
    """A local government officer proposes a session to the center (``?municipality=`` when several)."""

    form_class = ProposeForm
    template_name = "cooperation/session_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        require(can(request.user, SESSION_PROPOSE, None), _("Only local government officers propose sessions."))
        own = Municipality.objects.filter(allowed_q(request.user, SESSION_PROPOSE))
        code = request.GET.get("municipality")
        self.municipality = get_object_or_404(own, lg_code=code) if code else own.first()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "municipality": self.municipality}

    def get_initial(self):
        return {"start_time": datetime.time(10), "end_time": datetime.time(15)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=_("Propose a session to the center"), office=None, **kwargs)

    def form_valid(self, form):
        try:
            session = services.session_propose(
                by=self.request.user, municipality=self.municipality, **form.cleaned_data
            )
        except ValidationError as error:
            _form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The session was proposed to the center."))
        return redirect(session)
