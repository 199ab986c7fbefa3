"""Writing notifications and their mail, marking them read, preferences, retention.

Subscribers (``subscribers.py``) and the daily reminders call
:func:`notifications_create`: inbox rows are written at once (a bulk insert)
and one task is queued to mail the recipients who want it immediately, so no
mail is ever sent inside a request.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.notifications import kinds
from cooperation.notifications.kinds import Delivery
from cooperation.notifications.models import Notification, NotificationPreference, OutgoingMail
from offices.models import User
from offices.policies import NOTIFICATION_RETRY, require


def notifications_create(
    *,
    kind: str,
    recipient_ids: Iterable[int],
    url: str,
    actor_id: int | None = None,
    municipality_id: int | None = None,
    data: dict | None = None,
    dedupe_key: str = "",
    created_at: datetime.datetime | None = None,
) -> list[Notification]:
    """Put one notification in each recipient's inbox and queue the immediate mail.

    The actor is never told about their own action. With ``dedupe_key`` a
    recipient gets the notification once (reminders run daily).
    """
    if kind not in kinds.KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}: register it in cooperation/notifications/kinds.py")
    wanted = sorted(set(recipient_ids) - {actor_id})
    if dedupe_key and wanted:
        seen = set(
            Notification.objects.filter(dedupe_key=dedupe_key, recipient_id__in=wanted).values_list(
                "recipient_id", flat=True
            )
        )
        wanted = [user_id for user_id in wanted if user_id not in seen]
    if not wanted:
        return []
    now = created_at or timezone.now()
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kind,
            actor_id=actor_id,
            municipality_id=municipality_id,
            url=url,
            data=dict(data or {}),
            dedupe_key=dedupe_key,
            created_at=now,
        )
        for user_id in wanted
    ]
    return notifications_store(rows)


def notifications_store(rows: list[Notification]) -> list[Notification]:
    """Bulk-insert prepared notifications and queue one mail task for all of them."""
    from cooperation.notifications.tasks import deliver_notifications

    if not rows:
        return []
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows, batch_size=500)
    ids = [row.pk for row in created if row.pk is not None]
    if ids and settings.NOTIFICATIONS_MAIL_ENABLED:
        deliver_notifications.enqueue(ids)
    return created


def delivery_for(user: User, kind: str, preference: NotificationPreference | None) -> str:
    """How ``user`` wants ``kind``: their own choice, else the default of their roles."""
    chosen = (preference.deliveries or {}).get(kind) if preference is not None else None
    if chosen in Delivery.values:
        return chosen
    return kinds.default_delivery(kind, {role.kind for role in _roles(user) if not role.read_only})


def _roles(user: User):
    """The user's roles: prefetched ones when the caller prefetched them, else ``scope_roles`` (one query, cached)."""
    prefetched = getattr(user, "_prefetched_objects_cache", {})
    return prefetched["roles"] if "roles" in prefetched else user.scope_roles


def preference_of(user: User) -> NotificationPreference | None:
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return None


def notifications_mail(*, notification_ids: list[int]) -> int:
    """Write and send the immediate mail of these notifications (run by the worker); returns mails written."""
    from cooperation.notifications.mail import mail_attempt, mailable, notification_mail

    notifications = (
        Notification.objects.filter(pk__in=notification_ids, mail=None)
        .select_related("recipient__notification_preference", "actor", "municipality")
        .prefetch_related("recipient__roles")
    )
    written = []
    for notification in notifications:
        recipient = notification.recipient
        preference = preference_of(recipient)
        if not mailable(recipient) or delivery_for(recipient, notification.kind, preference) != Delivery.IMMEDIATE:
            continue
        language = preference.language if preference is not None else settings.LANGUAGE_CODE
        mail = notification_mail(notification, language=language)
        mail.save()
        Notification.objects.filter(pk=notification.pk).update(mail=mail)
        written.append(mail)
    for mail in written:
        mail_attempt(mail_id=mail.pk)
    return len(written)


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of ``user``'s own notifications read (another user's is not found)."""
    notification = Notification.objects.for_user(user).get(pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


@transaction.atomic
def preference_update(*, user: User, deliveries: dict[str, str], digest: bool, language: str) -> NotificationPreference:
    """Save ``user``'s own choices: a delivery per known kind, the daily digest, the language of mail."""
    errors = []
    for kind, delivery in deliveries.items():
        if kind not in kinds.KINDS:
            errors.append(_("“{kind}” is not a kind of notification.").format(kind=kind))
        elif delivery not in Delivery.values:
            errors.append(_("“{delivery}” is not a way of delivery.").format(delivery=delivery))
    if language not in dict(settings.LANGUAGES):
        errors.append(_("“{language}” is not a language of this site.").format(language=language))
    if errors:
        raise ValidationError(errors)
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    preference.deliveries = dict(deliveries)
    preference.digest = digest
    preference.language = language
    preference.save(update_fields=["deliveries", "digest", "language"])
    return preference


def mail_retry(*, mail: OutgoingMail, by: User | None) -> OutgoingMail:
    """Queue a failed mail again, at once (headquarters, after the mail server is fixed)."""
    from cooperation.notifications.tasks import deliver_mail

    require(by, NOTIFICATION_RETRY)
    updated = OutgoingMail.objects.filter(pk=mail.pk, status=OutgoingMail.Status.FAILED).update(
        status=OutgoingMail.Status.RETRYING, next_attempt_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("Only a mail that failed can be sent again."))
    deliver_mail.enqueue(mail.pk)
    mail.refresh_from_db()
    return mail


def notifications_prune(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete notifications and finished mail older than ``NOTIFICATIONS_RETENTION_DAYS``."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.NOTIFICATIONS_RETENTION_DAYS)
    with transaction.atomic():
        notifications, _detail = Notification.objects.filter(created_at__lt=cutoff).delete()
        mails, _detail = (
            OutgoingMail.objects.filter(created_at__lt=cutoff)
            .exclude(status__in=[OutgoingMail.Status.PENDING, OutgoingMail.Status.RETRYING])
            .delete()
        )
    return {"notifications": notifications, "mails": mails}
