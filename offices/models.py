"""Organisations and people: regions, prefectures, centers, local governments, users."""

import json
from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from offices.validators import validate_lg_code


class NaturalKeyManager(models.Manager):
    """Manager that looks rows up by their natural key (``natural_key_field``)."""

    def get_by_natural_key(self, key):
        return self.get(**{self.model.natural_key_field: key})


class Region(models.Model):
    """Regional bureau (管区行政評価局), the 四国 branch (支局) or 沖縄行政評価事務所."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent bureau"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
    )

    objects = NaturalKeyManager()
    natural_key_field = "code"

    class Meta:
        verbose_name = _("regional bureau")
        verbose_name_plural = _("regional bureaus")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.code,)


class Prefecture(models.Model):
    """Prefecture (都道府県), identified by its two-digit JIS X 0401 code."""

    code = models.CharField(_("JIS code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=8)
    name_kana = models.CharField(_("name (kana)"), max_length=16)
    name_en = models.CharField(_("name (English)"), max_length=32)
    region = models.ForeignKey(
        Region, verbose_name=_("regional bureau"), on_delete=models.PROTECT, related_name="prefectures"
    )

    objects = NaturalKeyManager.from_queryset(models.QuerySet)()
    natural_key_field = "code"

    class Meta:
        verbose_name = _("prefecture")
        verbose_name_plural = _("prefectures")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("cooperation:prefecture_report", kwargs={"code": self.code})

    def natural_key(self):
        return (self.code,)

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "ja").startswith("en") else self.name


class OfficeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Centers whose desk the user may open (ministry staff of that center, its bureau, HQ)."""
        from offices.scopes import office_scope_q

        return self.filter(office_scope_q(user))

    def editable_by(self, user):
        """Centers for which the user may log activities and handle referrals (not viewers)."""
        from offices.scopes import office_scope_q

        return self.filter(office_scope_q(user, write=True))


class Office(models.Model):
    """Administrative counseling center (行政相談センター)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    label = models.CharField(_("short name"), max_length=16)
    name = models.CharField(_("organisation"), max_length=64)
    division = models.CharField(_("division"), max_length=64)
    phone = models.CharField(_("telephone"), max_length=20)
    region = models.ForeignKey(
        Region, verbose_name=_("regional bureau"), on_delete=models.PROTECT, related_name="offices"
    )
    prefecture = models.ForeignKey(
        Prefecture, verbose_name=_("prefecture"), on_delete=models.PROTECT, related_name="offices"
    )
    is_region_head = models.BooleanField(_("bureau head office"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = NaturalKeyManager.from_queryset(OfficeQuerySet)()
    natural_key_field = "code"

    class Meta:
        verbose_name = _("administrative counseling center")
        verbose_name_plural = _("administrative counseling centers")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("cooperation:office_desk", kwargs={"code": self.code})

    def natural_key(self):
        return (self.code,)


class MunicipalityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Local governments the user may see: the single rule behind every page, export and count."""
        from offices.scopes import municipality_scope_q

        return self.filter(municipality_scope_q(user))

    def editable_by(self, user):
        """Local governments whose progress, activities and referrals the user may change."""
        from offices.scopes import municipality_scope_q

        return self.filter(municipality_scope_q(user, write=True))

    def active(self):
        return self.filter(is_active=True)


class Municipality(models.Model):
    """Local government (地方公共団体): a prefectural government or a municipality (市区町村)."""

    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("prefectural government")
        DESIGNATED_CITY = "designated_city", _("designated city")
        CITY = "city", _("city")
        TOWN = "town", _("town")
        VILLAGE = "village", _("village")
        SPECIAL_WARD = "special_ward", _("special ward")

    lg_code = models.CharField(_("local government code"), max_length=6, unique=True, validators=[validate_lg_code])
    name = models.CharField(_("name"), max_length=32)
    name_kana = models.CharField(_("name (kana)"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    prefecture = models.ForeignKey(
        Prefecture, verbose_name=_("prefecture"), on_delete=models.PROTECT, related_name="municipalities"
    )
    subprefecture = models.CharField(_("subprefecture (振興局)"), max_length=16, blank=True)
    office = models.ForeignKey(
        Office, verbose_name=_("responsible center"), on_delete=models.PROTECT, related_name="municipalities"
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = NaturalKeyManager.from_queryset(MunicipalityQuerySet)()
    natural_key_field = "lg_code"

    class Meta:
        verbose_name = _("local government")
        verbose_name_plural = _("local governments")
        # The prefectural government (code NN000x) sorts first in its prefecture.
        ordering = ["lg_code"]
        indexes = [models.Index(fields=["prefecture", "kind"], name="municipality_pref_kind")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cooperation:municipality_detail", kwargs={"lg_code": self.lg_code})

    def natural_key(self):
        return (self.lg_code,)

    @property
    def is_prefecture(self) -> bool:
        return self.kind == self.Kind.PREFECTURE


class User(AbstractUser):
    """A person who signs in: ministry staff (本省・管区・センター) or a local government officer."""

    display_name = models.CharField(_("display name"), max_length=64, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def scope_roles(self) -> list["Role"]:
        """The user's roles with their targets: one query, once per request (offices/scopes.py needs no more)."""
        return list(self.roles.select_related("region", "office", "prefecture", "municipality"))


class Role(models.Model):
    """A post a user holds (役割) and the organisation it covers; read-only makes it a viewer (閲覧者)."""

    class Kind(models.TextChoices):
        HEADQUARTERS = "headquarters", _("headquarters")
        BUREAU = "bureau", _("regional bureau")
        CENTER = "center", _("center staff")
        PREFECTURE = "prefecture", _("prefecture officer")
        MUNICIPALITY = "municipality", _("local government officer")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=16, choices=Kind.choices)
    read_only = models.BooleanField(_("read only (viewer)"), default=False)
    region = models.ForeignKey(
        Region, verbose_name=_("regional bureau"), on_delete=models.PROTECT, null=True, blank=True, related_name="roles"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("center"), on_delete=models.PROTECT, null=True, blank=True, related_name="roles"
    )
    prefecture = models.ForeignKey(
        Prefecture, verbose_name=_("prefecture"), on_delete=models.PROTECT, null=True, blank=True, related_name="roles"
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("local government"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roles",
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["user", "kind"]
        constraints = [
            models.CheckConstraint(
                name="role_target_matches_kind",
                condition=(
                    Q(kind="headquarters", region=None, office=None, prefecture=None, municipality=None)
                    | Q(kind="bureau", region__isnull=False, office=None, prefecture=None, municipality=None)
                    | Q(kind="center", office__isnull=False, region=None, prefecture=None, municipality=None)
                    | Q(kind="prefecture", prefecture__isnull=False, region=None, office=None, municipality=None)
                    | Q(kind="municipality", municipality__isnull=False, region=None, office=None, prefecture=None)
                ),
            ),
        ]

    def __str__(self) -> str:
        target = self.target
        label = self.get_kind_display() if target is None else f"{self.get_kind_display()} ({target})"
        return "{} [{}]".format(label, _("read only")) if self.read_only else label

    @property
    def target(self):
        """The organisation the role covers; None for headquarters."""
        for field in ("region", "office", "prefecture", "municipality"):
            if getattr(self, field + "_id") is not None:
                return getattr(self, field)
        return None

    def describe(self) -> dict:
        """The role as plain data with natural keys, for the audit trail's before/after."""
        target = self.target
        return {
            "kind": self.kind,
            "target": target.natural_key()[0] if target is not None else "",
            "read_only": self.read_only,
        }

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        needed = {
            self.Kind.HEADQUARTERS: None,
            self.Kind.BUREAU: "region",
            self.Kind.CENTER: "office",
            self.Kind.PREFECTURE: "prefecture",
            self.Kind.MUNICIPALITY: "municipality",
        }.get(self.kind)
        errors = {}
        for field in ("region", "office", "prefecture", "municipality"):
            value = getattr(self, field + "_id")
            if field == needed and value is None:
                errors[field] = _("This role needs a %(field)s.") % {"field": self._meta.get_field(field).verbose_name}
            elif field != needed and value is not None:
                errors[field] = _("Leave this empty for this role.")
        if errors:
            raise ValidationError(errors)


class AuditEvent(models.Model):
    """Audit trail (操作記録) of what happened beyond progress history: sign-ins, user changes, exports, imports."""

    class Action:
        """The codes ``offices`` raises itself; the registry of every code and its label is ``offices.events``."""

        LOGIN = "login"
        LOGIN_FAILED = "login_failed"
        LOGOUT = "logout"
        LOCKED_OUT = "locked_out"
        PASSWORD_CHANGED = "password_changed"
        USER_CREATED = "user_created"
        USER_UPDATED = "user_updated"
        USER_DEACTIVATED = "user_deactivated"
        ROLE_CHANGED = "role_changed"
        UNLOCKED = "unlocked"
        PASSWORD_RESET_SENT = "password_reset_sent"

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("by"), on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    username = models.CharField(_("user name given"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32)
    target = models.CharField(_("target"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["action", "at"], name="audit_action_at"),
            # Lock-out counts an account's recent failed sign-ins on every attempt.
            models.Index(fields=["username", "action", "at"], name="audit_username_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at} {self.username or self.actor_id} {self.action}"

    def get_action_display(self) -> str:
        from offices.events import label

        return label(self.action)

    @property
    def detail_text(self) -> str:
        """The detail as compact JSON with Japanese left readable."""
        return json.dumps(self.detail, ensure_ascii=False, sort_keys=True) if self.detail else ""


from offices.throttle import SignInCounter  # noqa: E402,F401
