"""The yearly report (年度報告): the fiscal years, each year's report tables, and the closed years' frozen figures.

As on the site, the report is the ministry's (``yearly.selectors.may_read_report``:
prefecture and local government officers get 403) and every figure is drawn
within the reader's scope. A year's tables come from ``yearly.selectors.year_report``,
the very function behind the page, the print view and the workbook, so the
API's figures are the site's. ``closed-figures/`` lists the frozen stage of
every local government × item of the closes in force (the latest version of
each closed year, unless it was reopened).
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cooperation import fiscal
from cooperation.api.fast import ValuesListMixin, iso
from cooperation.api.filters import IntegerFilter
from cooperation.api.views import FilterBackend, Pagination
from cooperation.lists.filters import ALL, ScopedFilterSet, request_items, visible_offices, visible_prefectures
from cooperation.models import ClosedFigure, FiscalYearClose, Stage
from cooperation.yearly import selectors
from offices.models import Municipality
from offices.scopes import municipality_scope_q

LG_CODE = _("local government code")
YEAR = OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("Fiscal year, e.g. 2025"))


class MayReadReport(permissions.BasePermission):
    message = _("The yearly report is for ministry staff.")

    def has_permission(self, request, view):
        return selectors.may_read_report(request.user)


class FiscalYearSerializer(serializers.Serializer):
    year = serializers.IntegerField(label=_("fiscal year"))
    label = serializers.CharField(label=_("Fiscal year"), help_text=_("e.g. 令和7年度"))
    finished = serializers.BooleanField(label=_("finished"), help_text=_("The fiscal year has ended"))
    closed = serializers.BooleanField(
        label=_("closed (figures frozen)"),
        help_text=_("Its figures are frozen (a close in force); otherwise provisional"),
    )
    version = serializers.IntegerField(allow_null=True, label=_("version"))
    as_of = serializers.DateField(allow_null=True, label=_("as of"))
    closed_at = serializers.DateTimeField(allow_null=True, label=_("closed at"))


class CellSerializer(serializers.Serializer):
    item = serializers.CharField(label=_("request item"))
    adopted = serializers.IntegerField(label=_("at Done or Established"))
    total = serializers.IntegerField(label=_("applicable"))
    percent = serializers.FloatField(allow_null=True, label=_("share (%)"))
    previous_adopted = serializers.IntegerField(allow_null=True, label=_("at Done or Established a year before"))
    previous_total = serializers.IntegerField(allow_null=True, label=_("applicable a year before"))
    change = serializers.IntegerField(allow_null=True, label=_("change against a year before"))
    point_change = serializers.FloatField(allow_null=True, label=_("change in percentage points"))


class ShareRowSerializer(serializers.Serializer):
    code = serializers.CharField(label=_("code"), help_text=_("Prefecture code, kind of local government, or empty"))
    label = serializers.CharField(label=_("name"))
    cells = CellSerializer(many=True, label=_("items"))


class CountSerializer(serializers.Serializer):
    item = serializers.CharField(label=_("request item"))
    count = serializers.IntegerField(label=_("local governments"))


class ActivityRowSerializer(serializers.Serializer):
    code = serializers.CharField(label=_("code"), help_text=_("Center code or prefecture code"))
    label = serializers.CharField(label=_("name"))
    prefecture = serializers.CharField(label=_("Prefecture"))
    counts = serializers.DictField(child=serializers.IntegerField(), label=_("activities per kind"))
    figures = serializers.DictField(child=serializers.IntegerField(), label=_("figures"))
    total = serializers.IntegerField(label=_("total"))


class ReferralRowSerializer(serializers.Serializer):
    code = serializers.CharField(label=_("code"), help_text=_("Prefecture code, topic, agency or outcome"))
    label = serializers.CharField(label=_("name"))
    filed = serializers.IntegerField(label=_("filed"))
    closed = serializers.IntegerField(label=_("closed"))
    median_days = serializers.FloatField(allow_null=True, label=_("median days to close"))
    p90_days = serializers.IntegerField(allow_null=True, label=_("90th percentile of days to close"))


class AdjustmentSerializer(serializers.Serializer):
    local_government = serializers.CharField(source="lg_code", label=LG_CODE)
    item = serializers.CharField(source="item_code", label=_("request item"))
    from_stage = serializers.ChoiceField(choices=Stage.choices, label=_("previous stage"))
    to_stage = serializers.ChoiceField(choices=Stage.choices, label=_("new stage"))
    effective_date = serializers.DateField(label=_("effective date"))
    recorded_at = serializers.DateTimeField(label=_("recorded at"))
    recorded_by = serializers.CharField(label=_("recorded by"))
    note = serializers.CharField(label=_("note"))


class YearReportSerializer(FiscalYearSerializer):
    """The tables of the yearly report, within the reader's scope: the same figures as the page and the workbook."""

    start = serializers.DateField(label=_("first day"))
    items = serializers.ListField(child=serializers.CharField(), label=_("request items"))
    national = ShareRowSerializer(label=_("National"))
    prefectures = ShareRowSerializer(many=True, label=_("Per prefecture"))
    kinds = ShareRowSerializer(many=True, label=_("Per kind of local government"))
    newly_started = CountSerializer(many=True, label=_("newly at Done during the year"))
    activities_by_prefecture = ActivityRowSerializer(many=True, label=_("Activities per prefecture"))
    activities_by_center = ActivityRowSerializer(many=True, label=_("Activities per center"))
    referrals_total = ReferralRowSerializer(label=_("Referrals"))
    referrals_by_prefecture = ReferralRowSerializer(many=True, label=_("Referrals per prefecture"))
    referrals_by_topic = ReferralRowSerializer(many=True, label=_("Referrals per topic"))
    referrals_by_agency = ReferralRowSerializer(many=True, label=_("Referrals per agency"))
    referrals_by_outcome = ReferralRowSerializer(many=True, label=_("Referrals per outcome"))
    adjustments = AdjustmentSerializer(many=True, label=_("adjustments after the close"))


def year_entry(year: int, close: FiscalYearClose | None, current: int) -> dict:
    return {
        "year": year,
        "label": fiscal.fiscal_year_label(year),
        "finished": year < current,
        "closed": close is not None,
        "version": close.version if close else None,
        "as_of": close.as_of if close else None,
        "closed_at": close.closed_at if close else None,
    }


def _share_rows(items, row) -> dict:
    return {
        "code": row.code,
        "label": row.label,
        "cells": [
            {
                "item": item.code,
                "adopted": cell.share.adopted,
                "total": cell.share.total,
                "percent": cell.share.percent,
                "previous_adopted": cell.previous.adopted if cell.previous else None,
                "previous_total": cell.previous.total if cell.previous else None,
                "change": cell.change,
                "point_change": cell.point_change,
            }
            for item, cell in zip(items, row.cells, strict=True)
        ],
    }


def _activity_rows(report, rows) -> list[dict]:
    kinds = [kind for kind, _label in report.activity_kinds]
    return [
        {
            "code": row.code,
            "label": row.label,
            "prefecture": row.prefecture,
            "counts": dict(zip(kinds, row.counts, strict=True)),
            "figures": dict(zip(selectors.ACTIVITY_FIGURES, row.figures, strict=True)),
            "total": row.total,
        }
        for row in rows
    ]


def report_data(report: selectors.YearReport) -> dict:
    """The report's tables as plain data (what ``YearReportSerializer`` describes)."""
    items = report.items
    return {
        **year_entry(report.year, report.close, fiscal.fiscal_year(fiscal.today())),
        "as_of": report.as_of,
        "start": report.start,
        "items": [item.code for item in items],
        "national": {**_share_rows(items, report.national), "label": str(_("National"))},
        "prefectures": [_share_rows(items, row) for row in report.prefectures],
        "kinds": [_share_rows(items, row) for row in report.kinds],
        "newly_started": [
            {"item": item.code, "count": count} for item, count in zip(items, report.newly_started_counts, strict=True)
        ],
        "activities_by_prefecture": _activity_rows(report, report.activities_by_prefecture),
        "activities_by_center": _activity_rows(report, report.activities_by_center),
        "referrals_total": report.referrals_total,
        "referrals_by_prefecture": report.referrals_by_prefecture,
        "referrals_by_topic": report.referrals_by_topic,
        "referrals_by_agency": report.referrals_by_agency,
        "referrals_by_outcome": report.referrals_by_outcome,
        "adjustments": report.adjustments,
    }


@extend_schema_view(
    list=extend_schema(summary=_("Fiscal years with data, and whether each is closed")),
    retrieve=extend_schema(summary=_("One fiscal year"), parameters=[YEAR]),
)
class FiscalYearViewSet(viewsets.GenericViewSet):
    """The years of the yearly report's list: from the first with data to the current one, newest first."""

    serializer_class = FiscalYearSerializer
    permission_classes = [permissions.IsAuthenticated, MayReadReport]
    pagination_class = Pagination
    lookup_field = "year"
    lookup_value_regex = "[0-9]{4}"

    def entries(self) -> list[dict]:
        years = selectors.years_with_data(today=fiscal.today())
        closes = selectors.closes_in_force(years)
        current = fiscal.fiscal_year(fiscal.today())
        return [year_entry(year, closes.get(year), current) for year in years]

    def year(self) -> int:
        """The year in the URL: a fiscal year with data, up to the current one; anything else is a 404."""
        year = int(self.kwargs["year"])
        if year not in selectors.years_with_data():
            raise Http404
        return year

    def list(self, request):
        page = self.paginate_queryset(self.entries())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, year=None):
        year = self.year()
        entry = year_entry(year, selectors.close_in_force(year), fiscal.fiscal_year(fiscal.today()))
        return Response(self.get_serializer(entry).data)

    @extend_schema(summary=_("The yearly report's tables"), parameters=[YEAR], responses=YearReportSerializer)
    @action(detail=True, methods=["get"], pagination_class=None)
    def report(self, request, year=None):
        report = selectors.year_report(user=request.user, year=self.year())
        return Response(YearReportSerializer(report_data(report)).data)


class ClosedFigureSerializer(serializers.ModelSerializer):
    """The frozen stage of one local government × item at the end of 31 March, as the close in force holds it."""

    fiscal_year = serializers.IntegerField(source="close.year", label=_("fiscal year"))
    version = serializers.IntegerField(source="close.version", label=_("version"))
    local_government = serializers.CharField(source="municipality.lg_code", label=LG_CODE)
    item = serializers.CharField(source="item.code", label=_("request item"))
    prefecture = serializers.CharField(source="prefecture.code", label=_("Prefecture"), help_text=_("At the close"))
    office = serializers.CharField(source="office.code", label=_("Center"), help_text=_("At the close"))
    local_government_active = serializers.BooleanField(
        source="municipality_active", label=_("local government active then")
    )

    class Meta:
        model = ClosedFigure
        fields = [
            "fiscal_year",
            "version",
            "local_government",
            "item",
            "prefecture",
            "office",
            "kind",
            "stage",
            "stage_date",
            "previous_stage",
            "first_adopted_on",
            "local_government_active",
            "item_active",
        ]


class ClosedFigureFilter(ScopedFilterSet):
    fiscal_year = IntegerFilter(label=_("Fiscal year"), field_name="close__year")
    prefecture = filters.ModelChoiceFilter(
        label=_("Prefecture"), queryset=visible_prefectures, to_field_name="code", empty_label=ALL
    )
    office = filters.ModelChoiceFilter(
        label=_("Center"), queryset=visible_offices, to_field_name="code", empty_label=ALL
    )
    municipality = filters.CharFilter(label=LG_CODE, field_name="municipality__lg_code")
    kind = filters.ChoiceFilter(label=_("Kind of local government"), choices=Municipality.Kind.choices, empty_label=ALL)
    item = filters.ModelChoiceFilter(label=_("Item"), queryset=request_items, to_field_name="code", empty_label=ALL)
    stage = filters.ChoiceFilter(label=_("Stage"), choices=Stage.choices, empty_label=ALL)
    counted = filters.BooleanFilter(
        label=_("counted"),
        method="filter_counted",
        help_text=_("Rows the report counts: the local government and the item were active at the close"),
    )

    class Meta:
        model = ClosedFigure
        fields = ["fiscal_year", "prefecture", "office", "municipality", "kind", "item", "stage", "counted"]

    def filter_counted(self, queryset, name, value: bool):
        if value:
            return queryset.filter(municipality_active=True, item_active=True)
        return queryset.filter(Q(municipality_active=False) | Q(item_active=False))


@extend_schema_view(list=extend_schema(summary=_("Frozen figures of the closed fiscal years in your scope")))
class ClosedFigureViewSet(ValuesListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ClosedFigureSerializer
    filterset_class = ClosedFigureFilter
    permission_classes = [permissions.IsAuthenticated, MayReadReport]
    pagination_class = Pagination
    list_columns = (
        "close__year",
        "close__version",
        "municipality__lg_code",
        "item__code",
        "prefecture__code",
        "office__code",
        "kind",
        "stage",
        "stage_date",
        "previous_stage",
        "first_adopted_on",
        "municipality_active",
        "item_active",
    )

    filter_backends = [FilterBackend]

    def get_queryset(self):
        return (
            ClosedFigure.objects.filter(close__in=FiscalYearClose.objects.in_force())
            .filter(municipality_scope_q(self.request.user, prefix="municipality__"))
            .select_related("close", "municipality", "item", "prefecture", "office")
            .order_by("-close__year", "municipality__lg_code", "item__sort_order", "item__code")
        )

    def list_rows(self, rows):
        names = ClosedFigureSerializer.Meta.fields
        dates = {"stage_date", "first_adopted_on"}
        return [
            {name: iso(value) if name in dates else value for name, value in zip(names, row, strict=True)}
            for row in rows
        ]
