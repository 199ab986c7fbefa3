from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "offices"
    verbose_name = _("Organisations and people")

    def ready(self):
        from offices import audit, auth  # noqa: F401  (the audit subscriber; the sign-in audit receivers)
