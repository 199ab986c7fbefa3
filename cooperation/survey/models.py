"""Applied survey imports (調査票の取込)."""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from cooperation.progress.models import ProgressChange
from offices.models import User
from offices.scopes import municipality_scope_q


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
