"""Admin pages: the outgoing mail (failed deliveries visible to headquarters) and the inbox rows."""

from django.contrib import admin

from cooperation.notifications.models import Notification, NotificationPreference, OutgoingMail


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to_address", "subject", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_address", "subject"]
    readonly_fields = [field.name for field in OutgoingMail._meta.fields]
    list_select_related = ["recipient"]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "municipality", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "actor", "municipality", "mail"]
    list_select_related = ["recipient", "municipality"]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "digest", "language", "last_digest_at"]
    raw_id_fields = ["user"]
