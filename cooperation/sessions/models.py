"""Consultation sessions (合同行政相談所, 定例相談) planned on a shared calendar, their venues and feeds."""

import datetime

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offices.models import Municipality, Office, User
from offices.scopes import municipality_scope_q, office_scope_q


class Agency(models.Model):
    """Other agency taking part in joint sessions (参加機関: 法務局, 年金事務所, 税務署 …); data, not code."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class VenueQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(municipality_scope_q(user, prefix="municipality__"))


class Venue(models.Model):
    """Venue (会場) in a local government: a hall it provides, or another site such as a 合同庁舎."""

    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("local government"), on_delete=models.PROTECT, related_name="venues"
    )
    provided_by_municipality = models.BooleanField(
        _("provided by the local government"),
        default=True,
        help_text=_("A venue the local government provides counts for item 2-2."),
    )
    for_disasters = models.BooleanField(
        _("agreed for special offices in a disaster"),
        default=False,
        help_text=_("Item 2-4: the local government agreed to offer it for special consultation offices."),
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["municipality", "name"]

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    JOINT_SESSION = "joint_session", _("joint consultation session")
    COMMISSIONER = "commissioner", _("commissioners' regular consultation")
    SPECIAL_OFFICE = "special_office", _("special consultation office (disaster)")


class Recurrence(models.TextChoices):
    WEEKLY = "weekly", _("every week")
    MONTHLY_DAY = "monthly_day", _("every month on the same day")
    MONTHLY_WEEKDAY = "monthly_weekday", _("every month on the same weekday (e.g. 2nd Tuesday)")
    YEARLY = "yearly", _("every year (e.g. in the October administrative counseling week)")


class ConsultationField(models.TextChoices):
    """Fields of the consultations received (相談分野), for a held session's figures."""

    PENSION = "pension", _("pensions and social insurance")
    TAX = "tax", _("taxes")
    REGISTRY = "registry", _("registration, inheritance and human rights")
    LABOUR = "labour", _("labour and employment")
    WELFARE = "welfare", _("welfare and health")
    ROADS = "roads", _("roads, rivers and land")
    LIVING = "living", _("daily life and consumer affairs")
    DISASTER = "disaster", _("disaster relief")
    OTHER = "other", _("other")


class SessionSeries(models.Model):
    """Series of sessions (定期開催): a recurrence that generated dated occurrences, each editable on its own."""

    office = models.ForeignKey(
        Office, verbose_name=_("center"), on_delete=models.PROTECT, related_name="session_series"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.JOINT_SESSION)
    title = models.CharField(_("title"), max_length=200)
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, null=True, blank=True, related_name="series"
    )
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))
    recurrence = models.CharField(_("recurrence"), max_length=20, choices=Recurrence.choices)
    starts_on = models.DateField(_("first date"))
    ends_on = models.DateField(_("last date"))
    municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("local governments"), related_name="session_series"
    )
    agencies = models.ManyToManyField(Agency, verbose_name=_("agencies"), blank=True, related_name="series")
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("session series")
        verbose_name_plural = _("session series")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(name="series_dates_ordered", condition=Q(ends_on__gte=models.F("starts_on"))),
            models.CheckConstraint(name="series_times_ordered", condition=Q(end_time__gt=models.F("start_time"))),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cooperation:sessionseries_detail", kwargs={"pk": self.pk})


class SessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Sessions of a center the user works with, or with a local government the user sees."""
        office_q = office_scope_q(user, prefix="office__")
        if not office_q:
            return self.all()
        touches_visible = Exists(
            Participant.objects.filter(session=OuterRef("pk")).filter(
                municipality_scope_q(user, prefix="municipality__")
            )
        )
        return self.filter(office_q | Q(touches_visible))

    def on_calendar(self, first: datetime.date, last: datetime.date):
        """Sessions taking place on any day from ``first`` to ``last`` (a multi-day office counts every day)."""
        return self.filter(date__lte=last).filter(Q(end_date__gte=first) | Q(end_date=None, date__gte=first))


class Session(models.Model):
    """Consultation session (相談所): one dated occurrence, planned, held or cancelled."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed by the local government")
        PLANNED = "planned", _("planned")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    series = models.ForeignKey(
        SessionSeries,
        verbose_name=_("series"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )
    disaster = models.ForeignKey(
        "cooperation.Disaster",
        verbose_name=_("disaster"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="special_offices",
    )
    office = models.ForeignKey(Office, verbose_name=_("center"), on_delete=models.PROTECT, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.JOINT_SESSION)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    end_date = models.DateField(
        _("last day"), null=True, blank=True, help_text=_("Only for offices open several days.")
    )
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    municipalities = models.ManyToManyField(
        Municipality, through="Participant", verbose_name=_("local governments"), related_name="sessions"
    )
    agencies = models.ManyToManyField(Agency, verbose_name=_("agencies"), blank=True, related_name="sessions")
    commissioners_present = models.PositiveIntegerField(_("commissioners present"), null=True, blank=True)
    consultations = models.PositiveIntegerField(_("consultations received"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    detached = models.BooleanField(
        _("edited on its own"), default=False, help_text=_("Changes to the series no longer apply to it.")
    )
    activity = models.OneToOneField(
        "cooperation.Activity",
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="session",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation session")
        verbose_name_plural = _("consultation sessions")
        ordering = ["date", "start_time", "id"]
        indexes = [
            models.Index(fields=["office", "date"], name="session_office_date"),
            models.Index(fields=["date"], name="session_date"),
        ]
        constraints = [
            models.CheckConstraint(name="session_times_ordered", condition=Q(end_time__gt=models.F("start_time"))),
            models.CheckConstraint(
                name="session_end_date_ordered", condition=Q(end_date=None) | Q(end_date__gte=models.F("date"))
            ),
            models.CheckConstraint(
                name="session_held_has_activity",
                condition=~Q(status="held") | Q(activity__isnull=False) | Q(kind="special_office"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:session_detail", kwargs={"pk": self.pk})

    @property
    def status_label(self) -> str:
        """The status as people say it: a special office that is planned reads open, then closed after its days."""
        if self.kind == Kind.SPECIAL_OFFICE and self.status == self.Status.PLANNED:
            from cooperation.fiscal import today

            day = today()
            if self.date <= day <= self.last_day:
                return str(_("open now"))
            if day > self.last_day:
                return str(_("closed"))
        return self.get_status_display()

    @property
    def last_day(self) -> datetime.date:
        return self.end_date or self.date

    @property
    def starts_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.date, self.start_time, tzinfo=timezone.get_default_timezone())

    @property
    def ends_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.last_day, self.end_time, tzinfo=timezone.get_default_timezone())


class Participant(models.Model):
    """A local government taking part in a session (参加団体), and whether its officer confirmed it."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="participants"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("local government"), on_delete=models.PROTECT, related_name="participations"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User, verbose_name=_("confirmed by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("participating local government")
        verbose_name_plural = _("participating local governments")
        ordering = ["municipality__lg_code"]
        constraints = [
            models.UniqueConstraint(fields=["session", "municipality"], name="participant_once_per_session"),
        ]

    def __str__(self) -> str:
        return str(self.municipality)


class SessionFigure(models.Model):
    """Consultations a held session received in one field (分野別相談件数)."""

    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="figures")
    field = models.CharField(_("field"), max_length=16, choices=ConsultationField.choices)
    count = models.PositiveIntegerField(_("consultations"))

    class Meta:
        verbose_name = _("figure by field")
        verbose_name_plural = _("figures by field")
        ordering = ["session", "field"]
        constraints = [models.UniqueConstraint(fields=["session", "field"], name="figure_once_per_field")]

    def __str__(self) -> str:
        return f"{self.get_field_display()}: {self.count}"


class CalendarFeed(models.Model):
    """Secret iCal feed address of a user (カレンダー配信): all sessions the user sees, or one center's.

    Only the SHA-256 of the token is stored; the address is shown once, when
    made. Revoking ends it at once; renewing revokes it and makes another.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_feeds")
    office = models.ForeignKey(
        Office,
        verbose_name=_("center"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feeds",
        help_text=_("Empty: every session the user sees."),
    )
    token_hash = models.CharField(_("token (SHA-256)"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return "{} ({})".format(self.user, self.office or _("all my sessions"))

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
