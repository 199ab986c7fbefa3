"""The commissioner register (行政相談委員名簿), as its pages show it.

Scope is the register's: ``Commissioner.objects.visible_to(user)`` (the
commissioners working in a local government the user sees; the list, like
the site's, only those of active local governments). Contact details follow
docs/privacy.md through the register's own rule,
``cooperation.commissioners.selectors.may_see_contact``: ministry staff get
them, prefecture and local government officers get ``contact: null``.
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from cooperation.api.fast import ValuesListMixin, grouped, iso
from cooperation.api.views import ReadOnlyViewSet
from cooperation.commissioners.models import Commissioner, CommissionerAward, CommissionerTerm
from cooperation.commissioners.selectors import may_see_contact, register_queryset
from cooperation.lists.filters import ALL, ScopedFilterSet, hiragana_to_katakana, visible_offices, visible_prefectures

LG_CODE = _("local government code")
SERVING = "serving"


class ContactSerializer(serializers.Serializer):
    postal_code = serializers.CharField(label=_("postal code"))
    address = serializers.CharField(label=_("address"))
    phone = serializers.CharField(label=_("telephone"))
    email = serializers.CharField(label=_("e-mail"))


class TermSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommissionerTerm
        fields = ["starts_on", "ends_on", "is_reappointment"]


class AwardSerializer(serializers.ModelSerializer):
    conferred_by = serializers.CharField(
        source="conferred_by.lg_code",
        allow_null=True,
        label=_("awarding local government"),
        help_text=_("For a governor's or mayor's award: the 団体コード of the prefectural government or municipality."),
    )

    class Meta:
        model = CommissionerAward
        fields = ["conferrer", "conferred_by", "title", "tier", "awarded_on"]


class CommissionerSerializer(serializers.ModelSerializer):
    """A commissioner of the register; ``contact`` only for ministry staff (docs/privacy.md), else null."""

    local_government = serializers.CharField(
        source="municipality.lg_code", label=LG_CODE, help_text=_("The area (municipality) the commissioner serves")
    )
    prefecture = serializers.CharField(source="municipality.prefecture.code", label=_("Prefecture"))
    office = serializers.CharField(source="municipality.office.code", label=_("Center"))
    recommended_by = serializers.CharField(source="recommended_by.lg_code", allow_null=True, label=_("recommended by"))
    is_concurrent = serializers.BooleanField(
        label=_("also complaint counselor (兼務)"), help_text=_("Also the municipality's complaint counselor")
    )
    backgrounds = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name_ja", label=_("background"))
    terms = TermSerializer(many=True, label=_("terms of office"))
    awards = AwardSerializer(many=True, label=_("awards"))
    contact = serializers.SerializerMethodField(
        label=_("contact details"), help_text=_("Only for ministry staff; null for everyone else")
    )

    class Meta:
        model = Commissioner
        fields = [
            "number",
            "name",
            "name_kana",
            "local_government",
            "prefecture",
            "office",
            "status",
            "appointed_on",
            "term_ends_on",
            "first_appointed_on",
            "ended_on",
            "recommended_by",
            "recommended_on",
            "counselor_since",
            "is_concurrent",
            "backgrounds",
            "terms",
            "awards",
            "contact",
        ]

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, commissioner):
        if not self.context["contact"]:
            return None
        return ContactSerializer(commissioner).data


class CommissionerFilter(ScopedFilterSet):
    """The register's own filters: one unit (center, prefecture or local government), status, a search."""

    q = filters.CharFilter(label=_("Name, kana or number"), method="filter_text")
    office = filters.ModelChoiceFilter(
        label=_("Center"),
        queryset=visible_offices,
        to_field_name="code",
        empty_label=ALL,
        field_name="municipality__office",
    )
    prefecture = filters.ModelChoiceFilter(
        label=_("Prefecture"),
        queryset=visible_prefectures,
        to_field_name="code",
        empty_label=ALL,
        field_name="municipality__prefecture",
    )
    municipality = filters.CharFilter(label=LG_CODE, field_name="municipality__lg_code")
    status = filters.ChoiceFilter(
        label=_("Status"),
        choices=[(SERVING, _("serving")), *Commissioner.Status.choices],
        method="filter_status",
        empty_label=ALL,
    )

    class Meta:
        model = Commissioner
        fields = ["q", "office", "prefecture", "municipality", "status"]

    def filter_text(self, queryset, name, value: str):
        kana = hiragana_to_katakana(value)
        return queryset.filter(Q(name__icontains=value) | Q(name_kana__icontains=kana) | Q(number__icontains=value))

    def filter_status(self, queryset, name, value: str):
        return queryset.serving() if value == SERVING else queryset.filter(status=value)


@extend_schema_view(
    list=extend_schema(summary=_("Commissioners in your scope")),
    retrieve=extend_schema(summary=_("One commissioner")),
)
class CommissionerViewSet(ValuesListMixin, ReadOnlyViewSet):
    serializer_class = CommissionerSerializer
    filterset_class = CommissionerFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    register_columns = (
        "pk",
        "number",
        "name",
        "name_kana",
        "municipality__lg_code",
        "municipality__prefecture__code",
        "municipality__office__code",
        "status",
        "appointed_on",
        "term_ends_on",
        "first_appointed_on",
        "ended_on",
        "recommended_by__lg_code",
        "recommended_on",
        "counselor_since",
    )
    contact_columns = ("postal_code", "address", "phone", "email")

    @property
    def list_columns(self):
        """The contact columns are not even read for whoever may not see them."""
        contact = self.contact_columns if may_see_contact(self.request.user) else ()
        return self.register_columns + contact

    def visible(self):
        commissioners = register_queryset(self.request.user).prefetch_related(
            "backgrounds",
            Prefetch("terms", queryset=CommissionerTerm.objects.order_by("starts_on")),
            Prefetch(
                "awards",
                queryset=CommissionerAward.objects.select_related("conferred_by").order_by("-awarded_on", "-id"),
            ),
        )
        if self.action == "list":
            # The register lists the commissioners of active local governments, as its page does.
            commissioners = commissioners.filter(municipality__is_active=True)
        return commissioners

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "contact": may_see_contact(self.request.user)}

    def list_rows(self, rows):
        ids = [row[0] for row in rows]
        backgrounds = grouped(
            Commissioner.backgrounds.through.objects.filter(commissioner_id__in=ids)
            .order_by("commissionerbackground__sort_order", "commissionerbackground__name_ja")
            .values_list("commissioner_id", "commissionerbackground__name_ja")
        )
        terms = grouped(
            (pk, {"starts_on": iso(starts_on), "ends_on": iso(ends_on), "is_reappointment": again})
            for pk, starts_on, ends_on, again in CommissionerTerm.objects.filter(commissioner_id__in=ids)
            .order_by("starts_on")
            .values_list("commissioner_id", "starts_on", "ends_on", "is_reappointment")
        )
        awards = grouped(
            (pk, {"conferrer": conferrer, "conferred_by": by, "title": title, "tier": tier, "awarded_on": iso(on)})
            for pk, conferrer, by, title, tier, on in CommissionerAward.objects.filter(commissioner_id__in=ids)
            .order_by("-awarded_on", "-id")
            .values_list("commissioner_id", "conferrer", "conferred_by__lg_code", "title", "tier", "awarded_on")
        )
        result = []
        for pk, number, name, kana, lg_code, prefecture, office, status, *dates in rows:
            appointed, ends, first, ended, recommended_by, recommended_on, counselor_since, *contact = dates
            result.append(
                {
                    "number": number,
                    "name": name,
                    "name_kana": kana,
                    "local_government": lg_code,
                    "prefecture": prefecture,
                    "office": office,
                    "status": status,
                    "appointed_on": iso(appointed),
                    "term_ends_on": iso(ends),
                    "first_appointed_on": iso(first),
                    "ended_on": iso(ended),
                    "recommended_by": recommended_by,
                    "recommended_on": iso(recommended_on),
                    "counselor_since": iso(counselor_since),
                    "is_concurrent": counselor_since is not None,
                    "backgrounds": backgrounds.get(pk, []),
                    "terms": terms.get(pk, []),
                    "awards": awards.get(pk, []),
                    "contact": dict(zip(self.contact_columns, contact, strict=True)) if contact else None,
                }
            )
        return result
