"""Events of disaster response (``offices/events.py`` delivers them after commit)."""

from django.utils.translation import gettext_lazy as _

from offices.events import register

DISASTER_DECLARED = register("disaster_declared", _("disaster declared"))
DISASTER_CLOSED = register("disaster_closed", _("disaster closed"))
SPECIAL_OFFICE_OPENED = register("special_office_opened", _("special consultation office opened"), audited=False)
SPECIAL_OFFICE_CASES = register("special_office_cases", _("special office cases recorded"), audited=False)
PREPAREDNESS_RECORDED = register("preparedness_recorded", _("disaster preparedness recorded"))
