"""The yearly report: the fiscal years, one year's national report (page, print, xlsx), the close, the trends.

Ministry staff (headquarters, bureaus, centers) read the report for their
own scope; every figure is drawn from ``visible_to(user)`` rows. Closing,
re-issuing and reopening are headquarters' only (``year.close``); the
services decide, the views only show or hide the buttons.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from cooperation import exports, fiscal
from cooperation.events import EXPORTED
from cooperation.mixins import ScopedMixin
from cooperation.yearly import charts, html, selectors, services, trends
from cooperation.yearly.forms import CloseForm, ReopenForm, TrendForm
from cooperation.yearly.workbook import report_bytes
from offices import scopes
from offices.policies import YEAR_CLOSE, can
from offices.services import audit_record


def scope_label(user) -> str:
    """Whose figures the report holds, for its conditions line."""
    if scopes.is_headquarters(user):
        return _("whole country")
    return ", ".join(str(role) for role in user.scope_roles) or _("your scope")


class YearAccessMixin(ScopedMixin):
    """The report is the ministry's: staff of headquarters, bureaus and centers (others get 403)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.may_read_report(request.user):
            raise PermissionDenied(_("The yearly report is for ministry staff."))
        return super().dispatch(request, *args, **kwargs)

    def year(self) -> int:
        """The year in the URL: a fiscal year with data, up to the current one; anything else is a 404."""
        year = self.kwargs["year"]
        if year not in selectors.years_with_data():
            raise Http404(_("No data for this fiscal year."))
        return year


class YearListView(YearAccessMixin, TemplateView):
    template_name = "cooperation/fiscalyearclose_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = fiscal.today()
        years = selectors.years_with_data(today=today)
        closes = selectors.closes_in_force(years)
        current = fiscal.fiscal_year(today)
        context["years"] = [
            {
                "year": year,
                "label": fiscal.fiscal_year_label(year),
                "close": closes.get(year),
                "finished": year < current,
            }
            for year in years
        ]
        context["may_close"] = can(self.request.user, YEAR_CLOSE)
        context["first_year"] = selectors.first_data_year()
        return context


class YearReportView(YearAccessMixin, TemplateView):
    template_name = "cooperation/fiscalyearclose_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        report = selectors.year_report(user=user, year=self.year())
        national = _("National")
        context.update(
            report=report,
            html={
                "prefecture_rows": html.share_rows_html(report.prefectures),
                "kind_rows": html.share_rows_html(report.kinds),
                "total_row": html.share_total_html(report.national, national),
                "newly_started": html.newly_started_rows_html(report.newly_started),
                "activities": [(caption, html.activity_rows_html(rows)) for caption, rows in report.activity_tables],
                "referrals_by_prefecture": html.referral_rows_html(report.referrals_by_prefecture),
                "referrals_by_direction": html.referral_rows_html(report.referrals_by_direction),
                "referrals_by_topic": html.referral_rows_html(report.referrals_by_topic),
                "referrals_by_agency": html.referral_rows_html(report.referrals_by_agency),
                "referrals_by_outcome": html.referral_rows_html(report.referrals_by_outcome),
            },
            scope_label=scope_label(user),
            conditions=selectors_conditions(report, scope_label(user)),
            printed_on=fiscal.today(),
            may_close=can(user, YEAR_CLOSE, report.year),
            finished=report.year < fiscal.fiscal_year(fiscal.today()),
            close_form=CloseForm(),
            reopen_form=ReopenForm(),
        )
        return context


def selectors_conditions(report, label: str) -> str:
    from cooperation.yearly.workbook import conditions

    return conditions(report, label)


class YearPrintView(YearReportView):
    template_name = "cooperation/fiscalyearclose_print.html"


class YearWorkbookView(YearAccessMixin, View):
    def get(self, request, year: int):
        report = selectors.year_report(user=request.user, year=self.year())
        content = report_bytes(report, scope_label=scope_label(request.user), printed_on=fiscal.today())
        response = HttpResponse(content, content_type=exports.XLSX_TYPE)
        state = f"v{report.close.version}" if report.close else "provisional"
        response["Content-Disposition"] = exports._disposition(f"年度報告_{report.year}_{state}.xlsx")
        audit_record(
            action=EXPORTED,
            request=request,
            target=request.path,
            detail={"format": "xlsx", "year": report.year, "version": report.close.version if report.close else None},
        )
        return response


class _YearActionView(YearAccessMixin, View):
    """POST only: run one service, then back to the year's page with what happened."""

    form_class = CloseForm

    def post(self, request, year: int):
        year = self.year()
        if not can(request.user, YEAR_CLOSE, year):
            raise PermissionDenied(_("Only headquarters may close, re-issue or reopen a fiscal year."))
        form = self.form_class(request.POST)
        target = HttpResponseRedirect(_report_url(year))
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return target
        try:
            message = self.act(year=year, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, message)
        return target


def _report_url(year: int) -> str:
    from django.urls import reverse

    return reverse("cooperation:yearly_report", kwargs={"year": year})


class YearCloseView(_YearActionView):
    def act(self, *, year, by, note):
        close = services.year_close(year=year, by=by, note=note)
        return _("{year} closed (version {version}): {count} figures frozen.").format(
            year=fiscal.fiscal_year_label(year), version=close.version, count=close.figure_count
        )


class YearReissueView(_YearActionView):
    def act(self, *, year, by, note):
        close = services.year_reissue(year=year, by=by, note=note)
        return _("{year} re-issued as version {version}: {count} figures changed.").format(
            year=fiscal.fiscal_year_label(year), version=close.version, count=len(close.changes)
        )


class YearReopenView(_YearActionView):
    form_class = ReopenForm

    def act(self, *, year, by, reason):
        close = services.year_reopen(year=year, by=by, reason=reason)
        return _("{year} reopened (version {version} no longer in force).").format(
            year=fiscal.fiscal_year_label(year), version=close.version
        )


class StageMeaningsView(LoginRequiredMixin, TemplateView):
    """What each stage means for each item: for everyone who reports, local governments first."""

    template_name = "cooperation/stagemeaning_list.html"

    def get_context_data(self, **kwargs):
        from cooperation.models import RequestItem
        from cooperation.yearly.meanings import meaning_rows

        context = super().get_context_data(**kwargs)
        context["rows"] = meaning_rows(list(RequestItem.objects.active()))
        return context


class TrendView(YearAccessMixin, TemplateView):
    """Adoption of each item over the fiscal years for the chosen area, and the regions side by side."""

    template_name = "cooperation/fiscalyearclose_trends.html"

    def get_context_data(self, **kwargs):
        from cooperation.models import RequestItem
        from offices.models import Municipality, Prefecture, Region

        context = super().get_context_data(**kwargs)
        user = self.request.user
        visible_prefectures = set(
            Municipality.objects.visible_to(user).values_list("prefecture_id", flat=True).distinct()
        )
        prefectures = [p for p in Prefecture.objects.select_related("region") if p.pk in visible_prefectures]
        regions = [r for r in Region.objects.filter(parent=None) if any(_in_region(p, r) for p in prefectures)]
        items = list(RequestItem.objects.order_by("sort_order", "code"))
        form = TrendForm(self.request.GET or None, regions=regions, prefectures=prefectures, items=items)
        area, item_code = "", ""
        if form.is_bound:
            form.full_clean()
            area = form.cleaned_data.get("area") or ""
            item_code = form.cleaned_data.get("item") or ""
        chosen = prefectures
        area_label = _("whole scope")
        if area.startswith("region:"):
            region = next(r for r in regions if r.code == area.split(":", 1)[1])
            chosen = [p for p in prefectures if _in_region(p, region)]
            area_label = region.name
        elif area.startswith("prefecture:"):
            chosen = [p for p in prefectures if p.code == area.split(":", 1)[1]]
            area_label = chosen[0].display_name
        years = sorted(selectors.years_with_data())
        tallies = trends.year_end_tallies(user=user, years=years)
        closed = selectors.closes_in_force(years)
        chosen_ids = {p.pk for p in chosen}
        shown_items = [i for i in items if any(key[2] == i.pk for t in tallies.values() for key in t)]
        item_trend = trends.Trend(
            years=years,
            closed=[year in closed for year in years],
            series=[
                trends.TrendSeries(
                    item.code,
                    f"{item.code} {item.title}",
                    [_percent(tallies[y], lambda p, i, it=item: p in chosen_ids and i == it.pk) for y in years],
                )
                for item in shown_items
            ],
        )
        item = next((i for i in items if i.code == item_code), None)
        region_trend = trends.Trend(
            years=years,
            closed=[year in closed for year in years],
            series=[
                trends.TrendSeries(
                    region.code,
                    region.name,
                    [
                        _percent(
                            tallies[y],
                            lambda p, i, r=region: (
                                p in {q.pk for q in prefectures if _in_region(q, r)} and (item is None or i == item.pk)
                            ),
                        )
                        for y in years
                    ],
                )
                for region in regions
            ],
        )
        item_title = _("Adoption per item, {area}").format(area=area_label)
        region_title = _("Adoption per region, {item}").format(item=str(item) if item else _("all items"))
        context.update(
            form=form,
            area_label=area_label,
            item_trend=item_trend,
            region_trend=region_trend,
            item_title=item_title,
            region_title=region_title,
            charts=[
                (
                    item_title,
                    item_trend,
                    charts.trend_svg(
                        item_trend, title=item_title, description=charts.describe(item_trend), chart_id="items-chart"
                    ),
                ),
                (
                    region_title,
                    region_trend,
                    charts.trend_svg(
                        region_trend,
                        title=region_title,
                        description=charts.describe(region_trend),
                        chart_id="regions-chart",
                    ),
                ),
            ],
        )
        return context


def _in_region(prefecture, region) -> bool:
    return prefecture.region_id == region.pk or prefecture.region.parent_id == region.pk


def _percent(tally, keep) -> float | None:
    adopted = total = 0
    for (prefecture, _kind, item, stage), n in tally.items():
        if keep(prefecture, item):
            total += n
            if stage in selectors.ADOPTED_VALUES:
                adopted += n
    return None if not total else 100.0 * adopted / total
