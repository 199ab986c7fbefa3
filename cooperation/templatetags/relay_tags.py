"""The relay (0-1) panel of a prefecture's page: this year's records and, for those who may, the form.

The panel is kept as markup in the roll-up cache per scope, under the generation of the prefectural
government (``generations.municipality``): its stages and its relay records bump it, and nothing else
does, so the many reports drawn after other local governments' changes do not render it again. The form's
CSRF token is filled in for each request (cooperation/caching/placeholders.py).
"""

from django import template
from django.template.loader import render_to_string

from cooperation import fiscal
from cooperation.caching import generations, placeholders, rollups
from cooperation.fiscal import today
from cooperation.models import Progress
from cooperation.relay.forms import RelayRecordForm
from cooperation.relay.models import RelayRecord
from offices import policies
from offices.models import Municipality

register = template.Library()
SHOWN = 5
TEMPLATE = "cooperation/includes/relay_panel.html"


def _government_id(prefecture) -> int | None:
    """The prefectural government of ``prefecture`` (master data: one per prefecture)."""
    return rollups.cached(
        "prefectural_government",
        lambda: (
            Municipality.objects.filter(prefecture=prefecture, kind=Municipality.Kind.PREFECTURE)
            .values_list("pk", flat=True)
            .first()
        ),
        user=None,
        depends=[],
        prefecture=prefecture.pk,
    )


def panel_context(user, prefecture, *, may_record: bool) -> dict:
    """Three queries: the prefectural government (as the user sees it), its 0-1 progress, the records."""
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
        "may_record": may_record,
        "form": RelayRecordForm(),
        "csrf_token": placeholders.csrf(),
    }


@register.simple_tag(takes_context=True)
def relay_panel(context, user, prefecture):
    government_id = _government_id(prefecture)
    if government_id is None:
        return ""
    may_record = policies.can(user, policies.PROGRESS_CHANGE, government_id)
    html = rollups.cached(
        "relay_panel",
        lambda: render_to_string(TEMPLATE, panel_context(user, prefecture, may_record=may_record)),
        user=user,
        depends=[generations.municipality(government_id)],
        prefecture=prefecture.pk,
        today=today(),
        may_record=may_record,
    )
    return placeholders.fill(html, context["request"])
