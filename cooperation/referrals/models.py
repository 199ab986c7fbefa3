"""Referrals (回付) of consultations between local governments and centers, both ways."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offices.models import Municipality, Office, User
from offices.scopes import municipality_scope_q


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(municipality_scope_q(user, prefix="municipality__"))

    def open(self):
        return self.exclude(status=Referral.Status.CLOSED)

    def due_for_redaction(self, before):
        """Closed before ``before`` and not yet redacted: the rows the retention task empties."""
        return self.filter(status=Referral.Status.CLOSED, closed_at__lt=before, redacted_at=None)


class Referral(models.Model):
    """Referral (回付) of a consultation between a local government and its center or a commissioner.

    ``to_center``: a consultation about a national matter, passed by the local
    government to its center. ``to_commissioner``: the same, passed to a
    commissioner (行政相談委員) working in the local government's own area
    (``commissioner.municipality``); commissioners have no accounts, so the
    center, which sees these referrals too, records their steps.
    ``to_municipality``: a consultation about a local matter that reached the
    ministry's window, passed by the center to the local government. The
    receiving side acknowledges, handles and closes it; the filing side may
    edit or withdraw it until it is acknowledged.
    The free text (summary, notes) is emptied after the retention period
    (``redacted_at``); the figures and metadata stay for statistics.
    """

    class Direction(models.TextChoices):
        TO_CENTER = "to_center", _("local government → center")
        TO_MUNICIPALITY = "to_municipality", _("center → local government")
        TO_COMMISSIONER = "to_commissioner", _("local government → commissioner")

    class Topic(models.TextChoices):
        PENSION = "pension", _("pensions and social insurance")
        TAX = "tax", _("national taxes")
        LABOUR = "labour", _("labour and employment")
        ROADS = "roads", _("roads, rivers and national land")
        REGISTRY = "registry", _("registration and legal affairs")
        HEALTH = "health", _("health, medical care and welfare")
        AGRICULTURE = "agriculture", _("agriculture, forestry and fisheries")
        TRANSPORT = "transport", _("transport and communications")
        POSTAL = "postal", _("postal services")
        DISASTER = "disaster", _("disaster relief")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        IN_PROGRESS = "in_progress", _("in progress")
        CLOSED = "closed", _("closed")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("resolved")
        PASSED_TO_AGENCY = "passed_to_agency", _("passed on to the agency")
        OUTSIDE_SCOPE = "outside_scope", _("outside administrative counseling")
        WITHDRAWN = "withdrawn", _("withdrawn")

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("local government"), on_delete=models.PROTECT, related_name="referrals"
    )
    office = models.ForeignKey(Office, verbose_name=_("center"), on_delete=models.PROTECT, related_name="referrals")
    received_on = models.DateField(_("date received"))
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    agency = models.CharField(_("national agency concerned"), max_length=100, blank=True)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices, default=Direction.TO_CENTER)
    commissioner = models.ForeignKey(
        "cooperation.Commissioner",
        verbose_name=_("commissioner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text=_("For a referral to a commissioner: a serving commissioner of the local government's area."),
    )
    summary = models.TextField(_("summary"))
    personal_info_confirmed = models.JSONField(
        _("confirmed as not personal"),
        default=list,
        blank=True,
        help_text=_("Kinds of possible personal information the filer confirmed are not personal."),
    )
    redacted_at = models.DateTimeField(_("free text redacted at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User, verbose_name=_("filed by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    started_at = models.DateTimeField(_("work started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["office", "status"], name="referral_office_status"),
            models.Index(fields=["municipality", "received_on"], name="referral_municipality_date"),
            models.Index(fields=["received_on"], name="referral_received_on"),
            # Open referrals (a few percent of all): the desk's list and the dashboard's count read only these rows.
            models.Index(fields=["office", "received_on"], name="referral_open", condition=~Q(status="closed")),
        ]
        constraints = [
            models.CheckConstraint(
                name="referral_closed_has_outcome",
                condition=(Q(status="closed") & ~Q(outcome="")) | (~Q(status="closed") & Q(outcome="")),
            ),
            models.CheckConstraint(
                name="referral_closed_has_closed_at",
                condition=Q(status="closed", closed_at__isnull=False) | (~Q(status="closed") & Q(closed_at=None)),
            ),
            models.CheckConstraint(
                name="referral_commissioner_iff_to_commissioner",
                condition=Q(direction="to_commissioner", commissioner__isnull=False)
                | (~Q(direction="to_commissioner") & Q(commissioner__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.get_topic_display()} ({self.received_on})"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:referral_detail", kwargs={"pk": self.pk})

    def clean(self):
        """A commissioner exactly for a referral to a commissioner, and one working in the local government's area."""
        super().clean()
        if self.direction == self.Direction.TO_COMMISSIONER:
            if self.commissioner_id is None:
                raise ValidationError({"commissioner": _("Choose the commissioner the referral goes to.")})
            if self.municipality_id is not None and self.commissioner.municipality_id != self.municipality_id:
                raise ValidationError(
                    {"commissioner": _("The commissioner does not work in the area of this local government.")}
                )
        elif self.commissioner_id is not None:
            raise ValidationError({"commissioner": _("Only a referral to a commissioner names a commissioner.")})

    @property
    def to_center(self) -> bool:
        return self.direction == self.Direction.TO_CENTER

    @property
    def to_commissioner(self) -> bool:
        return self.direction == self.Direction.TO_COMMISSIONER

    @property
    def from_center(self) -> bool:
        return self.direction == self.Direction.TO_MUNICIPALITY

    @property
    def withdrawn(self) -> bool:
        return self.status == self.Status.CLOSED and self.outcome == self.Outcome.WITHDRAWN


class ReferralEvent(models.Model):
    """One step of a referral (回付の経過): filed, acknowledged, …, edited, withdrawn, reopened.

    ``at`` is when it was recorded; ``on`` the date it took place, which may
    lie a little in the past (``REFERRAL_BACKDATE_DAYS``). An edit keeps the
    previous values in ``previous``.
    """

    class Action(models.TextChoices):
        FILED = "filed", _("filed")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        STARTED = "started", _("work started")
        CLOSED = "closed", _("closed")
        WITHDRAWN = "withdrawn", _("withdrawn")
        EDITED = "edited", _("edited")
        REOPENED = "reopened", _("reopened")

    referral = models.ForeignKey(Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=16, choices=Referral.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Referral.Status.choices)
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    by = models.ForeignKey(
        User, verbose_name=_("by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    action = models.CharField(_("step"), max_length=16, choices=Action.choices, blank=True)
    on = models.DateField(_("date of the step"), null=True, blank=True)
    previous = models.JSONField(_("previous values"), default=dict, blank=True)
    personal_info_confirmed = models.JSONField(_("confirmed as not personal"), default=list, blank=True)

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
