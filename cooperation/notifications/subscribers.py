"""Domain events → inbox rows (and mail queued), for the people the issue names and nobody else.

- a referral filed → the staff of the center that serves the local government;
- a referral acknowledged, handled or closed (with its outcome; withdrawn is
  an outcome) → the officers of the local government that filed it;
- a stage changed by someone other than the local government's own officers
  → its officers; changed by its officers → its center's staff;
- an activity logged for local governments → their officers.

Changes made by the system itself (``by=None``: data loads, backfills, the
demo generator, an import command run without ``--user``) notify nobody.
Each subscriber costs a few queries, however many rows the event covers.
"""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse

from cooperation.events import ACTIVITY_LOGGED, PROGRESS_CHANGED, REFERRAL_FILED, REFERRAL_MOVED
from cooperation.notifications import kinds
from cooperation.notifications.models import Notification
from cooperation.notifications.recipients import officers_by_municipality, staff_by_office
from cooperation.notifications.services import notifications_create, notifications_store
from offices import events
from offices.db import chunks

STAGE_CHANGES_LISTED = 10


@events.subscribe(REFERRAL_FILED)
def referral_filed(event: events.Event) -> None:
    from cooperation.models import Referral

    if event.actor_id is None:
        return
    referral = Referral.objects.filter(pk=event.data["referral_id"]).values("office_id", "topic", "received_on").first()
    if referral is None:
        return
    notifications_create(
        kind=kinds.REFERRAL_FILED,
        recipient_ids=staff_by_office([referral["office_id"]]).get(referral["office_id"], set()),
        actor_id=event.actor_id,
        municipality_id=event.data["municipality_id"],
        url=reverse("cooperation:referral_detail", kwargs={"pk": event.data["referral_id"]}),
        data={
            "referral_id": event.data["referral_id"],
            "topic": referral["topic"],
            "received_on": referral["received_on"].isoformat(),
        },
    )


@events.subscribe(REFERRAL_MOVED)
def referral_moved(event: events.Event) -> None:
    from cooperation.models import Referral

    if event.actor_id is None:
        return
    municipality_id = event.data["municipality_id"]
    received_on = Referral.objects.filter(pk=event.data["referral_id"]).values_list("received_on", flat=True).first()
    notifications_create(
        kind=kinds.REFERRAL_MOVED,
        recipient_ids=officers_by_municipality([municipality_id]).get(municipality_id, set()),
        actor_id=event.actor_id,
        municipality_id=municipality_id,
        url=reverse("cooperation:referral_detail", kwargs={"pk": event.data["referral_id"]}),
        data={
            "referral_id": event.data["referral_id"],
            "to_status": event.data["to_status"],
            "outcome": event.data.get("outcome", ""),
            "received_on": received_on.isoformat() if received_on else "",
        },
    )


@events.subscribe(PROGRESS_CHANGED)
def progress_changed(event: events.Event) -> None:
    from cooperation.models import ProgressChange

    if event.actor_id is None:
        return
    per_municipality: dict[int, list] = defaultdict(list)
    offices: dict[int, int] = {}
    codes: dict[int, str] = {}
    for chunk in chunks(event.data.get("change_ids", [])):
        for municipality_id, office_id, lg_code, code, old, new in (
            ProgressChange.objects.filter(pk__in=chunk)
            .order_by("progress__item__sort_order", "id")
            .values_list(
                "progress__municipality_id",
                "progress__municipality__office_id",
                "progress__municipality__lg_code",
                "progress__item__code",
                "from_stage",
                "to_stage",
            )
        ):
            per_municipality[municipality_id].append([code, old, new])
            offices[municipality_id] = office_id
            codes[municipality_id] = lg_code
    if not per_municipality:
        return
    officers = officers_by_municipality(per_municipality)
    staff = None
    rows = []
    for municipality_id, changes in per_municipality.items():
        own = officers.get(municipality_id, set())
        if event.actor_id in own:
            if staff is None:
                staff = staff_by_office(offices.values())
            recipients = staff.get(offices[municipality_id], set())
        else:
            recipients = own
        url = reverse("cooperation:municipality_detail", kwargs={"lg_code": codes[municipality_id]})
        data = {"changes": changes[:STAGE_CHANGES_LISTED], "count": len(changes)}
        rows += [
            Notification(
                recipient_id=user_id,
                kind=kinds.STAGE_CHANGED,
                actor_id=event.actor_id,
                municipality_id=municipality_id,
                url=url,
                data=data,
                created_at=event.at,
            )
            for user_id in sorted(recipients - {event.actor_id})
        ]
    notifications_store(rows)


@events.subscribe(ACTIVITY_LOGGED)
def activity_logged(event: events.Event) -> None:
    from cooperation.models import Activity

    if event.actor_id is None:
        return
    activity = Activity.objects.filter(pk=event.data["activity_id"]).values("title", "date").first()
    if activity is None:
        return
    officers = officers_by_municipality(event.data.get("municipality_ids", []))
    url = reverse("cooperation:activity_detail", kwargs={"pk": event.data["activity_id"]})
    data = {"activity_id": event.data["activity_id"], "title": activity["title"], "date": activity["date"].isoformat()}
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kinds.ACTIVITY_LOGGED,
            actor_id=event.actor_id,
            municipality_id=municipality_id,
            url=url,
            data=data,
            created_at=event.at,
        )
        for municipality_id, recipients in sorted(officers.items())
        for user_id in sorted(recipients - {event.actor_id})
    ]
    notifications_store(rows)
