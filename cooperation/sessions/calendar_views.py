"""The shared calendar: month, list and A4 print views within scope, and the iCal feeds behind secret addresses."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from cooperation.fiscal import today
from cooperation.sessions import feeds
from cooperation.sessions.ical import calendar_ics
from cooperation.sessions.models import CalendarFeed, Kind, Session
from cooperation.sessions.selectors import calendar_sessions, month_bounds, month_weeks
from offices.models import Municipality, Office, Prefecture
from offices.policies import SESSION_PLAN, SESSION_PROPOSE, can

FEED_PAST_DAYS = 92
FEED_FUTURE_DAYS = 400


class CalendarFilterMixin(LoginRequiredMixin):
    """Reads ``office``, ``prefecture``, ``municipality``, ``kind``, ``status``; one outside the scope is a 404."""

    def filters(self) -> dict:
        user, params = self.request.user, self.request.GET
        found = {"office": None, "prefecture": None, "municipality": None}
        if params.get("office"):
            found["office"] = get_object_or_404(Office.objects.visible_to(user), code=params["office"])
        if params.get("prefecture"):
            found["prefecture"] = get_object_or_404(Prefecture, code=params["prefecture"])
            if not Municipality.objects.visible_to(user).filter(prefecture=found["prefecture"]).exists():
                raise Http404
        if params.get("municipality"):
            found["municipality"] = get_object_or_404(
                Municipality.objects.visible_to(user), lg_code=params["municipality"]
            )
        found["kind"] = params.get("kind") if params.get("kind") in Kind.values else ""
        found["status"] = params.get("status") if params.get("status") in Session.Status.values else ""
        return found

    def month(self) -> tuple[int, int]:
        try:
            year, month = (int(part) for part in self.request.GET.get("month", "").split("-"))
            datetime.date(year, month, 1)
        except ValueError:
            day = today()
            return day.year, day.month
        return year, month

    def filter_context(self, filters: dict) -> dict:
        query = {
            key: getattr(value, "code", getattr(value, "lg_code", value)) for key, value in filters.items() if value
        }
        querystring = "&".join(f"{key}={value}" for key, value in query.items())
        return {
            "filters": filters,
            "filter_query": querystring,
            "kinds": Kind.choices,
            "statuses": Session.Status.choices,
            "may_plan": can(self.request.user, SESSION_PLAN, None),
            "may_propose": can(self.request.user, SESSION_PROPOSE, None),
        }


class SessionCalendarView(CalendarFilterMixin, TemplateView):
    """Month view of the sessions in scope (per center, prefecture or local government)."""

    template_name = "cooperation/session_calendar.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = self.filters()
        year, month = self.month()
        first, last = month_bounds(year, month)
        sessions = list(calendar_sessions(self.request.user, first, last, **filters))
        previous = first - datetime.timedelta(days=1)
        following = last + datetime.timedelta(days=1)
        context.update(
            self.filter_context(filters),
            weeks=month_weeks(year, month, sessions),
            weekdays=[WEEKDAYS_ABBR[index] for index in range(7)],
            sessions=sessions,
            month_start=first,
            previous_month=f"{previous.year}-{previous.month:02d}",
            next_month=f"{following.year}-{following.month:02d}",
            this_month=f"{year}-{month:02d}",
        )
        return context


class SessionListView(CalendarFilterMixin, TemplateView):
    """The sessions of a period as a list (``from``/``to``, default: this month and the next two); ``print`` for A4."""

    template_name = "cooperation/session_list.html"
    print_template_name = "cooperation/session_print.html"

    def get_template_names(self):
        return [self.print_template_name if self.kwargs.get("printed") else self.template_name]

    def period(self) -> tuple[datetime.date, datetime.date]:
        start, _end = month_bounds(*self.month())
        first, last = start, (start + datetime.timedelta(days=92)).replace(day=1) - datetime.timedelta(days=1)
        for name in ("from", "to"):
            try:
                value = datetime.date.fromisoformat(self.request.GET.get(name, ""))
            except ValueError:
                continue
            first, last = (value, last) if name == "from" else (first, value)
        if last < first or (last - first).days > 400:
            last = first + datetime.timedelta(days=92)
        return first, last

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = self.filters()
        first, last = self.period()
        sessions = list(calendar_sessions(self.request.user, first, last, **filters))
        context.update(self.filter_context(filters), sessions=sessions, first=first, last=last)
        return context


class CalendarFeedListView(LoginRequiredMixin, TemplateView):
    """The user's feed addresses; POST ``make`` (optionally ``office``), ``renew`` or ``revoke`` a ``feed``.

    Only the hash of an address is kept, so a new one is shown once: the POST
    keeps it in the user's session and redirects, and the page after it takes
    it out of the session as it shows it.
    """

    template_name = "cooperation/calendarfeed_list.html"
    SESSION_KEY = "calendar_feed_new_token"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        token = self.request.session.pop(self.SESSION_KEY, None)
        context.update(
            feeds=CalendarFeed.objects.filter(user=self.request.user).select_related("office"),
            offices=Office.objects.visible_to(self.request.user),
            new_url=(
                self.request.build_absolute_uri(reverse("cooperation:calendarfeed_ics", args=[token])) if token else ""
            ),
        )
        return context

    def post(self, request):
        action = request.POST.get("action")
        try:
            if action == "make":
                office = None
                if request.POST.get("office"):
                    office = get_object_or_404(Office.objects.visible_to(request.user), code=request.POST["office"])
                _feed, request.session[self.SESSION_KEY] = feeds.calendar_feed_create(by=request.user, office=office)
            elif action in ("renew", "revoke"):
                mine = CalendarFeed.objects.filter(user=request.user)
                feed = get_object_or_404(mine, pk=request.POST.get("feed") or 0)
                if action == "renew":
                    _feed, request.session[self.SESSION_KEY] = feeds.calendar_feed_renew(by=request.user, feed=feed)
                else:
                    feeds.calendar_feed_revoke(by=request.user, feed=feed)
                    messages.success(request, _("The address was revoked: calendars using it get nothing more."))
            else:
                raise Http404
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("cooperation:calendarfeed_list")


class CalendarFeedIcsView(View):
    """The iCal feed behind a secret address: no sign-in, the token stands for its user; 404 for any other."""

    def get(self, request, token):
        feed = feeds.calendar_feed_resolve(token)
        if feed is None:
            raise Http404
        user = feed.user
        day = today()
        first, last = day - datetime.timedelta(days=FEED_PAST_DAYS), day + datetime.timedelta(days=FEED_FUTURE_DAYS)
        office = None
        if feed.office_id is not None:
            office = Office.objects.visible_to(user).filter(pk=feed.office_id).first()
            if office is None:
                raise Http404
        sessions = calendar_sessions(user, first, last, office=office)
        name = _("Consultation sessions") + (f" — {office.label}" if office else "")
        response = HttpResponse(calendar_ics(sessions, name=name), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="sessions.ics"'
        response["Cache-Control"] = "private, no-store"
        return response
