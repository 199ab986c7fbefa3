from django.utils.translation import gettext_lazy as _

from offices.events import register

RELAY_RECORDED = register("relay.recorded", _("relay to the municipalities recorded"))
