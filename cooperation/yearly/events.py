"""Events of the fiscal-year close; all three are kept in the audit trail."""

from django.utils.translation import gettext_lazy as _

from offices.events import register

YEAR_CLOSED = register("year_closed", _("fiscal year closed"))
YEAR_REISSUED = register("year_reissued", _("fiscal year close re-issued"))
YEAR_REOPENED = register("year_reopened", _("fiscal year reopened"))
