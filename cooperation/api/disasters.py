"""Declared disasters (災害), as their list shows them: those touching a local government the user sees.

A disaster names only the affected local governments within the user's
scope, as its page lists them; its special consultation offices are sessions
(``sessions/?disaster=<id>``).
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Exists, OuterRef, Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from cooperation.api.fast import ValuesListMixin, grouped, iso, local_iso
from cooperation.api.views import ReadOnlyViewSet
from cooperation.disasters.models import Disaster
from cooperation.lists.filters import ALL, ScopedFilterSet, visible_prefectures
from offices.models import Municipality, Prefecture
from offices.scopes import municipality_scope_q


class DisasterSerializer(serializers.ModelSerializer):
    region = serializers.CharField(
        source="region.code",
        allow_null=True,
        label=_("declared by bureau"),
        help_text=_("Null when headquarters declared it."),
    )
    is_active = serializers.BooleanField(label=_("Active"))
    prefectures = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code", label=_("affected prefectures")
    )
    local_governments = serializers.SlugRelatedField(
        source="municipalities",
        many=True,
        read_only=True,
        slug_field="lg_code",
        label=_("affected local governments"),
        help_text=_("Only those within your scope"),
    )

    class Meta:
        model = Disaster
        fields = [
            "id",
            "name",
            "kind",
            "started_on",
            "ended_on",
            "is_active",
            "region",
            "prefectures",
            "local_governments",
            "declared_at",
        ]


class DisasterFilter(ScopedFilterSet):
    kind = filters.ChoiceFilter(label=_("Kind"), choices=Disaster.Kind.choices, empty_label=ALL)
    active = filters.BooleanFilter(label=_("Active"), field_name="ended_on", lookup_expr="isnull")
    prefecture = filters.ModelChoiceFilter(
        label=_("Prefecture"),
        queryset=visible_prefectures,
        to_field_name="code",
        empty_label=ALL,
        method="filter_prefecture",
    )

    class Meta:
        model = Disaster
        fields = ["kind", "active", "prefecture"]

    def filter_prefecture(self, queryset, name, value: str):
        affected = Disaster.prefectures.through.objects.filter(disaster=OuterRef("pk"), prefecture=value)
        return queryset.filter(Exists(affected))


@extend_schema_view(
    list=extend_schema(summary=_("Disasters touching your scope")), retrieve=extend_schema(summary=_("One disaster"))
)
class DisasterViewSet(ValuesListMixin, ReadOnlyViewSet):
    serializer_class = DisasterSerializer
    filterset_class = DisasterFilter
    list_columns = ("id", "name", "kind", "started_on", "ended_on", "region__code", "declared_at")

    def visible(self):
        user = self.request.user
        return (
            Disaster.objects.visible_to(user)
            .select_related("region")
            .prefetch_related(
                Prefetch("prefectures", queryset=Prefecture.objects.order_by("code")),
                Prefetch("municipalities", queryset=Municipality.objects.visible_to(user).order_by("lg_code")),
            )
            .order_by("-started_on", "-id")
        )

    def list_rows(self, rows):
        ids = [row[0] for row in rows]
        prefectures = grouped(
            Disaster.prefectures.through.objects.filter(disaster_id__in=ids)
            .order_by("prefecture__code")
            .values_list("disaster_id", "prefecture__code")
        )
        municipalities = grouped(
            Disaster.municipalities.through.objects.filter(disaster_id__in=ids)
            .filter(municipality_scope_q(self.request.user, prefix="municipality__"))
            .order_by("municipality__lg_code")
            .values_list("disaster_id", "municipality__lg_code")
        )
        return [
            {
                "id": pk,
                "name": name,
                "kind": kind,
                "started_on": iso(started_on),
                "ended_on": iso(ended_on),
                "is_active": ended_on is None,
                "region": region,
                "prefectures": prefectures.get(pk, []),
                "local_governments": municipalities.get(pk, []),
                "declared_at": local_iso(declared_at),
            }
            for pk, name, kind, started_on, ended_on, region, declared_at in rows
        ]
