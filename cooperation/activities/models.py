"""Activities of the centers (活動記録) and their attachments."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.progress.models import RequestItem
from offices.models import Municipality, Office, User
from offices.scopes import municipality_scope_q, office_scope_q


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Activities of a center the user works with, or touching a local government the user sees.

        A whole-country scope (an empty Q) filters nothing: no EXISTS over every
        activity's local governments, so the date index serves national counts.
        The local governments' side is ``pk IN (links of the scope's local
        governments)``, which PostgreSQL hashes once from the covering link index
        (migration 0014); an EXISTS per activity made a center's count read
        every activity's links (160 ms at ten national years, 27 ms now).
        """
        office_q = office_scope_q(user, prefix="office__")
        if not office_q:
            return self.all()
        touching_visible = Activity.municipalities.through.objects.filter(
            municipality_scope_q(user, prefix="municipality__")
        ).values("activity_id")
        return self.filter(office_q | Q(pk__in=touching_visible))

    def standing(self):
        """Not cancelled: the activities lists, counts and reports take into account."""
        return self.filter(cancelled_at=None)


class StandingActivityManager(models.Manager.from_queryset(ActivityQuerySet)):
    """``Activity.objects``: cancelled activities are left out of every list, count and report.

    ``Activity.all_objects`` keeps them (the activity's own page shows a
    cancelled activity with its history).
    """

    def get_queryset(self):
        return super().get_queryset().filter(cancelled_at=None)


class PrivateStorage(FileSystemStorage):
    """Files kept under ``PRIVATE_MEDIA_ROOT``, outside any URL.

    The root is read when a file is used, not when the model is loaded, so a
    changed setting (tests, a moved volume) takes effect. There is no URL:
    attachments are served only by the download view, which checks scope.
    """

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    def url(self, name):
        raise ValueError("Attachments have no public URL; link to Attachment.get_absolute_url().")


def attachment_storage():
    return PrivateStorage()


class Activity(models.Model):
    """Activity (活動記録) logged by center staff: a briefing, a joint session, a meeting…"""

    class Kind(models.TextChoices):
        BRIEFING = "briefing", _("briefing")
        PR_ARTICLE = "pr_article", _("PR article")
        EXCHANGE_MEETING = "exchange_meeting", _("opinion-exchange meeting")
        JOINT_SESSION = "joint_session", _("joint consultation session")
        VENUE = "venue", _("venue provided")
        DISASTER = "disaster", _("disaster-preparedness meeting or drill")
        RECOMMENDATION = "recommendation", _("commissioner recommendation")
        AWARD = "award", _("award")
        OTHER = "other", _("other")

    date = models.DateField(_("date"))
    office = models.ForeignKey(Office, verbose_name=_("center"), on_delete=models.PROTECT, related_name="activities")
    municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("local governments"), related_name="activities"
    )
    item = models.ForeignKey(
        RequestItem, verbose_name=_("request item"), on_delete=models.PROTECT, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    attendees = models.PositiveIntegerField(_("attendees"), null=True, blank=True)
    consultations = models.PositiveIntegerField(_("consultations received"), null=True, blank=True)
    commissioners_present = models.PositiveIntegerField(_("commissioners present"), null=True, blank=True)
    people_recommended = models.PositiveIntegerField(_("people recommended"), null=True, blank=True)
    commissioners_awarded = models.PositiveIntegerField(_("commissioners awarded"), null=True, blank=True)
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    follow_up_done = models.BooleanField(_("follow-up done"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User, verbose_name=_("cancelled by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    objects = StandingActivityManager()
    all_objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date", "-id"]
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["office", "date"], name="activity_office_date"),
            models.Index(fields=["date"], name="activity_date"),
            # Follow-ups still to do: the desk's and the dashboard's overdue list and count read only these rows
            # (an index over every follow-up date misled the planner: most of those are done).
            models.Index(
                fields=["follow_up_on", "office"],
                name="activity_follow_up_pending",
                condition=Q(follow_up_done=False, cancelled_at=None, follow_up_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:activity_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.date and self.follow_up_on and self.follow_up_on < self.date:
            raise ValidationError({"follow_up_on": _("The follow-up date lies before the activity.")})

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class ActivityVersion(models.Model):
    """A previous version of a corrected or cancelled activity (活動記録の訂正履歴), kept as it was."""

    class Change(models.TextChoices):
        EDITED = "edited", _("edited")
        CANCELLED = "cancelled", _("cancelled")

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    change = models.CharField(_("change"), max_length=16, choices=Change.choices)
    data = models.JSONField(_("values before the change"))
    reason = models.TextField(_("reason"))
    stages = models.TextField(
        _("what happened to the stages"),
        blank=True,
        help_text=_("On cancelling: stages kept (with a note) or reverted."),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("activity version")
        verbose_name_plural = _("activity versions")
        ordering = ["activity", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "number"], name="activity_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} v{self.number} {self.change}"


class Attachment(models.Model):
    """File attached to an activity (添付ファイル); served only through a scope-checked view."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/", storage=attachment_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=128)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("uploaded by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("cooperation:attachment_download", kwargs={"pk": self.pk})
