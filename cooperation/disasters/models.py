"""Disaster response (災害対応): declared disasters, special offices' daily cases, and peacetime preparedness (2-4)."""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offices.models import Municipality, Prefecture, Region, User
from offices.scopes import municipality_scope_q


class DisasterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Disasters touching a local government the user sees (HQ sees every one)."""
        scope = municipality_scope_q(user, prefix="municipality__")
        if not scope:
            return self.all() if user is not None and user.is_authenticated else self.none()
        return self.filter(
            Exists(Disaster.municipalities.through.objects.filter(disaster=OuterRef("pk")).filter(scope))
        )

    def active(self):
        return self.filter(ended_on=None)


class Disaster(models.Model):
    """Disaster (災害) declared by headquarters or a bureau, with the local governments it affects."""

    class Kind(models.TextChoices):
        EARTHQUAKE = "earthquake", _("earthquake")
        TSUNAMI = "tsunami", _("tsunami")
        HEAVY_RAIN = "heavy_rain", _("heavy rain and floods")
        TYPHOON = "typhoon", _("typhoon")
        SNOW = "snow", _("heavy snow")
        VOLCANO = "volcano", _("volcanic eruption")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    started_on = models.DateField(_("start date"))
    ended_on = models.DateField(_("closed on"), null=True, blank=True)
    prefectures = models.ManyToManyField(Prefecture, verbose_name=_("affected prefectures"), related_name="disasters")
    municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("affected local governments"), related_name="disasters"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("declared by bureau"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disasters",
        help_text=_("Empty when headquarters declared it."),
    )
    note = models.TextField(_("note"), blank=True)
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now, editable=False)
    declared_by = models.ForeignKey(
        User, verbose_name=_("declared by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = DisasterQuerySet.as_manager()

    class Meta:
        verbose_name = _("disaster")
        verbose_name_plural = _("disasters")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="disaster_closed_after_start", condition=Q(ended_on=None) | Q(ended_on__gte=models.F("started_on"))
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cooperation:disaster_detail", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class SpecialOfficeDay(models.Model):
    """Cases a special consultation office (特別行政相談所) received on one day."""

    session = models.ForeignKey(
        "cooperation.Session", verbose_name=_("special office"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    cases = models.PositiveIntegerField(_("cases"))
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("day of a special office")
        verbose_name_plural = _("days of special offices")
        ordering = ["session", "date"]
        constraints = [models.UniqueConstraint(fields=["session", "date"], name="special_office_day_once")]

    def __str__(self) -> str:
        return f"{self.date}: {self.cases}"


class Preparedness(models.Model):
    """What a local government agreed in peacetime for a disaster (item 2-4): its liaison contact.

    The venues it agreed to offer are its ``Venue`` rows marked ``for_disasters``.
    The contact is an office's, not a person's: a department, telephone and mail.
    """

    municipality = models.OneToOneField(
        Municipality, verbose_name=_("local government"), on_delete=models.PROTECT, related_name="preparedness"
    )
    liaison_department = models.CharField(_("liaison department"), max_length=100)
    liaison_phone = models.CharField(_("liaison telephone"), max_length=20)
    liaison_email = models.EmailField(_("liaison e-mail"), blank=True)
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    note = models.TextField(_("what was agreed"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        User, verbose_name=_("updated by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("disaster preparedness")
        verbose_name_plural = _("disaster preparedness")
        ordering = ["municipality"]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.liaison_department}"
