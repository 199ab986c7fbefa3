from http import HTTPStatus

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from offices.forms import AdminLoginForm
from offices.models import AuditEvent, Municipality, Office, Prefecture, Region, Role, User
from offices.policies import USER_MANAGE, can
from offices.services import audit_record, email_change_announce, login_lock_clear, roles_describe


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]


@admin.register(Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_kana", "name_en", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name", "name_kana", "name_en"]
    list_select_related = ["region"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "name", "division", "phone", "prefecture", "region", "is_region_head"]
    list_filter = ["region", "prefecture", "is_region_head"]
    search_fields = ["code", "label", "name", "phone"]
    list_select_related = ["region", "prefecture"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["lg_code", "name", "name_kana", "kind", "prefecture", "subprefecture", "office", "is_active"]
    list_filter = ["kind", "is_active", "prefecture", "office"]
    search_fields = ["lg_code", "name", "name_kana"]
    list_select_related = ["prefecture", "office"]
    list_per_page = 100


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["municipality"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [RoleInline]
    list_display = ["username", "display_name", "email", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "display_name", "email"]
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Display"), {"fields": ["display_name"]}),)

    # Only headquarters manages staff and superuser accounts, here as on the account pages (user.manage).
    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.pk is None or can(request.user, USER_MANAGE, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.pk is None or can(request.user, USER_MANAGE, obj))

    def user_change_password(self, request, id, form_url=""):
        """Django's set-password page, audited like the site's own password changes."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == HTTPStatus.FOUND:
            user = User.objects.get(pk=unquote(id))
            audit_record(
                action=AuditEvent.Action.PASSWORD_CHANGED,
                target=user.username,
                request=request,
                detail={"user_id": user.pk, "via": "admin"},
            )
            # A password set by an administrator ends a lock-out, as a completed reset does.
            login_lock_clear(username=user.username)
        return response

    # Changes made here reach the same audit trail as the account pages.
    def save_model(self, request, obj, form, change):
        old_email = User.objects.filter(pk=obj.pk).values_list("email", flat=True).first() if change else ""
        super().save_model(request, obj, form, change)
        if change and old_email and old_email != obj.email:
            email_change_announce(user=obj, old=old_email, by=request.user)
        if not change:
            audit_record(
                action=AuditEvent.Action.USER_CREATED,
                target=obj.username,
                request=request,
                detail={"user_id": obj.pk, "via": "admin"},
            )
            return
        changed = [name for name in form.changed_data if name != "password"]
        if "is_active" in changed and not obj.is_active:
            audit_record(
                action=AuditEvent.Action.USER_DEACTIVATED,
                target=obj.username,
                request=request,
                detail={"user_id": obj.pk, "via": "admin"},
            )
        if changed:
            audit_record(
                action=AuditEvent.Action.USER_UPDATED,
                target=obj.username,
                request=request,
                detail={"user_id": obj.pk, "fields": changed, "via": "admin"},
            )

    def save_related(self, request, form, formsets, change):
        user = form.instance
        before = roles_describe(Role.objects.filter(user=user)) if change else []
        super().save_related(request, form, formsets, change)
        after = roles_describe(Role.objects.filter(user=user))
        if before != after:
            audit_record(
                action=AuditEvent.Action.ROLE_CHANGED,
                target=user.username,
                request=request,
                detail={"user_id": user.pk, "before": before, "after": after, "via": "admin"},
            )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "actor", "username", "target", "ip_address"]
    list_filter = ["action"]
    search_fields = ["username", "target"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The admin's sign-in page obeys the same lock-out as the site's.
admin.site.login_form = AdminLoginForm
