"""Events of consultation sessions and calendar feeds (``offices/events.py`` delivers them after commit)."""

from django.utils.translation import gettext_lazy as _

from offices.events import register

SESSION_PLANNED = register("session_planned", _("session planned"), audited=False)
SESSION_CHANGED = register("session_changed", _("session changed"))
SESSION_HELD = register("session_held", _("session held"), audited=False)
SESSION_CANCELLED = register("session_cancelled", _("session cancelled"))
SESSION_CONFIRMED = register("session_confirmed", _("session confirmed by the local government"))
SESSION_PROPOSED = register("session_proposed", _("session proposed by the local government"))
CALENDAR_FEED_CHANGED = register("calendar_feed_changed", _("calendar feed address made or revoked"))
