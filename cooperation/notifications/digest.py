"""The daily digest and the daily reminders (run by ``manage.py send_digests`` or the ``send_digests`` task).

The digest of one user gathers, since their last digest (or the last day):

- their notifications of the kinds they chose to get in the digest;
- for center staff and prefecture officers, their scope: the stage changes
  recorded, the referrals still open after ``NOTIFICATIONS_REFERRAL_OPEN_DAYS``,
  and the items that stalled. Stalled means started (検討中 or 調整中, below
  実施) and unchanged for ``NOTIFICATIONS_STALLED_DAYS`` (12 months): an item
  nobody ever started is not stalled, so a center is not shown every local
  government it serves.

A digest with nothing in it is not sent. Mail is queued (``deliver_mail``)
so it is retried like every other mail.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cooperation.fiscal import format_date, today
from cooperation.notifications import kinds
from cooperation.notifications.kinds import Delivery
from cooperation.notifications.mail import absolute, format_moment
from cooperation.notifications.models import Notification, NotificationPreference, OutgoingMail
from cooperation.notifications.recipients import staff_by_office
from cooperation.notifications.services import delivery_for, notifications_create, preference_of
from offices.models import Role, User

LISTED = 20


def follow_up_reminders_create(*, on: datetime.date | None = None) -> int:
    """Tell a center's staff once that a follow-up date of one of its activities is reached."""
    from cooperation.models import Activity

    on = on or today()
    earliest = on - datetime.timedelta(days=settings.NOTIFICATIONS_FOLLOW_UP_LOOKBACK_DAYS)
    due = list(
        Activity.objects.filter(follow_up_done=False, follow_up_on__lte=on, follow_up_on__gte=earliest).values(
            "pk", "office_id", "title", "follow_up_on"
        )
    )
    staff = staff_by_office(activity["office_id"] for activity in due)
    created = 0
    for activity in due:
        created += len(
            notifications_create(
                kind=kinds.FOLLOW_UP_DUE,
                recipient_ids=staff.get(activity["office_id"], set()),
                url=reverse("cooperation:activity_detail", kwargs={"pk": activity["pk"]}),
                data={
                    "activity_id": activity["pk"],
                    "title": activity["title"],
                    "due": activity["follow_up_on"].isoformat(),
                },
                dedupe_key="follow_up:{}:{}".format(activity["pk"], activity["follow_up_on"].isoformat()),
            )
        )
    return created


@dataclass
class Section:
    count: int = 0
    rows: list = field(default_factory=list)


@dataclass
class Digest:
    user: User
    since: datetime.datetime
    notifications: list = field(default_factory=list)
    changes: Section = field(default_factory=Section)
    open_referrals: Section = field(default_factory=Section)
    stalled: Section = field(default_factory=Section)

    @property
    def empty(self) -> bool:
        return not (self.notifications or self.changes.count or self.open_referrals.count or self.stalled.count)


def _scope_q(user: User) -> Q | None:
    """Local governments of the user's center and prefecture roles (the digest's scope), or None."""
    offices = [role.office_id for role in user.roles.all() if role.kind == Role.Kind.CENTER and not role.read_only]
    prefectures = [
        role.prefecture_id for role in user.roles.all() if role.kind == Role.Kind.PREFECTURE and not role.read_only
    ]
    if not offices and not prefectures:
        return None
    return Q(office_id__in=offices) | Q(prefecture_id__in=prefectures)


def digest_build(user: User, *, now: datetime.datetime | None = None) -> Digest:
    from cooperation.models import Progress, ProgressChange, Referral, Stage
    from offices.models import Municipality

    now = now or timezone.now()
    preference = preference_of(user)
    since = (preference.last_digest_at if preference and preference.last_digest_at else None) or (
        now - datetime.timedelta(days=1)
    )
    digest = Digest(user=user, since=since)
    digest.notifications = [
        notification
        for notification in Notification.objects.filter(recipient=user, created_at__gte=since, created_at__lt=now)
        .select_related("actor", "municipality")
        .order_by("created_at", "id")
        if delivery_for(user, notification.kind, preference) == Delivery.DIGEST
    ]
    scope = _scope_q(user) if (preference is None or preference.digest) else None
    if scope is None:
        return digest
    in_scope = Municipality.objects.filter(scope).values("pk")
    changes = ProgressChange.objects.filter(
        progress__municipality__in=in_scope, recorded_at__gte=since, recorded_at__lt=now
    )
    digest.changes = Section(
        count=changes.count(),
        rows=list(
            changes.select_related("progress__municipality", "progress__item").order_by("-recorded_at", "-id")[:LISTED]
        ),
    )
    old = now.date() - datetime.timedelta(days=settings.NOTIFICATIONS_REFERRAL_OPEN_DAYS)
    referrals = Referral.objects.open().filter(municipality__in=in_scope, received_on__lte=old)
    digest.open_referrals = Section(
        count=referrals.count(),
        rows=list(referrals.select_related("municipality").order_by("received_on", "id")[:LISTED]),
    )
    stalled_before = now.date() - datetime.timedelta(days=settings.NOTIFICATIONS_STALLED_DAYS)
    stalled = Progress.objects.filter(
        municipality__in=in_scope,
        municipality__is_active=True,
        item__is_active=True,
        stage__in=[Stage.CONSIDERING, Stage.ARRANGING],
        stage_date__lte=stalled_before,
    )
    digest.stalled = Section(
        count=stalled.count(),
        rows=list(stalled.select_related("municipality", "item").order_by("stage_date", "id")[:LISTED]),
    )
    return digest


def digest_mail(digest: Digest, *, language: str) -> OutgoingMail:
    with translation.override(language):
        context = {
            "digest": digest,
            "since": format_moment(digest.since),
            "notifications": [
                {"text": n.text, "when": format_moment(n.created_at), "link": absolute(n.get_absolute_url())}
                for n in digest.notifications
            ],
            "changes": [
                {
                    "name": change.progress.municipality.name,
                    "item": change.progress.item.code,
                    "old": change.get_from_stage_display(),
                    "new": change.get_to_stage_display(),
                    "date": format_date(change.effective_date),
                    "link": absolute(change.progress.municipality.get_absolute_url()),
                }
                for change in digest.changes.rows
            ],
            "referrals": [
                {
                    "name": referral.municipality.name,
                    "date": format_date(referral.received_on),
                    "status": referral.get_status_display(),
                    "link": absolute(referral.get_absolute_url()),
                }
                for referral in digest.open_referrals.rows
            ],
            "stalled": [
                {
                    "name": progress.municipality.name,
                    "item": progress.item.code,
                    "stage": progress.get_stage_display(),
                    "date": format_date(progress.stage_date),
                    "link": absolute(progress.municipality.get_absolute_url()),
                }
                for progress in digest.stalled.rows
            ],
            "referral_days": settings.NOTIFICATIONS_REFERRAL_OPEN_DAYS,
            "inbox": absolute(reverse("cooperation:notification_list")),
            "preferences": absolute(reverse("cooperation:notification_preferences")),
        }
        subject = "[{}] {}".format(
            _("Cooperation dashboard"), _("Daily digest of {date}").format(date=format_date(today()))
        )
        body = render_to_string("notifications/mail/digest.txt", context)
    return OutgoingMail(
        recipient=digest.user, to_address=digest.user.email, kind=OutgoingMail.Kind.DIGEST, subject=subject, body=body
    )


def digests_send(*, now: datetime.datetime | None = None, usernames: list[str] | None = None) -> dict:
    """Create the day's reminders, then queue one digest mail per user who has something in it."""
    from cooperation.notifications.tasks import deliver_mail

    now = now or timezone.now()
    reminders = follow_up_reminders_create(on=timezone.localtime(now).date())
    users = User.objects.filter(is_active=True).exclude(email="").select_related("notification_preference")
    if usernames:
        users = users.filter(username__in=usernames)
    queued = 0
    for user in users.prefetch_related("roles").order_by("pk"):
        digest = digest_build(user, now=now)
        if not digest.empty:
            preference = preference_of(user)
            mail = digest_mail(digest, language=preference.language if preference else settings.LANGUAGE_CODE)
            mail.save()
            deliver_mail.enqueue(mail.pk)
            queued += 1
        NotificationPreference.objects.update_or_create(user=user, defaults={"last_digest_at": now})
    return {"reminders": reminders, "digests": queued}
