"""National dashboard (全国ダッシュボード): the tile-grid map, per-item bars, the fiscal year's counts."""

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Exists, OuterRef, Q
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from cooperation import fiscal
from cooperation.caching import rollups
from cooperation.models import Activity, Progress, ProgressChange, Referral, RequestItem, Stage
from cooperation.reporting import rollups as reports
from cooperation.yearly.selectors import first_data_year
from offices.models import Municipality, Prefecture, Region

# How many past fiscal years the selector offers besides the current one.
PAST_FISCAL_YEARS = 4


class DashboardFilterForm(forms.Form):
    """Region, fiscal year and item; the choices are built by the view from lists it already loaded."""

    region = forms.ChoiceField(label=_("Region"), required=False)
    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, required=False)
    item = forms.ChoiceField(label=_("Request item"), required=False)

    def __init__(self, *args, regions, items, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All regions"))] + [(region.code, region.name) for region in regions]
        self.fields["fiscal_year"].choices = [(year, fiscal.fiscal_year_label(year)) for year in years]
        self.fields["item"].choices = [("", _("All items"))] + [(item.code, str(item)) for item in items]


class DashboardView(LoginRequiredMixin, TemplateView):
    """Adoption across the country, or across the part of it the user sees.

    Every figure is drawn from ``visible_to(user)`` querysets, so a narrower
    role sees the same page for its own scope, and a prefecture outside it is
    shown without figures.
    """

    template_name = "cooperation/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = fiscal.today()
        current_year = fiscal.fiscal_year(today)
        # Only the fiscal years with recorded data (issue 15): an earlier year would paint 0 % everywhere.
        first_year = first_data_year()
        years = [year for year in range(current_year, current_year - PAST_FISCAL_YEARS - 1, -1)]
        years = [year for year in years if first_year is not None and year >= first_year] or [current_year]
        asked = self.request.GET.get("fiscal_year", "")
        year_without_data = int(asked) if asked.isdigit() and first_year and int(asked) < first_year else None

        visible = Municipality.objects.visible_to(user)
        regions = list(
            Region.objects.filter(
                Exists(
                    visible.filter(Q(prefecture__region=OuterRef("pk")) | Q(prefecture__region__parent=OuterRef("pk")))
                )
            )
        )
        items = list(RequestItem.objects.active())
        form = DashboardFilterForm(self.request.GET or None, regions=regions, items=items, years=years)
        region, item, year = None, None, current_year
        if form.is_bound:
            # A wrong value drops only its own choice (and shows its error); the others still apply.
            form.full_clean()
            region = next((r for r in regions if r.code == form.cleaned_data.get("region")), None)
            item = next((i for i in items if i.code == form.cleaned_data.get("item")), None)
            year = form.cleaned_data.get("fiscal_year") or current_year
        as_of = today if year == current_year else fiscal.fiscal_year_end(year)

        progress = Progress.objects.visible_to(user).filter(
            reports.in_region(region, "municipality__prefecture__region")
        )
        # One pass over the progress rows gives both the map (per prefecture) and the bars (per item).
        stages_depend = rollups.scope_depends(user)
        cache_scope = {"user": user, "depends": stages_depend, "region": region and region.pk}
        # Counts of activities and referrals: not recomputed after a stage change (generations.work).
        work_scope = {**cache_scope, "depends": rollups.work_depends(stages_depend)}
        tally = rollups.stage_tally(progress, user=user, region=region, as_of=as_of, today=today)
        shares = tally.shares(item)
        tiles = reports.tile_map(Prefecture.objects.all(), shares)
        counts = rollups.cached(
            "year_counts",
            lambda: reports.fiscal_year_counts(
                activities=Activity.objects.visible_to(user).filter(
                    reports.in_region(region, "office__prefecture__region")
                ),
                referrals=Referral.objects.visible_to(user).filter(
                    reports.in_region(region, "municipality__prefecture__region")
                ),
                year=year,
            ),
            **work_scope,
            year=year,
        )
        changes = rollups.cached(
            "latest_changes",
            lambda: reports.latest_changes(
                ProgressChange.objects.visible_to(user).filter(
                    reports.in_region(region, "progress__municipality__prefecture__region")
                ),
                as_of=as_of,
            ),
            **cache_scope,
            as_of=as_of,
        )
        report_query = {}
        if as_of != today:
            report_query["as_of"] = as_of.isoformat()
        if item is not None:
            report_query["item"] = item.code
        context.update(
            form=form,
            region=region,
            item=item,
            fiscal_year=year,
            as_of=as_of,
            tiles=tiles,
            in_scope_tiles=[tile for tile in tiles if tile.share is not None],
            national=reports.Share(
                sum(share.adopted for share in shares.values()), sum(share.total for share in shares.values())
            ),
            bands=[
                (index, f"{lower}–{100 if upper == 100 else upper - 1}%")
                for index, (lower, upper) in enumerate(reports.ADOPTION_BANDS)
            ],
            stages=Stage.choices,
            item_stages=tally.item_stages(items),
            counts=counts,
            changes=changes,
            report_query=urlencode(report_query),
            first_data_year=first_year,
            year_without_data=year_without_data,
            fragment_key=rollups.fragment_key(
                "dashboard_html",
                **{**cache_scope, "depends": stages_depend | work_scope["depends"]},
                item=item and item.pk,
                year=year,
                as_of=as_of,
                today=today,
            ),
        )
        return context
