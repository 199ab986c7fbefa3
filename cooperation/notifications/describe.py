"""The sentence a notification shows, rendered in the active language from its stored data.

Only codes, dates, names of organisations and titles are stored, never a
referral's summary: what a notification (and so a mail) says cannot carry
personal information from a consultation.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cooperation.fiscal import format_date
from cooperation.notifications import kinds


def _date(value: str | None) -> str:
    if not value:
        return ""
    try:
        return format_date(datetime.date.fromisoformat(value))
    except ValueError:
        return value


def _stage(code: str) -> str:
    from cooperation.models import Stage

    try:
        return str(Stage(code).label)
    except ValueError:
        return code


def _choice(model_choices, code: str) -> str:
    try:
        return str(model_choices(code).label)
    except ValueError:
        return code


def describe(notification) -> str:
    from cooperation.models import Referral

    data = notification.data or {}
    name = notification.municipality.name if notification.municipality_id else ""
    kind = notification.kind
    if kind == kinds.REFERRAL_FILED:
        direction = data.get("direction")
        date, topic = _date(data.get("received_on")), _choice(Referral.Topic, data.get("topic", ""))
        if direction == Referral.Direction.TO_COMMISSIONER:
            return _(
                "{name} passed a consultation received on {date} to a commissioner of its area (topic: {topic}); "
                "record the commissioner's steps."
            ).format(name=name, date=date, topic=topic)
        if direction == Referral.Direction.TO_MUNICIPALITY:
            return _("The center passed a consultation received on {date} to {name} (topic: {topic}).").format(
                name=name, date=date, topic=topic
            )
        return _("{name} filed a referral received on {date} (topic: {topic}).").format(
            name=name, date=date, topic=topic
        )
    if kind == kinds.REFERRAL_MOVED:
        status = data.get("to_status")
        date = _date(data.get("received_on"))
        if data.get("step") == "reopened":
            return _("The referral of {name} received on {date} was reopened.").format(name=name, date=date)
        if status in (Referral.Status.ACKNOWLEDGED, Referral.Status.IN_PROGRESS):
            return _handling(data.get("direction"), status, name, date)
        if data.get("outcome") == Referral.Outcome.WITHDRAWN:
            return _("The referral of {name} received on {date} was withdrawn.").format(name=name, date=date)
        return _("The referral of {name} received on {date} was closed: {outcome}.").format(
            name=name, date=date, outcome=_choice(Referral.Outcome, data.get("outcome", ""))
        )
    if kind == kinds.STAGE_CHANGED:
        changes = data.get("changes", [])
        count = data.get("count", len(changes))
        listed = "、".join(f"{code} {_stage(old)} → {_stage(new)}" for code, old, new in changes)
        more = count - len(changes)
        text = ngettext(
            "{name}: {count} stage changed ({changes}).", "{name}: {count} stages changed ({changes}).", count
        ).format(name=name, count=count, changes=listed)
        if more > 0:
            text += " " + _("and {more} more").format(more=more)
        return text
    if kind == kinds.ACTIVITY_LOGGED:
        return _("An activity was logged for {name}: “{title}” on {date}.").format(
            name=name, title=data.get("title", ""), date=_date(data.get("date"))
        )
    if kind == kinds.FOLLOW_UP_DUE:
        return _("The follow-up of the activity “{title}” was due on {date}.").format(
            title=data.get("title", ""), date=_date(data.get("due"))
        )
    return data.get("text") or kinds.label(kind)


def _handling(direction, status: str, name: str, date: str) -> str:
    """Who acknowledged or started handling a referral: the center, a commissioner (recorded by it), the town."""
    acknowledged = status == "acknowledged"
    if direction == "to_commissioner":
        if acknowledged:
            return _("The commissioner acknowledged the referral of {name} received on {date}.").format(
                name=name, date=date
            )
        return _("The commissioner started handling the referral of {name} received on {date}.").format(
            name=name, date=date
        )
    if direction == "to_municipality":
        if acknowledged:
            return _("{name} acknowledged the referral received on {date}.").format(name=name, date=date)
        return _("{name} started handling the referral received on {date}.").format(name=name, date=date)
    if acknowledged:
        return _("The center acknowledged the referral of {name} received on {date}.").format(name=name, date=date)
    return _("The center started handling the referral of {name} received on {date}.").format(name=name, date=date)


def headline(notification) -> str:
    """A short title for the mail's subject, in the active language (no personal information either)."""
    from cooperation.models import Referral

    data = notification.data or {}
    name = notification.municipality.name if notification.municipality_id else ""
    kind = notification.kind
    if kind == kinds.REFERRAL_FILED:
        if data.get("direction") == Referral.Direction.TO_COMMISSIONER:
            return _("New referral from {name} to a commissioner").format(name=name)
        if data.get("direction") == Referral.Direction.TO_MUNICIPALITY:
            return _("New referral for {name}").format(name=name)
        return _("New referral from {name}").format(name=name)
    if kind == kinds.REFERRAL_MOVED:
        status = data.get("to_status")
        if data.get("step") == "reopened":
            return _("Referral of {name} reopened").format(name=name)
        if status == Referral.Status.ACKNOWLEDGED:
            return _("Referral of {name} acknowledged").format(name=name)
        if status == Referral.Status.IN_PROGRESS:
            return _("Referral of {name} being handled").format(name=name)
        if data.get("outcome") == Referral.Outcome.WITHDRAWN:
            return _("Referral of {name} withdrawn").format(name=name)
        return _("Referral of {name} closed").format(name=name)
    if kind == kinds.STAGE_CHANGED:
        return _("Stage changed for {name}").format(name=name)
    if kind == kinds.ACTIVITY_LOGGED:
        return _("Activity logged for {name}").format(name=name)
    if kind == kinds.FOLLOW_UP_DUE:
        return _("Follow-up due: {title}").format(title=data.get("title", ""))
    return kinds.label(kind)
