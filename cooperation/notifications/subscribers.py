"""Domain events → inbox rows (and mail queued), for the people the issue names and nobody else.

- a referral filed → the receiving side: the staff of the center that serves
  the local government for a referral to the center or to a commissioner of
  its area (the center records the commissioner's steps), the local
  government's officers for one the center passes to it;
- a referral acknowledged, handled, closed (with its outcome; withdrawn is
  an outcome) or reopened → the other side than whoever did it: the local
  government's officers when the center acted, the center's staff when the
  local government's officers did;
- a stage changed by someone other than the local government's own officers
  → its officers; changed by its officers → its center's staff;
- an activity logged for local governments → their officers.

Changes made by the system itself (``by=None``: data loads, backfills, the
demo generator, an import command run without ``--user``) notify nobody.

The subscriber runs after commit inside the request, so it only queues one
task (one INSERT): finding the recipients and writing the inbox rows happens
in the worker (``fan_out``), a second later. Writing them in the request made
filing a referral 1.5× slower in the benchmark (bench/notifications.py); a
survey import of 15,000 changes would pay far more.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.urls import reverse

from cooperation.events import ACTIVITY_LOGGED, PROGRESS_CHANGED, REFERRAL_FILED, REFERRAL_MOVED
from cooperation.notifications import kinds
from cooperation.notifications.models import Notification
from cooperation.notifications.recipients import officers_by_municipality, staff_by_office
from cooperation.notifications.services import notifications_create, notifications_store
from offices import events
from offices.db import chunks
from offices.models import Municipality

STAGE_CHANGES_LISTED = 10


@events.subscribe(REFERRAL_FILED, REFERRAL_MOVED, PROGRESS_CHANGED, ACTIVITY_LOGGED)
def queue_fan_out(event: events.Event) -> None:
    """Queue the fan-out of an event done by a person (never the system)."""
    from cooperation.notifications.tasks import fan_out

    if event.actor_id is None or not settings.NOTIFICATIONS_ENABLED:
        return
    fan_out.enqueue(event.code, event.actor_id, event.at.isoformat(), event.data)


def fan_out_event(*, code: str, actor_id: int, at: datetime.datetime, data: dict) -> list[Notification]:
    """Write the inbox rows of one event (run by the worker); returns them."""
    handler = HANDLERS.get(code)
    return handler(actor_id=actor_id, at=at, data=data) if handler is not None else []


def referral_filed(*, actor_id: int, at: datetime.datetime, data: dict) -> list[Notification]:
    from cooperation.models import Referral

    referral = (
        Referral.objects.filter(pk=data["referral_id"])
        .values("office_id", "municipality_id", "topic", "received_on", "direction")
        .first()
    )
    if referral is None:
        return []
    if referral["direction"] == Referral.Direction.TO_MUNICIPALITY:
        recipients = officers_by_municipality([referral["municipality_id"]]).get(referral["municipality_id"], set())
    else:
        recipients = staff_by_office([referral["office_id"]]).get(referral["office_id"], set())
    return notifications_create(
        kind=kinds.REFERRAL_FILED,
        recipient_ids=recipients,
        actor_id=actor_id,
        municipality_id=data["municipality_id"],
        url=reverse("cooperation:referral_detail", kwargs={"pk": data["referral_id"]}),
        created_at=at,
        data={
            "referral_id": data["referral_id"],
            "topic": referral["topic"],
            "received_on": referral["received_on"].isoformat(),
            "direction": referral["direction"],
        },
    )


def referral_moved(*, actor_id: int, at: datetime.datetime, data: dict) -> list[Notification]:
    from cooperation.models import Referral

    municipality_id = data["municipality_id"]
    received_on = Referral.objects.filter(pk=data["referral_id"]).values_list("received_on", flat=True).first()
    recipients = officers_by_municipality([municipality_id]).get(municipality_id, set())
    if actor_id in recipients:
        recipients = staff_by_office([data["office_id"]]).get(data["office_id"], set())
    return notifications_create(
        kind=kinds.REFERRAL_MOVED,
        recipient_ids=recipients,
        actor_id=actor_id,
        municipality_id=municipality_id,
        url=reverse("cooperation:referral_detail", kwargs={"pk": data["referral_id"]}),
        created_at=at,
        data={
            "referral_id": data["referral_id"],
            "to_status": data["to_status"],
            "outcome": data.get("outcome", ""),
            "step": data.get("step", ""),
            "direction": data.get("direction", ""),
            "received_on": received_on.isoformat() if received_on else "",
        },
    )


def progress_changed(*, actor_id: int, at: datetime.datetime, data: dict) -> list[Notification]:
    from cooperation.models import ProgressChange

    per_municipality: dict[int, list] = defaultdict(list)
    offices: dict[int, int] = {}
    codes: dict[int, str] = {}
    governments: dict[int, int] = {}
    for chunk in chunks(data.get("change_ids", [])):
        for municipality_id, office_id, lg_code, kind, prefecture_id, code, old, new in (
            ProgressChange.objects.filter(pk__in=chunk)
            .order_by("progress__item__sort_order", "id")
            .values_list(
                "progress__municipality_id",
                "progress__municipality__office_id",
                "progress__municipality__lg_code",
                "progress__municipality__kind",
                "progress__municipality__prefecture_id",
                "progress__item__code",
                "from_stage",
                "to_stage",
            )
        ):
            per_municipality[municipality_id].append([code, old, new])
            offices[municipality_id] = office_id
            codes[municipality_id] = lg_code
            if kind == Municipality.Kind.PREFECTURE:
                governments[prefecture_id] = municipality_id
    if not per_municipality:
        return []
    officers = officers_by_municipality(per_municipality, governments=governments)
    staff = None
    rows = []
    for municipality_id, changes in per_municipality.items():
        own = officers.get(municipality_id, set())
        if actor_id in own:
            if staff is None:
                staff = staff_by_office(offices.values())
            recipients = staff.get(offices[municipality_id], set())
        else:
            recipients = own
        url = reverse("cooperation:municipality_detail", kwargs={"lg_code": codes[municipality_id]})
        detail = {"changes": changes[:STAGE_CHANGES_LISTED], "count": len(changes)}
        rows += [
            Notification(
                recipient_id=user_id,
                kind=kinds.STAGE_CHANGED,
                actor_id=actor_id,
                municipality_id=municipality_id,
                url=url,
                data=detail,
                created_at=at,
            )
            for user_id in sorted(recipients - {actor_id})
        ]
    return notifications_store(rows)


def activity_logged(*, actor_id: int, at: datetime.datetime, data: dict) -> list[Notification]:
    from cooperation.models import Activity

    activity = Activity.objects.filter(pk=data["activity_id"]).values("title", "date").first()
    if activity is None:
        return []
    officers = officers_by_municipality(data.get("municipality_ids", []))
    url = reverse("cooperation:activity_detail", kwargs={"pk": data["activity_id"]})
    detail = {"activity_id": data["activity_id"], "title": activity["title"], "date": activity["date"].isoformat()}
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kinds.ACTIVITY_LOGGED,
            actor_id=actor_id,
            municipality_id=municipality_id,
            url=url,
            data=detail,
            created_at=at,
        )
        for municipality_id, recipients in sorted(officers.items())
        for user_id in sorted(recipients - {actor_id})
    ]
    return notifications_store(rows)


HANDLERS = {
    REFERRAL_FILED: referral_filed,
    REFERRAL_MOVED: referral_moved,
    PROGRESS_CHANGED: progress_changed,
    ACTIVITY_LOGGED: activity_logged,
}
