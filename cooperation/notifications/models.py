"""Inbox rows, each user's choices, and the outgoing mail with its delivery state."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.notifications import kinds
from offices.models import Municipality, User


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """A user's own notifications: nobody reads another's inbox, whatever their role."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at=None)


class Notification(models.Model):
    """One notification (通知) in a user's inbox: what changed, by whom, when, linking to the record."""

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32)
    actor = models.ForeignKey(
        User, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("local government"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    url = models.CharField(_("link"), max_length=200)
    data = models.JSONField(_("detail"), default=dict, blank=True)
    dedupe_key = models.CharField(_("reminder key"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    mail = models.ForeignKey(
        "OutgoingMail",
        verbose_name=_("mail"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_recipient_read")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:notification_open", kwargs={"pk": self.pk})

    @property
    def kind_label(self) -> str:
        return kinds.label(self.kind)

    @property
    def text(self) -> str:
        """What happened, in the active language (rendered from ``data``, so the inbox follows the language)."""
        from cooperation.notifications.describe import describe

        return describe(self)


class NotificationPreference(models.Model):
    """A user's notification settings (通知の設定): delivery per kind, the daily digest and the mail language."""

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notification_preference"
    )
    deliveries = models.JSONField(_("delivery per kind"), default=dict, blank=True)
    digest = models.BooleanField(_("daily digest of my scope"), default=True)
    language = models.CharField(
        _("language of e-mail"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    last_digest_at = models.DateTimeField(_("last digest at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class OutgoingMail(models.Model):
    """One e-mail to send (送信メール), kept with its attempts so that a refused delivery is retried and seen."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RETRYING = "retrying", _("retrying")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    class Kind(models.TextChoices):
        NOTIFICATION = "notification", _("notification")
        DIGEST = "digest", _("daily digest")

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="outgoing_mails"
    )
    to_address = models.EmailField(_("address"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NOTIFICATION)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="outgoingmail_status_created")]

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject}"
