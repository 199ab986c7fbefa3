"""Admin of the register: headquarters keeps the background categories; the register is read-only here.

Commissioners, terms and awards change through the register's pages and
import, which call the services (policy, history, events, stages).
"""

from django.contrib import admin

from cooperation.commissioners.models import Commissioner, CommissionerBackground


@admin.register(CommissionerBackground)
class CommissionerBackgroundAdmin(admin.ModelAdmin):
    list_display = ["name_ja", "name_en", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name_ja", "name_en"]


@admin.register(Commissioner)
class CommissionerAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "municipality", "status", "appointed_on", "term_ends_on"]
    list_filter = ["status", "municipality__prefecture"]
    search_fields = ["number", "name", "name_kana"]
    list_select_related = ["municipality"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
