"""The calendar as iCalendar (RFC 5545), written with the ``icalendar`` library.

Each session is one VEVENT whose UID stays the same across edits (SEQUENCE
is the session's version), so Outlook and Thunderbird update it in place. The
feed says what is on the calendar and where: title, times, venue, center,
participating local governments and agencies, status. It never names a
person (no creator, no officer who confirmed).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vText

STATUS = {"proposed": "TENTATIVE", "planned": "CONFIRMED", "held": "CONFIRMED", "cancelled": "CANCELLED"}


def session_uid(session) -> str:
    return "session-{}@{}".format(session.pk, getattr(settings, "CALENDAR_UID_DOMAIN", "cooperation.soumu.go.jp"))


def calendar_ics(sessions, *, name: str) -> bytes:
    """An iCalendar document of ``sessions`` (already scoped to what the feed's user may see)."""
    cal = Calendar()
    cal.add("prodid", "-//MIC Administrative Evaluation Bureau//cooperation tracker//JA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for session in sessions:
        event = Event()
        event.add("uid", session_uid(session))
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", session.title)
        event.add("status", STATUS.get(session.status, "CONFIRMED"))
        event.add("sequence", session.version)
        event.add("last-modified", session.updated_at)
        event.add("categories", [session.get_kind_display()])
        if session.venue is not None:
            event.add("location", vText(f"{session.venue.name} {session.venue.address}".strip()))
        lines = [
            "{}: {}".format(_("Center"), session.office.label),
            "{}: {}".format(_("Status"), session.get_status_display()),
            "{}: {}".format(_("Local governments"), "、".join(p.municipality.name for p in session.participants.all())),
        ]
        agencies = [agency.name for agency in session.agencies.all()]
        if agencies:
            lines.append("{}: {}".format(_("Agencies"), "、".join(agencies)))
        if session.disaster_id:
            lines.append("{}: {}".format(_("Disaster"), session.disaster.name))
        event.add("description", "\n".join(lines))
        cal.add_component(event)
    # A VTIMEZONE for every TZID used: Outlook needs it to place the times.
    cal.add_missing_timezones()
    return cal.to_ical()
