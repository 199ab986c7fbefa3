from django.contrib import admin

from cooperation.models import (
    Activity,
    Attachment,
    Category,
    ImportBatch,
    Progress,
    ProgressChange,
    Referral,
    ReferralEvent,
    RequestItem,
)
from cooperation.services import progress_backfill


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is written by the services only; the admin shows it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ja", "name_en"]
    search_fields = ["code", "name_ja", "name_en"]


@admin.register(RequestItem)
class RequestItemAdmin(admin.ModelAdmin):
    list_display = ["code", "title_ja", "category", "scope", "sort_order", "is_active"]
    list_filter = ["category", "scope", "is_active"]
    search_fields = ["code", "title_ja", "title_en"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A new item needs a progress row for every local government it applies to.
        progress_backfill()


class ProgressChangeInline(admin.TabularInline):
    model = ProgressChange
    extra = 0
    can_delete = False
    fields = ["effective_date", "from_stage", "to_stage", "recorded_at", "recorded_by", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Progress)
class ProgressAdmin(ReadOnlyAdmin):
    """Stages change through the stage-update form or the survey import, never by editing rows here."""

    list_display = ["municipality", "item", "stage", "stage_date", "updated_by", "updated_at"]
    list_filter = ["stage", "item", "municipality__prefecture", "municipality__office", "municipality__kind"]
    search_fields = ["municipality__lg_code", "municipality__name", "municipality__name_kana"]
    list_select_related = ["municipality", "item", "updated_by"]
    inlines = [ProgressChangeInline]


@admin.register(ProgressChange)
class ProgressChangeAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "progress", "from_stage", "to_stage", "effective_date", "recorded_by"]
    list_filter = ["to_stage", "progress__item", "progress__municipality__prefecture"]
    search_fields = ["progress__municipality__lg_code", "progress__municipality__name", "note"]
    list_select_related = ["progress__municipality", "progress__item", "recorded_by"]
    date_hierarchy = "recorded_at"


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["original_name", "content_type", "size", "uploaded_at", "uploaded_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["date", "office", "item", "kind", "title", "follow_up_on"]
    list_filter = ["kind", "item", "office", "office__prefecture"]
    search_fields = ["title", "summary", "municipalities__name", "municipalities__lg_code"]
    list_select_related = ["office", "item"]
    autocomplete_fields = ["municipalities"]
    date_hierarchy = "date"
    inlines = [AttachmentInline]


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "by", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["received_on", "municipality", "office", "topic", "status", "outcome"]
    list_filter = ["status", "outcome", "topic", "office", "municipality__prefecture"]
    search_fields = ["municipality__name", "municipality__lg_code", "agency", "summary"]
    list_select_related = ["municipality", "office"]
    date_hierarchy = "received_on"
    inlines = [ReferralEventInline]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "file_name", "created_by", "row_count", "change_count", "sha256"]
    search_fields = ["file_name", "sha256"]
    list_select_related = ["created_by"]
