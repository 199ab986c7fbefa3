"""Rendering and sending one e-mail, with retries and back-off when the mail server refuses or is down.

A mail is written to :class:`OutgoingMail` before any attempt, so a server
that is down loses nothing: each failed attempt is counted, the next one is
queued with ``run_after`` after the delay of ``NOTIFICATIONS_MAIL_RETRY_DELAYS``,
and when the delays are used up the mail is marked failed, where headquarters
sees it (the failed-mail page and the admin) and can queue it again.
"""

from __future__ import annotations

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cooperation.fiscal import format_date
from cooperation.notifications.describe import headline
from cooperation.notifications.models import Notification, OutgoingMail

logger = logging.getLogger(__name__)

SITE_NAME_PREFIX = "行政相談 連携"


def absolute(path: str) -> str:
    return settings.SITE_BASE_URL.rstrip("/") + path


def format_moment(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return "{} {}".format(format_date(local.date()), local.strftime("%H:%M"))


def mailable(user) -> bool:
    """Deactivated users and users without an address get nothing by mail."""
    return bool(user.is_active and user.email)


def notification_mail(notification: Notification, *, language: str) -> OutgoingMail:
    """The mail for one notification in ``language``: what changed, by whom, when and an absolute link."""
    with translation.override(language):
        context = {
            "notification": notification,
            "text": notification.text,
            "kind": notification.kind_label,
            "actor": str(notification.actor) if notification.actor_id else _("the system"),
            "when": format_moment(notification.created_at),
            "link": absolute(notification.get_absolute_url()),
            "preferences": absolute(reverse("cooperation:notification_preferences")),
            "recipient": notification.recipient,
        }
        subject = "[{}] {}".format(_("Cooperation dashboard"), headline(notification))
        body = render_to_string("notifications/mail/notification.txt", context)
    return OutgoingMail(
        recipient=notification.recipient,
        to_address=notification.recipient.email,
        kind=OutgoingMail.Kind.NOTIFICATION,
        subject=subject[:200],
        body=body,
    )


def retry_delay(attempts: int) -> datetime.timedelta | None:
    """The wait before attempt ``attempts + 1``, or None when no attempt is left."""
    delays = settings.NOTIFICATIONS_MAIL_RETRY_DELAYS
    if attempts > len(delays):
        return None
    return datetime.timedelta(seconds=delays[attempts - 1])


def mail_attempt(*, mail_id: int) -> str:
    """Try to deliver one mail; on failure count the attempt and queue the next one after the back-off.

    Returns the mail's status afterwards. A mail already sent, failed for good
    or whose recipient lost their address or account is not sent.
    """
    from cooperation.notifications.tasks import deliver_mail

    mail = OutgoingMail.objects.select_related("recipient").filter(pk=mail_id).first()
    if mail is None or mail.status in {OutgoingMail.Status.SENT, OutgoingMail.Status.FAILED}:
        return mail.status if mail is not None else ""
    if not mailable(mail.recipient):
        mail.status = OutgoingMail.Status.FAILED
        mail.last_error = _("The recipient was deactivated or has no address.")
        mail.next_attempt_at = None
        mail.save(update_fields=["status", "last_error", "next_attempt_at"])
        return mail.status
    message = EmailMessage(
        subject=mail.subject,
        body=mail.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to_address],
        headers={"Auto-Submitted": "auto-generated"},
        connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
    )
    mail.attempts += 1
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        mail.last_error = f"{type(error).__name__}: {error}"[:2000]
        delay = retry_delay(mail.attempts)
        if delay is None:
            mail.status = OutgoingMail.Status.FAILED
            mail.next_attempt_at = None
            logger.error("Mail %s to %s failed for good: %s", mail.pk, mail.to_address, mail.last_error)
        else:
            mail.status = OutgoingMail.Status.RETRYING
            mail.next_attempt_at = timezone.now() + delay
            logger.warning("Mail %s to %s refused, retry at %s", mail.pk, mail.to_address, mail.next_attempt_at)
        mail.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
        if mail.status == OutgoingMail.Status.RETRYING:
            deliver_mail.using(run_after=mail.next_attempt_at).enqueue(mail.pk)
        return mail.status
    mail.status = OutgoingMail.Status.SENT
    mail.sent_at = timezone.now()
    mail.next_attempt_at = None
    mail.save(update_fields=["status", "attempts", "sent_at", "next_attempt_at"])
    return mail.status
