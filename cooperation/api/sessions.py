"""Consultation sessions (合同行政相談所, 定例相談, 特別行政相談所) and their series, as the calendar shows them.

Scope is the calendar's: ``Session.objects.visible_to(user)`` (sessions of a
center the user works with, or with a local government the user sees); a
series is seen when one of its sessions is, as on its page. The filters are
the calendar's (center, prefecture, local government, kind, status, a period
that a multi-day office overlaps) plus the fiscal year.
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from cooperation import fiscal
from cooperation.api.fast import ValuesListMixin, grouped, iso, local_iso
from cooperation.api.filters import IntegerFilter
from cooperation.api.views import ReadOnlyViewSet
from cooperation.lists.filters import ALL, ScopedFilterSet, fiscal_year_choices, visible_offices, visible_prefectures
from cooperation.sessions.models import Kind, Participant, Session, SessionFigure, SessionSeries
from offices.scopes import municipality_scope_q

LG_CODE = _("local government code")


@extend_schema_field({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]:[0-5][0-9]$", "example": "10:00:00"})
class LocalTimeField(serializers.TimeField):
    """A time of day in Japan (ISO 8601 ``hh:mm:ss``, no offset: JSON Schema's ``time`` format demands one)."""


class VenueSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("name"))
    address = serializers.CharField(label=_("address"))
    local_government = serializers.CharField(source="municipality.lg_code", label=LG_CODE)
    provided_by_local_government = serializers.BooleanField(
        source="provided_by_municipality",
        label=_("provided by the local government"),
        help_text=_("A venue the local government provides counts for item 2-2."),
    )


class ParticipantSerializer(serializers.Serializer):
    local_government = serializers.CharField(source="municipality.lg_code", label=LG_CODE)
    confirmed_at = serializers.DateTimeField(
        allow_null=True, label=_("confirmed at"), help_text=_("Empty until the local government's officer confirms")
    )


class FigureSerializer(serializers.Serializer):
    field = serializers.CharField(label=_("field"))
    count = serializers.IntegerField(label=_("consultations"))


def _venue(name, address, lg_code, provided) -> dict | None:
    if name is None:
        return None
    return {"name": name, "address": address, "local_government": lg_code, "provided_by_local_government": provided}


class SessionSerializer(serializers.ModelSerializer):
    """One dated session: planned, proposed, held or cancelled; its figures once held."""

    office = serializers.CharField(source="office.code", label=_("Center"))
    series = serializers.IntegerField(source="series_id", allow_null=True, label=_("series"))
    disaster = serializers.IntegerField(source="disaster_id", allow_null=True, label=_("disaster"))
    activity = serializers.IntegerField(
        source="activity_id",
        allow_null=True,
        label=_("activity"),
        help_text=_("The 2-2 activity a held session logged"),
    )
    end_date = serializers.DateField(
        allow_null=True, label=_("last day"), help_text=_("Only for offices open several days.")
    )
    venue = VenueSerializer(allow_null=True, label=_("venue"))
    participants = ParticipantSerializer(many=True, label=_("Local governments taking part"))
    agencies = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code", label=_("agencies"))
    figures = FigureSerializer(many=True, label=_("figures by field"))
    start_time = LocalTimeField(label=_("starts at"), help_text=_("Local time in Japan, ISO 8601 (hh:mm:ss)"))
    end_time = LocalTimeField(label=_("ends at"), help_text=_("Local time in Japan, ISO 8601 (hh:mm:ss)"))

    class Meta:
        model = Session
        fields = [
            "id",
            "office",
            "kind",
            "status",
            "title",
            "date",
            "end_date",
            "start_time",
            "end_time",
            "venue",
            "participants",
            "agencies",
            "series",
            "disaster",
            "commissioners_present",
            "consultations",
            "figures",
            "activity",
        ]


class SessionSeriesSerializer(serializers.ModelSerializer):
    """A recurrence (定期開催) and what it planned; its dated sessions are under ``sessions/?series=``."""

    office = serializers.CharField(source="office.code", label=_("Center"))
    venue = VenueSerializer(allow_null=True, label=_("venue"))
    local_governments = serializers.SlugRelatedField(
        source="municipalities", many=True, read_only=True, slug_field="lg_code", label=_("Local governments")
    )
    agencies = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code", label=_("agencies"))
    start_time = LocalTimeField(label=_("starts at"), help_text=_("Local time in Japan, ISO 8601 (hh:mm:ss)"))
    end_time = LocalTimeField(label=_("ends at"), help_text=_("Local time in Japan, ISO 8601 (hh:mm:ss)"))

    class Meta:
        model = SessionSeries
        fields = [
            "id",
            "office",
            "kind",
            "title",
            "recurrence",
            "starts_on",
            "ends_on",
            "start_time",
            "end_time",
            "venue",
            "local_governments",
            "agencies",
        ]


def _taking_part(user, condition: Q) -> Exists:
    """A participant the user sees that meets ``condition``."""
    return Exists(
        Participant.objects.filter(session=OuterRef("pk"))
        .filter(municipality_scope_q(user, prefix="municipality__"))
        .filter(condition)
    )


class SessionFilter(ScopedFilterSet):
    office = filters.ModelChoiceFilter(
        label=_("Center"), queryset=visible_offices, to_field_name="code", empty_label=ALL
    )
    prefecture = filters.ModelChoiceFilter(
        label=_("Prefecture"),
        queryset=visible_prefectures,
        to_field_name="code",
        empty_label=ALL,
        method="filter_prefecture",
    )
    municipality = filters.CharFilter(label=LG_CODE, method="filter_municipality")
    kind = filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices, empty_label=ALL)
    status = filters.ChoiceFilter(label=_("Status"), choices=Session.Status.choices, empty_label=ALL)
    date_from = filters.DateFilter(label=pgettext_lazy("start of a date range", "From"), method="filter_date_from")
    date_to = filters.DateFilter(label=pgettext_lazy("end of a date range", "To"), field_name="date", lookup_expr="lte")
    fiscal_year = filters.ChoiceFilter(
        label=_("Fiscal year"), choices=fiscal_year_choices, method="filter_fiscal_year", empty_label=ALL
    )
    series = IntegerFilter(label=_("series"), field_name="series_id")
    disaster = IntegerFilter(label=_("disaster"), field_name="disaster_id")

    class Meta:
        model = Session
        fields = [
            "office",
            "prefecture",
            "municipality",
            "kind",
            "status",
            "date_from",
            "date_to",
            "fiscal_year",
            "series",
            "disaster",
        ]

    def filter_prefecture(self, queryset, name, value: str):
        return queryset.filter(_taking_part(self.user, Q(municipality__prefecture=value)))

    def filter_municipality(self, queryset, name, value: str):
        return queryset.filter(_taking_part(self.user, Q(municipality__lg_code=value)))

    def filter_date_from(self, queryset, name, value):
        """Sessions with a day on or after ``value`` (a multi-day office counts by its last day), as the calendar."""
        return queryset.filter(Q(end_date__gte=value) | Q(end_date=None, date__gte=value))

    def filter_fiscal_year(self, queryset, name, value: int):
        year = int(value)
        return queryset.on_calendar(fiscal.fiscal_year_start(year), fiscal.fiscal_year_end(year))


@extend_schema_view(
    list=extend_schema(summary=_("Consultation sessions in your scope")),
    retrieve=extend_schema(summary=_("One consultation session")),
)
class SessionViewSet(ValuesListMixin, ReadOnlyViewSet):
    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    list_columns = (
        "id",
        "office__code",
        "kind",
        "status",
        "title",
        "date",
        "end_date",
        "start_time",
        "end_time",
        "venue__name",
        "venue__address",
        "venue__municipality__lg_code",
        "venue__provided_by_municipality",
        "series_id",
        "disaster_id",
        "commissioners_present",
        "consultations",
        "activity_id",
    )

    def visible(self):
        return (
            Session.objects.visible_to(self.request.user)
            .select_related("office", "venue__municipality")
            .prefetch_related(
                Prefetch("participants", queryset=Participant.objects.select_related("municipality")),
                "agencies",
                Prefetch("figures", queryset=SessionFigure.objects.order_by("field")),
            )
            .order_by("date", "start_time", "id")
        )

    def list_rows(self, rows):
        ids = [row[0] for row in rows]
        participants = grouped(
            (pk, {"local_government": lg_code, "confirmed_at": local_iso(confirmed_at)})
            for pk, lg_code, confirmed_at in Participant.objects.filter(session_id__in=ids)
            .order_by("municipality__lg_code")
            .values_list("session_id", "municipality__lg_code", "confirmed_at")
        )
        agencies = grouped(
            Session.agencies.through.objects.filter(session_id__in=ids)
            .order_by("agency__sort_order", "agency__code")
            .values_list("session_id", "agency__code")
        )
        figures = grouped(
            (pk, {"field": field, "count": count})
            for pk, field, count in SessionFigure.objects.filter(session_id__in=ids)
            .order_by("field")
            .values_list("session_id", "field", "count")
        )
        result = []
        for (
            pk,
            office,
            kind,
            status,
            title,
            day,
            end_date,
            start_time,
            end_time,
            venue_name,
            venue_address,
            venue_lg,
            venue_provided,
            series,
            disaster,
            present,
            consultations,
            activity,
        ) in rows:
            result.append(
                {
                    "id": pk,
                    "office": office,
                    "kind": kind,
                    "status": status,
                    "title": title,
                    "date": iso(day),
                    "end_date": iso(end_date),
                    "start_time": iso(start_time),
                    "end_time": iso(end_time),
                    "venue": _venue(venue_name, venue_address, venue_lg, venue_provided),
                    "participants": participants.get(pk, []),
                    "agencies": agencies.get(pk, []),
                    "series": series,
                    "disaster": disaster,
                    "commissioners_present": present,
                    "consultations": consultations,
                    "figures": figures.get(pk, []),
                    "activity": activity,
                }
            )
        return result


class SessionSeriesFilter(ScopedFilterSet):
    office = filters.ModelChoiceFilter(
        label=_("Center"), queryset=visible_offices, to_field_name="code", empty_label=ALL
    )
    kind = filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices, empty_label=ALL)

    class Meta:
        model = SessionSeries
        fields = ["office", "kind"]


@extend_schema_view(
    list=extend_schema(summary=_("Session series in your scope")),
    retrieve=extend_schema(summary=_("One session series")),
)
class SessionSeriesViewSet(ValuesListMixin, ReadOnlyViewSet):
    serializer_class = SessionSeriesSerializer
    filterset_class = SessionSeriesFilter
    list_columns = (
        "id",
        "office__code",
        "kind",
        "title",
        "recurrence",
        "starts_on",
        "ends_on",
        "start_time",
        "end_time",
        "venue__name",
        "venue__address",
        "venue__municipality__lg_code",
        "venue__provided_by_municipality",
    )

    def visible(self):
        seen = Session.objects.visible_to(self.request.user).values("series")
        return (
            SessionSeries.objects.filter(pk__in=seen)
            .select_related("office", "venue__municipality")
            .prefetch_related("municipalities", "agencies")
            .order_by("starts_on", "id")
        )

    def list_rows(self, rows):
        ids = [row[0] for row in rows]
        municipalities = grouped(
            SessionSeries.municipalities.through.objects.filter(sessionseries_id__in=ids)
            .order_by("municipality__lg_code")
            .values_list("sessionseries_id", "municipality__lg_code")
        )
        agencies = grouped(
            SessionSeries.agencies.through.objects.filter(sessionseries_id__in=ids)
            .order_by("agency__sort_order", "agency__code")
            .values_list("sessionseries_id", "agency__code")
        )
        result = []
        for pk, office, kind, title, recurrence, starts_on, ends_on, start, end, *venue in rows:
            result.append(
                {
                    "id": pk,
                    "office": office,
                    "kind": kind,
                    "title": title,
                    "recurrence": recurrence,
                    "starts_on": iso(starts_on),
                    "ends_on": iso(ends_on),
                    "start_time": iso(start),
                    "end_time": iso(end),
                    "venue": _venue(*venue),
                    "local_governments": municipalities.get(pk, []),
                    "agencies": agencies.get(pk, []),
                }
            )
        return result
