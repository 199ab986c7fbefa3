"""Admin: headquarters maintains the request items; everything else is shown, never edited, here.

Stages, activities and referrals change through the screens, which call
the domain services (``cooperation.progress.services``, …) and so leave the same history whatever the path.
History (progress changes, referral events, imports) is read-only everywhere.
"""

from django.contrib import admin

from cooperation.caching.events import MASTER_DATA_CHANGED
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
from cooperation.progress.items import progress_backfill
from offices import events


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services only; the admin shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ja", "name_en"]
    fields = ["code", "name_ja", "name_en"]
    search_fields = ["code", "name_ja", "name_en"]


@admin.register(RequestItem)
class RequestItemAdmin(admin.ModelAdmin):
    """Headquarters adds next year's items or retires one; items are never deleted, so their history stays."""

    list_display = ["code", "title_ja", "category", "scope", "sort_order", "is_active"]
    list_filter = ["category", "scope", "is_active"]
    search_fields = ["code", "title_ja", "title_en"]
    list_select_related = ["category"]
    fields = ["code", "category", "title_ja", "title_en", "scope", "sort_order", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        # The code is the item's natural key in imports, exports and rules (2-3 is the referral item).
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A new (or reactivated, or widened) item needs a progress row for every local government it applies to.
        progress_backfill()
        events.publish(MASTER_DATA_CHANGED, actor=request.user, target=obj.code)


class ProgressChangeInline(ReadOnlyInline):
    model = ProgressChange
    fields = ["effective_date", "from_stage", "to_stage", "recorded_at", "recorded_by", "note", "evidence"]
    readonly_fields = fields
    ordering = ["effective_date", "id"]

    def get_queryset(self, request):
        related = ["recorded_by", "activity", "referral__municipality", "import_batch"]
        return super().get_queryset(request).select_related(*related)


@admin.register(Progress)
class ProgressAdmin(ReadOnlyAdmin):
    """Stages change through the local government page or the survey import, never by editing rows here."""

    list_display = ["municipality", "item", "stage", "stage_date", "version", "updated_by", "updated_at"]
    list_filter = ["stage", "item", "municipality__kind", "municipality__prefecture", "municipality__office"]
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


class AttachmentInline(ReadOnlyInline):
    """Names only: the file itself is served by the download view, which checks scope."""

    model = Attachment
    fields = ["original_name", "content_type", "size", "uploaded_at", "uploaded_by"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    """Activities are logged through the activity form, which applies the rules and may move stages."""

    list_display = ["date", "office", "item", "kind", "title", "follow_up_on", "follow_up_done"]
    list_filter = ["kind", "item", "follow_up_done", "office__region", "office"]
    search_fields = ["title", "summary", "municipalities__name", "municipalities__lg_code"]
    list_select_related = ["office", "item"]
    date_hierarchy = "date"
    inlines = [AttachmentInline]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "activity", "content_type", "size", "uploaded_at", "uploaded_by"]
    fields = ["activity", "original_name", "content_type", "size", "uploaded_at", "uploaded_by"]
    search_fields = ["original_name", "activity__title"]
    list_select_related = ["activity", "uploaded_by"]


class ReferralEventInline(ReadOnlyInline):
    model = ReferralEvent
    fields = ["at", "from_status", "to_status", "by", "note"]
    readonly_fields = fields


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["received_on", "municipality", "office", "direction", "topic", "status", "outcome"]
    list_filter = ["direction", "status", "outcome", "topic", "office__region", "office"]
    search_fields = ["municipality__name", "municipality__lg_code", "agency", "summary"]
    list_select_related = ["municipality", "office"]
    date_hierarchy = "received_on"
    inlines = [ReferralEventInline]


@admin.register(ReferralEvent)
class ReferralEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "referral", "from_status", "to_status", "by"]
    list_filter = ["to_status"]
    list_select_related = ["referral__municipality", "by"]
    date_hierarchy = "at"


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "file_name", "created_by", "row_count", "change_count", "sha256"]
    search_fields = ["file_name", "sha256"]
    list_select_related = ["created_by"]


from cooperation.commissioners import admin as commissioner_admin  # noqa: E402, F401  (the register's admin)
from cooperation.yearly import admin as yearly_admin  # noqa: E402, F401  (stage meanings, closes: issue 15)
