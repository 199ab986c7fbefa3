"""The commissioner register (行政相談委員名簿): people, their terms, backgrounds and awards.

Every write goes through :mod:`cooperation.commissioners.services`; the
current term (``appointed_on`` / ``term_ends_on``) is copied onto the
commissioner by those services from the latest :class:`CommissionerTerm`, so
lists and counts need no subquery.
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from offices.models import Municipality, User
from offices.scopes import municipality_scope_q


class CommissionerBackground(models.Model):
    """A background category of commissioners (経歴区分), e.g. 元市町村職員, 元警察官, 士業."""

    name_ja = models.CharField(_("name (Japanese)"), max_length=64, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=128, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("commissioner background")
        verbose_name_plural = _("commissioner backgrounds")
        ordering = ["sort_order", "name_ja"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ja").startswith("en") and self.name_en else self.name_ja


class CommissionerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Commissioners working in a local government the user sees (center: its jurisdiction; officer: its own)."""
        return self.filter(municipality_scope_q(user, prefix="municipality__"))

    def serving(self):
        """Appointed or reappointed, not retired: the people counted for the at-least-one rule."""
        return self.filter(status__in=Commissioner.Status.serving())

    def concurrent(self):
        """Serving commissioners who are also their municipality's complaint counselor (兼務)."""
        return self.serving().filter(counselor_since__isnull=False)


class Commissioner(models.Model):
    """Administrative counseling commissioner (行政相談委員), unpaid, appointed by the minister for two years."""

    class Status(models.TextChoices):
        RECOMMENDED = "recommended", _("recommended")
        APPOINTED = "appointed", _("appointed")
        REAPPOINTED = "reappointed", _("reappointed")
        RETIRED = "retired", _("retired")
        DECEASED = "deceased", _("deceased")

        @classmethod
        def serving(cls) -> tuple[str, str]:
            return (cls.APPOINTED, cls.REAPPOINTED)

        @classmethod
        def ended(cls) -> tuple[str, str]:
            return (cls.RETIRED, cls.DECEASED)

    number = models.CharField(
        _("commissioner number"),
        max_length=12,
        unique=True,
        help_text=_("Stable number of the register (e.g. 01-00012); the key of the xlsx/CSV round trip."),
    )
    name = models.CharField(_("name"), max_length=64)
    name_kana = models.CharField(_("name (kana)"), max_length=128)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("area (local government)"),
        on_delete=models.PROTECT,
        related_name="commissioners",
        help_text=_("The municipality whose area the commissioner serves; its center is theirs."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RECOMMENDED)
    appointed_on = models.DateField(_("current term from"), null=True, blank=True)
    term_ends_on = models.DateField(_("current term until"), null=True, blank=True)
    first_appointed_on = models.DateField(_("first appointed on"), null=True, blank=True)
    ended_on = models.DateField(_("retired on"), null=True, blank=True)
    recommended_by = models.ForeignKey(
        Municipality,
        verbose_name=_("recommended by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommended_commissioners",
    )
    recommended_on = models.DateField(_("recommended on"), null=True, blank=True)
    counselor_since = models.DateField(
        _("complaint counselor since"),
        null=True,
        blank=True,
        help_text=_("Also the municipality's complaint counselor (苦情相談員, 兼務) since; empty if not."),
    )
    backgrounds = models.ManyToManyField(
        CommissionerBackground, verbose_name=_("background"), blank=True, related_name="commissioners"
    )
    # Contact details: shown to ministry staff only (docs/privacy.md).
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("telephone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        User, verbose_name=_("updated by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CommissionerQuerySet.as_manager()

    class Meta:
        verbose_name = _("commissioner")
        verbose_name_plural = _("commissioners")
        ordering = ["municipality__lg_code", "name_kana", "number"]
        indexes = [
            models.Index(fields=["municipality", "status"], name="commissioner_area_status"),
            models.Index(fields=["status", "term_ends_on"], name="commissioner_status_term_end"),
        ]
        constraints = [
            models.CheckConstraint(
                name="commissioner_term_ends_after_start",
                condition=Q(appointed_on=None) | Q(term_ends_on=None) | Q(term_ends_on__gt=models.F("appointed_on")),
            ),
            models.CheckConstraint(
                name="commissioner_serving_has_term",
                condition=~Q(status__in=["appointed", "reappointed"])
                | Q(appointed_on__isnull=False, term_ends_on__isnull=False),
            ),
            models.CheckConstraint(
                name="commissioner_recommendation_dated",
                condition=Q(recommended_by=None) | Q(recommended_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:commissioner_detail", kwargs={"number": self.number})

    @property
    def is_serving(self) -> bool:
        return self.status in self.Status.serving()

    @property
    def is_concurrent(self) -> bool:
        """Also the municipality's complaint counselor (兼務)."""
        return self.counselor_since is not None


class CommissionerTerm(models.Model):
    """One term of office (任期) of a commissioner: two years, renewable; every term is kept."""

    commissioner = models.ForeignKey(
        Commissioner, verbose_name=_("commissioner"), on_delete=models.CASCADE, related_name="terms"
    )
    starts_on = models.DateField(_("appointed on"))
    ends_on = models.DateField(_("term ends on"))
    is_reappointment = models.BooleanField(_("reappointment"), default=False)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("commissioner term")
        verbose_name_plural = _("commissioner terms")
        ordering = ["commissioner", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["commissioner", "starts_on"], name="term_one_per_start"),
            models.CheckConstraint(name="term_ends_after_start", condition=Q(ends_on__gt=models.F("starts_on"))),
        ]

    def __str__(self) -> str:
        return f"{self.commissioner_id}: {self.starts_on} – {self.ends_on}"


class CommissionerAwardQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(municipality_scope_q(user, prefix="commissioner__municipality__"))


class CommissionerAward(models.Model):
    """An award (表彰) a commissioner received: by the ministry, a local government or an association."""

    class Conferrer(models.TextChoices):
        MINISTER = "minister", _("Minister for Internal Affairs (総務大臣表彰)")
        BUREAU = "bureau", _("Director-General of the regional bureau (管区行政評価局長表彰)")
        CENTER = "center", _("Director of the center (センター所長感謝状)")
        GOVERNOR = "governor", _("Governor (知事表彰)")
        MAYOR = "mayor", _("Mayor (市区町村長表彰)")
        NATIONAL_ASSOCIATION = "national_association", _("National association (全国行政相談委員連合協議会)")
        REGIONAL_ASSOCIATION = "regional_association", _("Regional association of commissioners")

        @classmethod
        def local(cls) -> tuple[str, str]:
            """Awards of a governor or mayor: the evidence of that local government's 3-2."""
            return (cls.GOVERNOR, cls.MAYOR)

    commissioner = models.ForeignKey(
        Commissioner, verbose_name=_("commissioner"), on_delete=models.PROTECT, related_name="awards"
    )
    conferrer = models.CharField(_("awarded by"), max_length=24, choices=Conferrer.choices)
    conferred_by = models.ForeignKey(
        Municipality,
        verbose_name=_("awarding local government"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commissioner_awards",
        help_text=_("For a governor's or mayor's award: the prefectural government or municipality."),
    )
    title = models.CharField(_("award"), max_length=128, help_text=_("E.g. 総務大臣表彰, 市政功労者表彰."))
    tier = models.CharField(_("tier"), max_length=64, blank=True, help_text=_("E.g. 功労, 感謝状, 特別表彰."))
    awarded_on = models.DateField(_("awarded on"))
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CommissionerAwardQuerySet.as_manager()

    class Meta:
        verbose_name = _("commissioner award")
        verbose_name_plural = _("commissioner awards")
        ordering = ["-awarded_on", "-id"]
        indexes = [models.Index(fields=["awarded_on"], name="award_awarded_on")]
        constraints = [
            models.CheckConstraint(
                name="award_local_names_government",
                condition=(Q(conferrer__in=["governor", "mayor"]) & Q(conferred_by__isnull=False))
                | (~Q(conferrer__in=["governor", "mayor"]) & Q(conferred_by=None)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.awarded_on})"

    def get_absolute_url(self) -> str:
        return self.commissioner.get_absolute_url() + f"#award-{self.pk}"
