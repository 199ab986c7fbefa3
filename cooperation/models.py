"""The cooperation domain: request items, progress and its history, activities, referrals, imports."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from offices.models import Municipality, Office, User
from offices.scopes import municipality_scope_q, office_scope_q


def _english() -> bool:
    return (get_language() or "ja").startswith("en")


class Stage(models.TextChoices):
    """The ladder of progress (段階), and 当面困難 beside it."""

    NOT_STARTED = "not_started", _("Not started")
    CONSIDERING = "considering", _("Considering")
    ARRANGING = "arranging", _("Arranging")
    DONE = "done", _("Done")
    ESTABLISHED = "established", _("Established")
    NOT_FEASIBLE = "not_feasible", _("Not feasible for now")

    @classmethod
    def level(cls, stage: str) -> int | None:
        """Rung on the ladder (0–4); None for 当面困難, which is off the ladder."""
        return STAGE_LEVELS.get(stage)

    @classmethod
    def adopted(cls) -> tuple[str, str]:
        """Stages that count as adoption (実施 or 定着)."""
        return (cls.DONE, cls.ESTABLISHED)


STAGE_LEVELS = {
    Stage.NOT_STARTED: 0,
    Stage.CONSIDERING: 1,
    Stage.ARRANGING: 2,
    Stage.DONE: 3,
    Stage.ESTABLISHED: 4,
}


class Category(models.Model):
    """Category of request items (依頼事項の区分), e.g. 2 地域の課題解決のための連携."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=128)

    class Meta:
        verbose_name = _("item category")
        verbose_name_plural = _("item categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.code,)

    @property
    def name(self) -> str:
        return self.name_en if _english() else self.name_ja


class RequestItemQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def applicable_to(self, municipality: Municipality):
        if municipality.is_prefecture:
            return self
        return self.filter(scope=RequestItem.Scope.ALL)


class RequestItem(models.Model):
    """Requested action (依頼事項) of the ministry's letter, e.g. 2-3 国に関する相談の回付."""

    class Scope(models.TextChoices):
        ALL = "all", _("every local government")
        PREFECTURE = "prefecture", _("prefectural governments only")

    code = models.CharField(_("code"), max_length=8, unique=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="items")
    title_ja = models.CharField(_("title (Japanese)"), max_length=128)
    title_en = models.CharField(_("title (English)"), max_length=200)
    scope = models.CharField(_("applies to"), max_length=16, choices=Scope.choices, default=Scope.ALL)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Retired items keep their history but leave forms and reports.")
    )

    objects = RequestItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("request item")
        verbose_name_plural = _("request items")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def natural_key(self):
        return (self.code,)

    @property
    def title(self) -> str:
        return self.title_en if _english() else self.title_ja

    def applies_to(self, municipality: Municipality) -> bool:
        return self.scope == self.Scope.ALL or municipality.is_prefecture


class ProgressQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(municipality_scope_q(user, prefix="municipality__"))

    def editable_by(self, user):
        return self.filter(municipality_scope_q(user, write=True, prefix="municipality__"))

    def current(self):
        """Rows that reports count: active local governments, active items that apply to them."""
        return self.filter(municipality__is_active=True, item__is_active=True).filter(
            Q(item__scope=RequestItem.Scope.ALL) | Q(municipality__kind=Municipality.Kind.PREFECTURE)
        )

    def adopted(self):
        """At 実施 or 定着."""
        return self.filter(stage__in=Stage.adopted())

    def not_adopted(self):
        """Below 実施 or 当面困難: the rows an activity or a first referral may move to 実施."""
        return self.exclude(stage__in=Stage.adopted())

    def with_stage_as_of(self, day: datetime.date):
        """Annotate ``stage_as_of`` and ``stage_date_as_of``: the stage in force at the end of ``day``.

        One correlated subquery per column, served by the (progress, effective_date, id)
        index, so the whole matrix costs one query whatever its size. A progress row
        with no change on or before ``day`` was at 未着手.
        """
        latest = ProgressChange.objects.filter(progress=OuterRef("pk"), effective_date__lte=day).order_by(
            "-effective_date", "-id"
        )
        return self.annotate(
            stage_as_of=models.functions.Coalesce(
                Subquery(latest.values("to_stage")[:1]), models.Value(Stage.NOT_STARTED)
            ),
            stage_date_as_of=Subquery(latest.values("effective_date")[:1]),
        )

    def stage_counts_as_of(self, day: datetime.date) -> dict[str, dict[str, int]]:
        """``{item code: {stage: count}}`` as of the end of ``day``, in one query (e.g. 31 March for 年度末).

        Stages nobody was at are absent; chain ``visible_to`` / ``current`` /
        ``filter`` before it to choose the rows counted.
        """
        rows = (
            self.with_stage_as_of(day)
            .order_by()
            .values("item__code", "stage_as_of")
            .annotate(count=models.Count("pk"))
            .values_list("item__code", "stage_as_of", "count")
        )
        counts: dict[str, dict[str, int]] = {}
        for code, stage, count in rows:
            counts.setdefault(code, {})[stage] = count
        return counts


class Progress(models.Model):
    """Progress (進捗) of one local government on one request item: its current stage."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("local government"), on_delete=models.PROTECT, related_name="progresses"
    )
    item = models.ForeignKey(
        RequestItem, verbose_name=_("request item"), on_delete=models.PROTECT, related_name="progresses"
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.NOT_STARTED)
    stage_date = models.DateField(_("effective date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        User, verbose_name=_("updated by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ProgressQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress")
        verbose_name_plural = _("progress")
        ordering = ["municipality__lg_code", "item__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "item"], name="progress_one_per_municipality_item"),
            models.CheckConstraint(
                name="progress_not_feasible_has_reason", condition=~Q(stage="not_feasible") | ~Q(note="")
            ),
        ]
        indexes = [models.Index(fields=["item", "stage"], name="progress_item_stage")]

    def __str__(self) -> str:
        return f"{self.municipality} {self.item.code} {self.get_stage_display()}"

    def get_absolute_url(self) -> str:
        return self.municipality.get_absolute_url()


class ProgressChangeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(municipality_scope_q(user, prefix="progress__municipality__"))

    def chronological(self):
        """Oldest first, in the order the stages followed one another (effective date, then recording order)."""
        return self.order_by("effective_date", "id")


class ProgressChange(models.Model):
    """Immutable record (進捗履歴) of one change of stage, with its evidence."""

    progress = models.ForeignKey(Progress, verbose_name=_("progress"), on_delete=models.PROTECT, related_name="changes")
    from_stage = models.CharField(_("from"), max_length=16, choices=Stage.choices)
    to_stage = models.CharField(_("to"), max_length=16, choices=Stage.choices)
    effective_date = models.DateField(_("effective date"))
    # A default rather than auto_now_add: the services always record "now"; only the
    # demo generator back-dates what it simulates (see cooperation/demo.py).
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    activity = models.ForeignKey(
        "Activity",
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="progress_changes",
    )
    referral = models.ForeignKey(
        "Referral",
        verbose_name=_("referral"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="progress_changes",
    )
    import_batch = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("import batch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="progress_changes",
    )

    objects = ProgressChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress change")
        verbose_name_plural = _("progress history")
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["progress", "effective_date", "id"], name="change_progress_date"),
            models.Index(fields=["recorded_at"], name="change_recorded_at"),
            models.Index(fields=["effective_date"], name="change_effective_date"),
        ]
        constraints = [
            models.CheckConstraint(name="change_moves_stage", condition=~Q(from_stage=models.F("to_stage"))),
            models.CheckConstraint(
                name="change_not_feasible_has_reason", condition=~Q(to_stage="not_feasible") | ~Q(note="")
            ),
            models.CheckConstraint(
                name="change_at_most_one_evidence",
                condition=(
                    Q(activity=None, referral=None)
                    | Q(activity=None, import_batch=None)
                    | Q(referral=None, import_batch=None)
                ),
            ),
        ]

    def __str__(self) -> str:
        stages = f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"
        return f"{self.progress_id}: {stages} ({self.effective_date})"

    @property
    def evidence(self):
        return self.activity or self.referral or self.import_batch


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Activities of a center the user works with, or touching a local government the user sees.

        A whole-country scope (an empty Q) filters nothing: no EXISTS over every
        activity's local governments, so the date index serves national counts.
        """
        office_q = office_scope_q(user, prefix="office__")
        if not office_q:
            return self.all()
        touches_visible = Exists(
            Activity.municipalities.through.objects.filter(activity=OuterRef("pk")).filter(
                municipality_scope_q(user, prefix="municipality__")
            )
        )
        return self.filter(office_q | Q(touches_visible))

    def editable_by(self, user):
        return self.filter(office_scope_q(user, write=True, prefix="office__"))


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

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["office", "date"], name="activity_office_date"),
            models.Index(fields=["date"], name="activity_date"),
            models.Index(fields=["follow_up_on"], name="activity_follow_up"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:activity_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.date and self.follow_up_on and self.follow_up_on < self.date:
            raise ValidationError({"follow_up_on": _("The follow-up date lies before the activity.")})


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


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(municipality_scope_q(user, prefix="municipality__"))

    def open(self):
        return self.exclude(status=Referral.Status.CLOSED)


class Referral(models.Model):
    """Referral (回付) of a consultation about a national matter from a local government to its center."""

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
    summary = models.TextField(_("summary"))
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
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.get_topic_display()} ({self.received_on})"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:referral_detail", kwargs={"pk": self.pk})


class ReferralEvent(models.Model):
    """One state change of a referral (回付の経過), timestamped."""

    referral = models.ForeignKey(Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=16, choices=Referral.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Referral.Status.choices)
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    by = models.ForeignKey(
        User, verbose_name=_("by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Batches the user ran, or whose changes touch a local government the user sees."""
        if user is None or not user.is_authenticated:
            return self.none()
        touches_visible = Exists(
            ProgressChange.objects.filter(import_batch=OuterRef("pk")).filter(
                municipality_scope_q(user, prefix="progress__municipality__")
            )
        )
        return self.filter(Q(created_by=user) | Q(touches_visible))


class ImportBatch(models.Model):
    """One applied survey import (調査票の取込): who, when, which file, what it changed."""

    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("imported by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    change_count = models.PositiveIntegerField(_("changes"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged rows"), default=0)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at})"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:importbatch_detail", kwargs={"pk": self.pk})

    @cached_property
    def changed_municipality_count(self) -> int:
        return self.progress_changes.values("progress__municipality").distinct().count()
from cooperation.relay.models import *  # noqa: E402,F401,F403
