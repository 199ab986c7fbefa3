"""The relay (0-1) panel of a prefecture's page: this year's records and, for those who may, the form."""

from django import template

from cooperation import fiscal
from cooperation.fiscal import today
from cooperation.models import Progress
from cooperation.relay.forms import RelayRecordForm
from cooperation.relay.models import RelayRecord
from offices import policies
from offices.models import Municipality

register = template.Library()
SHOWN = 5


@register.inclusion_tag("cooperation/includes/relay_panel.html")
def relay_panel(user, prefecture):
    """Four queries: the prefectural government, its 0-1 progress, the records, the permission."""
    government = (
        Municipality.objects.visible_to(user).filter(prefecture=prefecture, kind=Municipality.Kind.PREFECTURE).first()
    )
    if government is None:
        return {"government": None}
    year = fiscal.fiscal_year(today())
    records = list(RelayRecord.objects.filter(municipality=government).select_related("recorded_by")[:SHOWN])
    return {
        "government": government,
        "progress": Progress.objects.filter(municipality=government, item__code="0-1").first(),
        "records": records,
        "this_year": [record for record in records if record.fiscal_year == year],
        "year": year,
        "may_record": policies.can(user, policies.PROGRESS_CHANGE, government),
        "form": RelayRecordForm(),
    }
