"""Filters of the list pages (django-filter), with choice lists narrowed to the user's scope.

Every choice of center or prefecture comes from what the signed-in user can
see, and every filter that looks at an activity's local governments looks only
at those in the user's scope, so a filter can never reveal a row or a name the
list itself would hide. Filter values in the URL are natural keys (prefecture
``01``, center ``sapporo``, item ``2-3``), so a filtered list can be bookmarked.
"""

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cooperation import fiscal
from cooperation.fiscal import today
from cooperation.models import Activity, ProgressChange, Referral, RequestItem, Stage
from offices.models import Municipality, Office, Prefecture
from offices.scopes import municipality_scope_q, office_scope_q

# 令和元年度: the earliest fiscal year offered in the fiscal-year filter.
FIRST_FISCAL_YEAR = 2019

ALL = _("All")


def visible_offices(request):
    """Centers the user works with, and the centers serving the local governments the user sees."""
    served = Municipality.objects.visible_to(request.user).values("office_id")
    return Office.objects.filter(office_scope_q(request.user) | Q(pk__in=served))


def visible_prefectures(request):
    """Prefectures with at least one local government in the user's scope."""
    return Prefecture.objects.filter(pk__in=Municipality.objects.visible_to(request.user).values("prefecture_id"))


def request_items(request):
    """Every item, retired ones included: lists show history, which may name them."""
    return RequestItem.objects.all()


def hiragana_to_katakana(text: str) -> str:
    """Kana names are stored in katakana; let a search typed in hiragana find them."""
    return "".join(chr(ord(char) + 0x60) if "ぁ" <= char <= "ゖ" else char for char in text)


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def search_input():
    return forms.TextInput(attrs={"type": "search"})


def fiscal_year_choices():
    current = fiscal.fiscal_year(today())
    return [(year, fiscal.fiscal_year_label(year)) for year in range(current, FIRST_FISCAL_YEAR - 1, -1)]


class ScopedFilterSet(filters.FilterSet):
    """A filter set built by a view, which passes the request: its choice lists and filters use its user."""

    @property
    def user(self):
        return self.request.user


class MunicipalityFilter(ScopedFilterSet):
    q = filters.CharFilter(label=_("Name, kana or code"), method="filter_text", widget=search_input())
    prefecture = filters.ModelChoiceFilter(
        label=_("Prefecture"), queryset=visible_prefectures, to_field_name="code", empty_label=ALL
    )
    office = filters.ModelChoiceFilter(
        label=_("Center"), queryset=visible_offices, to_field_name="code", empty_label=ALL
    )
    kind = filters.ChoiceFilter(label=_("Kind"), choices=Municipality.Kind.choices, empty_label=ALL)
    active = filters.BooleanFilter(
        label=_("Active"),
        field_name="is_active",
        widget=forms.Select(choices=[("", ALL), ("true", _("Active only")), ("false", _("Inactive only"))]),
    )

    class Meta:
        model = Municipality
        fields = ["q", "prefecture", "office", "kind", "active"]

    def filter_text(self, queryset, name, value):
        kana = hiragana_to_katakana(value)
        return queryset.filter(Q(name__icontains=value) | Q(name_kana__icontains=kana) | Q(lg_code__startswith=value))


class ActivityFilter(ScopedFilterSet):
    date_from = filters.DateFilter(
        label=pgettext_lazy("start of a date range", "From"), field_name="date", lookup_expr="gte", widget=date_input()
    )
    date_to = filters.DateFilter(
        label=pgettext_lazy("end of a date range", "To"), field_name="date", lookup_expr="lte", widget=date_input()
    )
    fiscal_year = filters.ChoiceFilter(
        label=_("Fiscal year"), choices=fiscal_year_choices, method="filter_fiscal_year", empty_label=ALL
    )
    office = filters.ModelChoiceFilter(
        label=_("Center"), queryset=visible_offices, to_field_name="code", empty_label=ALL
    )
    item = filters.ModelChoiceFilter(label=_("Item"), queryset=request_items, to_field_name="code", empty_label=ALL)
    kind = filters.ChoiceFilter(label=_("Kind"), choices=Activity.Kind.choices, empty_label=ALL)
    municipality = filters.CharFilter(
        label=_("Local government (name or code)"), method="filter_municipality", widget=search_input()
    )
    prefecture = filters.ModelChoiceFilter(
        label=_("Prefecture"),
        queryset=visible_prefectures,
        to_field_name="code",
        empty_label=ALL,
        method="filter_prefecture",
    )

    class Meta:
        model = Activity
        fields = ["date_from", "date_to", "fiscal_year", "office", "item", "kind", "municipality", "prefecture"]

    def _touching(self, queryset, condition: Q):
        """Activities with a local government that the user sees and that meets ``condition``."""
        links = Activity.municipalities.through.objects.filter(activity=OuterRef("pk")).filter(
            municipality_scope_q(self.user, prefix="municipality__"), condition
        )
        return queryset.filter(Exists(links))

    def filter_fiscal_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(date__gte=fiscal.fiscal_year_start(year), date__lte=fiscal.fiscal_year_end(year))

    def filter_municipality(self, queryset, name, value):
        return self._touching(
            queryset, Q(municipality__lg_code__startswith=value) | Q(municipality__name__icontains=value)
        )

    def filter_prefecture(self, queryset, name, value):
        return self._touching(queryset, Q(municipality__prefecture=value))


class ReferralFilter(ScopedFilterSet):
    direction = filters.ChoiceFilter(label=_("Direction"), choices=Referral.Direction.choices, empty_label=ALL)
    status = filters.ChoiceFilter(label=_("Status"), choices=Referral.Status.choices, empty_label=ALL)
    outcome = filters.ChoiceFilter(label=_("Outcome"), choices=Referral.Outcome.choices, empty_label=ALL)
    topic = filters.ChoiceFilter(label=_("Topic"), choices=Referral.Topic.choices, empty_label=ALL)
    office = filters.ModelChoiceFilter(
        label=_("Center"), queryset=visible_offices, to_field_name="code", empty_label=ALL
    )
    prefecture = filters.ModelChoiceFilter(
        label=_("Prefecture"),
        queryset=visible_prefectures,
        to_field_name="code",
        empty_label=ALL,
        field_name="municipality__prefecture",
    )
    received_from = filters.DateFilter(
        label=_("Received from"), field_name="received_on", lookup_expr="gte", widget=date_input()
    )
    received_to = filters.DateFilter(
        label=_("Received to"), field_name="received_on", lookup_expr="lte", widget=date_input()
    )

    class Meta:
        model = Referral
        fields = ["direction", "status", "outcome", "topic", "office", "prefecture", "received_from", "received_to"]


class ProgressChangeFilter(ScopedFilterSet):
    item = filters.ModelChoiceFilter(
        label=_("Item"), queryset=request_items, to_field_name="code", empty_label=ALL, field_name="progress__item"
    )
    to_stage = filters.ChoiceFilter(label=_("New stage"), choices=Stage.choices, empty_label=ALL)
    prefecture = filters.ModelChoiceFilter(
        label=_("Prefecture"),
        queryset=visible_prefectures,
        to_field_name="code",
        empty_label=ALL,
        field_name="progress__municipality__prefecture",
    )
    office = filters.ModelChoiceFilter(
        label=_("Center"),
        queryset=visible_offices,
        to_field_name="code",
        empty_label=ALL,
        field_name="progress__municipality__office",
    )
    municipality = filters.CharFilter(
        label=_("Local government code"),
        field_name="progress__municipality__lg_code",
        max_length=6,
        help_text=_("Six digits, e.g. 012033 for 小樽市."),
    )
    date_from = filters.DateFilter(
        label=_("Effective from"), field_name="effective_date", lookup_expr="gte", widget=date_input()
    )
    date_to = filters.DateFilter(
        label=_("Effective to"), field_name="effective_date", lookup_expr="lte", widget=date_input()
    )

    class Meta:
        model = ProgressChange
        fields = ["item", "to_stage", "prefecture", "office", "municipality", "date_from", "date_to"]
