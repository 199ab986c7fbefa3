"""The caching package's one event: master data or request items changed (every roll-up is recomputed)."""

from django.utils.translation import gettext_lazy as _

from offices.events import register

MASTER_DATA_CHANGED = register("master_data_changed", _("master data changed"), audited=False)
