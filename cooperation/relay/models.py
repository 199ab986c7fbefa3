"""A record of one relay (周知) of the request by a prefectural government to its municipalities."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from offices.models import Municipality
from offices.scopes import municipality_scope_q

__all__ = ["RelayRecord"]


class RelayRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(municipality_scope_q(user, prefix="municipality__"))


class RelayRecord(models.Model):
    """Relay of the request to the municipalities (0-1 周知の記録): when, under which notice, with what note.

    A prefecture relays every year, so an entry is a legitimate record even
    when the 0-1 stage does not change; the fiscal year is kept with it.
    """

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("prefectural government"),
        on_delete=models.PROTECT,
        related_name="relay_records",
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    relayed_on = models.DateField(_("date relayed"))
    notice_number = models.CharField(_("notice number"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relay_records",
    )

    objects = RelayRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("relay record")
        verbose_name_plural = _("relay records")
        ordering = ["-relayed_on", "-id"]
        indexes = [models.Index(fields=["municipality", "fiscal_year"], name="relay_municipality_year")]

    def __str__(self) -> str:
        return f"{self.municipality} {self.relayed_on:%Y-%m-%d} {self.notice_number}".strip()

    def get_absolute_url(self) -> str:
        return self.municipality.prefecture.get_absolute_url() + "#relay"
