"""Demo notifications: a few unread ones in the demo accounts' inboxes, drawn from the demo data.

``generate()`` is called by the demo generator after it wrote the referrals
and stage changes; running it again replaces what it wrote before. The rows
are written directly (no mail is queued: the demo never sends mail on start).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from cooperation.notifications import kinds
from cooperation.notifications.models import Notification
from offices.models import Role, User

DEMO_USERNAMES = ["center-sapporo", "center-hakodate", "lg-012033", "lg-012025", "lg-011002", "pref-01"]


def _referral_rows(user: User, referrals, kind: str) -> list[Notification]:
    rows = []
    for referral in referrals:
        data = {"referral_id": referral.pk, "topic": referral.topic, "received_on": referral.received_on.isoformat()}
        if kind == kinds.REFERRAL_MOVED:
            data.update({"to_status": referral.status, "outcome": referral.outcome})
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                actor=referral.created_by,
                municipality=referral.municipality,
                url=reverse("cooperation:referral_detail", kwargs={"pk": referral.pk}),
                data=data,
                created_at=referral.closed_at or referral.created_at,
            )
        )
    return rows


def generate(*, per_user: int = 3) -> int:
    """Give each demo account present up to ``per_user`` unread notifications; returns how many."""
    from cooperation.models import ProgressChange, Referral

    users = list(User.objects.filter(username__in=DEMO_USERNAMES).prefetch_related("roles"))
    Notification.objects.filter(recipient__in=users).delete()
    rows: list[Notification] = []
    for user in users:
        role = user.roles.all()[0] if user.roles.all() else None
        if role is None:
            continue
        if role.kind == Role.Kind.CENTER:
            referrals = (
                Referral.objects.filter(office_id=role.office_id)
                .select_related("municipality", "created_by")
                .order_by("-created_at", "-id")[:per_user]
            )
            rows += _referral_rows(user, referrals, kinds.REFERRAL_FILED)
        elif role.kind == Role.Kind.MUNICIPALITY:
            referrals = (
                Referral.objects.filter(municipality_id=role.municipality_id, status=Referral.Status.CLOSED)
                .select_related("municipality", "created_by")
                .order_by("-closed_at", "-id")[:1]
            )
            rows += _referral_rows(user, referrals, kinds.REFERRAL_MOVED)
            for change in (
                ProgressChange.objects.filter(progress__municipality_id=role.municipality_id)
                .select_related("progress__municipality", "progress__item")
                .order_by("-recorded_at", "-id")[: per_user - len(referrals)]
            ):
                rows.append(
                    Notification(
                        recipient=user,
                        kind=kinds.STAGE_CHANGED,
                        actor=change.recorded_by,
                        municipality=change.progress.municipality,
                        url=change.progress.municipality.get_absolute_url(),
                        data={
                            "changes": [[change.progress.item.code, change.from_stage, change.to_stage]],
                            "count": 1,
                        },
                        created_at=change.recorded_at or timezone.now(),
                    )
                )
    Notification.objects.bulk_create(rows, batch_size=500)
    return len(rows)
