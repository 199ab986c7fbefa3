"""Corrections of activities are audited (``cooperation/events.py`` holds logging and follow-ups)."""

from django.utils.translation import gettext_lazy as _

from offices.events import register

ACTIVITY_CORRECTED = register("activity_corrected", _("activity corrected"))
ACTIVITY_CANCELLED = register("activity_cancelled", _("activity cancelled"))
