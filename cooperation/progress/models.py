"""Request items and progress: the stage ladder, each local government's stage per item, and its history."""

import datetime
import functools
import itertools
import operator

from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from offices.models import Municipality, User
from offices.scopes import municipality_scope_q


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
        return self.filter(
            scope__in=[scope for scope in RequestItem.Scope.values if scope_applies(scope, municipality.kind)]
        )


class RequestItem(models.Model):
    """Requested action (依頼事項) of the ministry's letter, e.g. 2-3 国に関する相談の回付."""

    class Scope(models.TextChoices):
        ALL = "all", _("every local government")
        PREFECTURE = "prefecture", _("prefectural governments only")
        MUNICIPALITY = "municipality", _("municipalities only")

        @classmethod
        def applying_to(cls, is_prefecture: bool) -> tuple[str, str]:
            """The scopes of the items that apply to a prefectural government, or to a 市区町村.

            The one definition of "which items apply": ``applies_to``,
            ``applicable_to``, ``applicable_q`` and ``ProgressQuerySet.current``
            are all built from it.
            """
            return (cls.ALL, cls.PREFECTURE) if is_prefecture else (cls.ALL, cls.MUNICIPALITY)

    code = models.CharField(_("code"), max_length=8, unique=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="items")
    title_ja = models.CharField(_("title (Japanese)"), max_length=128)
    title_en = models.CharField(_("title (English)"), max_length=200)
    scope = models.CharField(_("applies to"), max_length=16, choices=Scope.choices, default=Scope.ALL)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Retired items keep their history but leave forms and reports.")
    )
    first_referral_moves = models.BooleanField(
        _("moved by a first referral"),
        default=False,
        help_text=_("A local government's first referral moves this item to “Done”, with the referral as evidence."),
    )
    first_referral_from_center_moves = models.BooleanField(
        _("moved by a first referral from the center"),
        default=False,
        help_text=_(
            "The first referral a center passes to a local government moves this item to “Done”, "
            "with the referral as evidence."
        ),
    )
    first_referral_to_commissioner_moves = models.BooleanField(
        _("moved by a first referral to a commissioner"),
        default=False,
        help_text=_(
            "A local government's first referral to a commissioner of its area moves this item to “Done”, "
            "with the referral as evidence."
        ),
    )
    evidence_kinds = models.JSONField(
        _("activity kinds that are evidence"),
        default=list,
        blank=True,
        help_text=_("Kinds of activity that can be the evidence of this item; empty means any kind."),
    )
    commissioner_evidence = models.CharField(
        _("moved by a commissioner record"),
        max_length=16,
        choices=[
            ("", _("no")),
            ("recommendation", _("its recommendation of a commissioner")),
            ("award", _("its award to a commissioner")),
        ],
        blank=True,
        default="",
        help_text=_("A recommendation of, or an award to, a commissioner moves this item to “Done”."),
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
        return scope_applies(self.scope, municipality.kind)

    def accepts_kind(self, kind: str) -> bool:
        """Whether an activity of ``kind`` can be the evidence of this item (an award is no disaster drill)."""
        return not self.evidence_kinds or kind in self.evidence_kinds

    def moved_by_first_referral(self, direction: str) -> bool:
        """Whether a local government's first referral in ``direction`` moves this item."""
        if direction == "to_municipality":
            return self.first_referral_from_center_moves
        if direction == "to_commissioner":
            return self.first_referral_to_commissioner_moves
        return self.first_referral_moves

    @classmethod
    def applicable_q(cls, *, item: str = "item__", municipality: str = "municipality__") -> Q:
        """Q on a model reaching RequestItem through ``item`` and Municipality through ``municipality``:
        the pairs where the item applies (for Progress, the defaults)."""
        prefecture = Q(**{municipality + "kind": Municipality.Kind.PREFECTURE})
        return (
            Q(**{item + "scope": cls.Scope.ALL})
            | (Q(**{item + "scope": cls.Scope.PREFECTURE}) & prefecture)
            | (Q(**{item + "scope": cls.Scope.MUNICIPALITY}) & ~prefecture)
        )


def scope_applies(scope: str, kind: str) -> bool:
    """Whether an item of ``scope`` (``RequestItem.Scope``) applies to a local government of ``kind``.

    The one definition of which items apply to whom (``Scope.applying_to``); ``applicable_q`` says the same in SQL.
    """
    return scope in RequestItem.Scope.applying_to(kind == Municipality.Kind.PREFECTURE)


def applicable_q(prefix: str = "") -> Q:
    """Q on Progress (or a model reaching it through ``prefix``): its item applies to its local government."""
    return RequestItem.applicable_q(item=prefix + "item__", municipality=prefix + "municipality__")


class ProgressQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(municipality_scope_q(user, prefix="municipality__"))

    def applicable(self):
        """Rows whose item applies to their local government (``applicable_q``)."""
        return self.filter(applicable_q())

    def current(self):
        """Rows that reports count: active local governments, active items that apply to them."""
        return self.filter(municipality__is_active=True, item__is_active=True).applicable()

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


EVIDENCE_FIELDS = ("activity", "referral", "import_batch", "commissioner", "commissioner_award")
EVIDENCE_PAIRS = list(itertools.combinations(EVIDENCE_FIELDS, 2))


class ProgressChangeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(municipality_scope_q(user, prefix="progress__municipality__"))

    def adjustments(self, *, day: datetime.date, recorded_after: datetime.datetime):
        """Corrections recorded after ``recorded_after`` of changes in force on ``day`` (e.g. 31 March).

        A closed year's report shows these as adjustments: they change what
        that year's report said when it was closed.
        """
        return self.filter(corrects__isnull=False, recorded_at__gt=recorded_after, effective_date__lte=day)

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
    # demo generator back-dates what it simulates (see cooperation/demo/).
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
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        help_text=_("The wrong change this one corrects; its note says why."),
    )

    # A recommendation (3-1) or an award (3-2) of the commissioner register (cooperation/commissioners).
    commissioner = models.ForeignKey(
        "Commissioner",
        verbose_name=_("recommended commissioner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="progress_changes",
    )
    commissioner_award = models.ForeignKey(
        "CommissionerAward",
        verbose_name=_("commissioner award"),
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
                # Of any two kinds of evidence, one at least is empty.
                condition=functools.reduce(
                    operator.and_, (Q(**{one: None}) | Q(**{other: None}) for one, other in EVIDENCE_PAIRS)
                ),
            ),
        ]

    def __str__(self) -> str:
        stages = f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"
        return f"{self.progress_id}: {stages} ({self.effective_date})"

    @property
    def evidence(self):
        return self.activity or self.referral or self.import_batch or self.commissioner or self.commissioner_award

    @property
    def is_correction(self) -> bool:
        return self.corrects_id is not None
