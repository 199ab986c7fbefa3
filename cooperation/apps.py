from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cooperation"
    verbose_name = _("Cooperation")

    def ready(self):
        from cooperation import events  # noqa: F401  (registers the cooperation domain's event codes)
        from cooperation.caching import subscribers  # roll-up cache invalidation

        subscribers.connect_disaster_signals()
        from cooperation.commissioners import events as commissioner_events  # noqa: F401
        from cooperation.notifications import connect  # noqa: F401  (notification subscribers and admin)
