"""Fiscal-year close (年度末の確定): the stages of 31 March frozen, versioned, reopened only by headquarters."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cooperation.progress.models import RequestItem, Stage
from offices.models import Municipality, Office, Prefecture, User


class FiscalYearCloseQuerySet(models.QuerySet):
    def in_force(self):
        """The close each closed year's reports read: its latest version, unless that was reopened."""
        latest = FiscalYearClose.objects.filter(year=models.OuterRef("year")).order_by("-version").values("pk")[:1]
        return self.filter(pk=models.Subquery(latest), reopened_at=None)


class FiscalYearClose(models.Model):
    """One close (年度末確定) of a fiscal year: version 1, then a re-issue (v2, …) for post-close adjustments.

    The figures of 31 March are its :class:`ClosedFigure` rows. The latest
    version is in force unless it was reopened; a reopened year reads the live
    history again until headquarters closes it anew (the next version).
    """

    year = models.PositiveSmallIntegerField(_("fiscal year"))
    version = models.PositiveSmallIntegerField(_("version"))
    as_of = models.DateField(_("as of"))
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(
        User, verbose_name=_("closed by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        User, verbose_name=_("reopened by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)
    figure_count = models.PositiveIntegerField(_("figures"), default=0)
    changes = models.JSONField(
        _("changes against the previous version"),
        default=list,
        blank=True,
        help_text=_("For a re-issue: each local government × item whose frozen stage changed."),
    )

    objects = FiscalYearCloseQuerySet.as_manager()

    class Meta:
        verbose_name = _("fiscal-year close")
        verbose_name_plural = _("fiscal-year closes")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="year_close_one_per_version"),
            models.CheckConstraint(
                name="year_close_reopen_has_reason", condition=Q(reopened_at=None) | ~Q(reopen_reason="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("cooperation:yearly_report", kwargs={"year": self.year})

    @property
    def is_reopened(self) -> bool:
        return self.reopened_at is not None


class ClosedFigure(models.Model):
    """The frozen stage (確定値) of one local government × applicable item at the end of 31 March.

    Prefecture, kind and center are copied as they were at the close, and so
    whether the local government and the item were active then: a merger or a
    retired item later does not change a closed year.
    """

    close = models.ForeignKey(
        FiscalYearClose, verbose_name=_("close"), on_delete=models.CASCADE, related_name="figures"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("local government"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(RequestItem, verbose_name=_("request item"), on_delete=models.PROTECT, related_name="+")
    prefecture = models.ForeignKey(Prefecture, verbose_name=_("prefecture"), on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey(Office, verbose_name=_("center"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Municipality.Kind.choices)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    stage_date = models.DateField(_("effective date"), null=True, blank=True)
    previous_stage = models.CharField(
        _("stage at the previous year end"),
        max_length=16,
        choices=Stage.choices,
        default=Stage.NOT_STARTED,
        help_text=_("The stage of 31 March a year earlier, as the history stood at the close."),
    )
    first_adopted_on = models.DateField(_("first reached Done"), null=True, blank=True)
    municipality_active = models.BooleanField(_("local government active then"), default=True)
    item_active = models.BooleanField(_("item active then"), default=True)

    class Meta:
        verbose_name = _("closed figure")
        verbose_name_plural = _("closed figures")
        constraints = [
            models.UniqueConstraint(fields=["close", "municipality", "item"], name="closed_figure_one_per_row"),
        ]

    def __str__(self) -> str:
        return f"{self.close} {self.municipality_id} {self.item_id} {self.stage}"

    @property
    def counted(self) -> bool:
        return self.municipality_active and self.item_active


class StageMeaning(models.Model):
    """What one stage means for one request item (段階の定義), so every local government reports alike.

    ``applies=False`` marks a stage an item does not have (a one-off item such
    as 0-1 or 3-2 has no 定着: done once is done).
    """

    item = models.ForeignKey(
        RequestItem, verbose_name=_("request item"), on_delete=models.CASCADE, related_name="stage_meanings"
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    text_ja = models.TextField(_("meaning (Japanese)"), blank=True)
    text_en = models.TextField(_("meaning (English)"), blank=True)
    applies = models.BooleanField(_("stage applies"), default=True)

    class Meta:
        verbose_name = _("stage meaning")
        verbose_name_plural = _("stage meanings")
        ordering = ["item__sort_order", "stage"]
        constraints = [models.UniqueConstraint(fields=["item", "stage"], name="stage_meaning_one_per_item_stage")]

    def __str__(self) -> str:
        return f"{self.item.code} {self.stage}"

    @property
    def text(self) -> str:
        from django.utils.translation import get_language

        english = (get_language() or "ja").startswith("en")
        return (self.text_en or self.text_ja) if english else self.text_ja
