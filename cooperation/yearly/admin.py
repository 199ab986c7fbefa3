"""Admin of the yearly package: headquarters edits the stage meanings; closes are shown, never edited."""

from django.contrib import admin

from cooperation.models import FiscalYearClose, StageMeaning


@admin.register(StageMeaning)
class StageMeaningAdmin(admin.ModelAdmin):
    list_display = ["item", "stage", "applies", "text_ja"]
    list_filter = ["item", "stage", "applies"]
    list_select_related = ["item"]

    def save_model(self, request, obj, form, change):
        from django.core.cache import cache

        from cooperation.yearly.meanings import CACHE_KEY

        super().save_model(request, obj, form, change)
        cache.delete(CACHE_KEY)


@admin.register(FiscalYearClose)
class FiscalYearCloseAdmin(admin.ModelAdmin):
    """Closes are written by cooperation.yearly.services only (the close is audited there)."""

    list_display = ["year", "version", "closed_at", "closed_by", "figure_count", "reopened_at", "reopened_by"]
    list_select_related = ["closed_by", "reopened_by"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
