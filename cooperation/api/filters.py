"""Filters of the API: the site's list filters where a list exists, and the progress filters.

Reusing ``cooperation.filters`` keeps every parameter and its scope rule the
same as on the site (choices narrowed to what the user sees).
"""

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from cooperation.lists.filters import (
    ALL,
    ActivityFilter,
    MunicipalityFilter,
    ProgressChangeFilter,
    ReferralFilter,
    ScopedFilterSet,
    request_items,
    visible_offices,
    visible_prefectures,
)
from cooperation.models import Progress, Stage
from offices.models import Municipality

__all__ = [
    "ApiActivityFilter",
    "IntegerFilter",
    "MunicipalityFilter",
    "ProgressChangeFilter",
    "ProgressFilter",
    "ReferralFilter",
]


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(filters.NumberFilter):
    """A whole number within what the database holds (an id, a fiscal year): anything else is a 400, never a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)


class ApiActivityFilter(ActivityFilter):
    """The site's activity filters; the type hints tell the schema what the method filters take."""

    def filter_fiscal_year(self, queryset, name, value: int):
        return super().filter_fiscal_year(queryset, name, value)

    def filter_prefecture(self, queryset, name, value: str):
        return super().filter_prefecture(queryset, name, value)


class ProgressFilter(ScopedFilterSet):
    """As the prefecture report filters its matrix: prefecture, center, kind, item, stage (at ``as_of``)."""

    prefecture = filters.ModelChoiceFilter(
        label=_("Prefecture"),
        queryset=visible_prefectures,
        to_field_name="code",
        empty_label=ALL,
        field_name="municipality__prefecture",
    )
    office = filters.ModelChoiceFilter(
        label=_("Center"),
        queryset=visible_offices,
        to_field_name="code",
        empty_label=ALL,
        field_name="municipality__office",
    )
    local_government = filters.CharFilter(label=_("local government code"), field_name="municipality__lg_code")
    kind = filters.ChoiceFilter(
        label=_("Kind of local government"),
        choices=Municipality.Kind.choices,
        empty_label=ALL,
        field_name="municipality__kind",
    )
    item = filters.ModelChoiceFilter(label=_("Item"), queryset=request_items, to_field_name="code", empty_label=ALL)
    stage = filters.ChoiceFilter(label=_("Stage"), choices=Stage.choices, empty_label=ALL, field_name="stage_as_of")

    class Meta:
        model = Progress
        fields = ["prefecture", "office", "local_government", "kind", "item", "stage"]
