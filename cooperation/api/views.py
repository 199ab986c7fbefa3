"""Read-only viewsets: each ``get_queryset()`` starts from ``visible_to(user)``, so out of scope is a 404."""

from __future__ import annotations

import datetime

from django.db.models import F, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from cooperation import fiscal
from cooperation.api import filters, serializers
from cooperation.api.fast import ValuesListMixin, grouped, iso, local_iso, user_label
from cooperation.models import Activity, Progress, ProgressChange, Referral, RequestItem
from offices.models import Municipality, Office
from offices.scopes import municipality_scope_q, office_scope_q


class Pagination(LimitOffsetPagination):
    """``limit`` (default 100, at most 500: a larger value is capped) and ``offset``."""

    default_limit = 100
    max_limit = 500

    def paginate_values(self, queryset, rows, request, view=None):
        """``paginate_queryset`` that counts ``queryset`` and slices ``rows`` (its ``values_list``).

        The projection's joins (codes of related rows) would otherwise be in
        the count too: the same number, read over several tables instead of one.
        """
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.count = queryset.count()
        self.offset = self.get_offset(request)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        return list(rows[self.offset : self.offset + self.limit])


AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description=_("The stage in force at the end of this day (ISO 8601, not after today); default today."),
)


def as_of(request) -> datetime.date:
    """The ``as_of`` parameter: a date not after today (400 otherwise); today when absent."""
    today = fiscal.today()
    value = request.query_params.get("as_of")
    if not value:
        return today
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise exceptions.ValidationError({"as_of": [_("Enter a date as YYYY-MM-DD.")]}) from None
    if day > today:
        raise exceptions.ValidationError({"as_of": [_("Choose a date no later than today.")]})
    return day


def progress_as_of(progress, day: datetime.date):
    """The current rows (as the reports count them) with ``stage_as_of`` and ``stage_date_as_of`` at ``day``."""
    progress = progress.current()
    if day >= fiscal.today():
        progress = progress.annotate(stage_as_of=F("stage"), stage_date_as_of=F("stage_date"))
    else:
        progress = progress.with_stage_as_of(day)
    return progress.select_related("municipality", "item").order_by("municipality__lg_code", "item__sort_order")


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, building no filter form for a request that names none of the filters.

    Without a filter parameter every filter lets every row through, so the
    form (a field per filter, its choices) would be built only to change nothing.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not set(request.query_params).intersection(filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = Pagination
    filter_backends = [FilterBackend]

    def visible(self):
        raise NotImplementedError

    def get_queryset(self):
        return self.visible()


@extend_schema_view(
    list=extend_schema(summary=_("Local governments in your scope")),
    retrieve=extend_schema(summary=_("One local government")),
)
class LocalGovernmentViewSet(ValuesListMixin, ReadOnlyViewSet):
    serializer_class = serializers.LocalGovernmentSerializer
    filterset_class = filters.MunicipalityFilter
    lookup_field = "lg_code"
    lookup_value_regex = "[0-9]{6}"
    list_columns = ("lg_code", "name", "name_kana", "kind", "prefecture__code", "office__code", "is_active")

    def list_rows(self, rows):
        names = ("lg_code", "name", "name_kana", "kind", "prefecture", "office", "is_active")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def visible(self):
        return (
            Municipality.objects.visible_to(self.request.user)
            .select_related("prefecture", "office")
            .order_by("lg_code")
        )

    @extend_schema(
        summary=_("The progress of one local government"),
        parameters=[AS_OF],
        filters=False,
        responses=serializers.ProgressSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def progress(self, request, lg_code=None):
        municipality = self.get_object()
        day = as_of(request)
        rows = progress_as_of(Progress.objects.filter(municipality=municipality), day)
        context = {**self.get_serializer_context(), "as_of": day}
        return Response(serializers.ProgressSerializer(rows, many=True, context=context).data)


@extend_schema_view(
    list=extend_schema(summary=_("Centers you work with or that serve your local governments")),
    retrieve=extend_schema(summary=_("One center")),
)
class CenterViewSet(ValuesListMixin, ReadOnlyViewSet):
    serializer_class = serializers.CenterSerializer
    lookup_field = "code"
    filter_backends = []
    list_columns = ("code", "label", "name", "division", "phone", "prefecture__code", "region__code")

    def list_rows(self, rows):
        names = ("code", "label", "name", "division", "phone", "prefecture", "region")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def visible(self):
        user = self.request.user
        served = Municipality.objects.visible_to(user).values("office_id")
        return (
            Office.objects.filter(office_scope_q(user) | Q(pk__in=served))
            .select_related("prefecture", "region")
            .order_by("sort_order", "code")
        )


@extend_schema_view(
    list=extend_schema(summary=_("Request items")), retrieve=extend_schema(summary=_("One request item"))
)
class RequestItemViewSet(ReadOnlyViewSet):
    serializer_class = serializers.RequestItemSerializer
    lookup_field = "code"
    filter_backends = []

    def visible(self):
        return RequestItem.objects.select_related("category").order_by("sort_order", "code")


@extend_schema_view(list=extend_schema(summary=_("Progress in your scope"), parameters=[AS_OF]))
class ProgressViewSet(ValuesListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The current rows (active local governments, active items that apply), as the reports count them."""

    serializer_class = serializers.ProgressSerializer
    filterset_class = filters.ProgressFilter
    pagination_class = Pagination
    filter_backends = [FilterBackend]
    list_columns = ("municipality__lg_code", "municipality__name", "item__code", "stage_as_of", "stage_date_as_of")

    def list_rows(self, rows):
        day = as_of(self.request).isoformat()
        return [
            {
                "local_government": lg_code,
                "local_government_name": name,
                "item": item,
                "stage": stage,
                "stage_date": iso(stage_date),
                "as_of": day,
            }
            for lg_code, name, item, stage, stage_date in rows
        ]

    def get_queryset(self):
        return self.visible()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["as_of"] = as_of(self.request)
        return context

    def visible(self):
        progress = Progress.objects.visible_to(self.request.user)
        if getattr(self, "swagger_fake_view", False):
            return progress.none()
        return progress_as_of(progress, as_of(self.request))


@extend_schema_view(list=extend_schema(summary=_("Stage changes in your scope")))
class ProgressChangeViewSet(ValuesListMixin, ReadOnlyViewSet):
    serializer_class = serializers.ProgressChangeSerializer
    filterset_class = filters.ProgressChangeFilter
    list_columns = (
        "id",
        "progress__municipality__lg_code",
        "progress__item__code",
        "from_stage",
        "to_stage",
        "effective_date",
        "recorded_at",
        "recorded_by__display_name",
        "recorded_by__username",
        "note",
        "activity_id",
        "referral_id",
        "import_batch_id",
    )

    def list_rows(self, rows):
        return [
            {
                "id": pk,
                "local_government": lg_code,
                "item": item,
                "from_stage": from_stage,
                "to_stage": to_stage,
                "effective_date": iso(effective_date),
                "recorded_at": local_iso(recorded_at),
                "recorded_by": user_label(display_name, username),
                "note": note,
                "activity": activity,
                "referral": referral,
                "import_batch": batch,
            }
            for (
                pk,
                lg_code,
                item,
                from_stage,
                to_stage,
                effective_date,
                recorded_at,
                display_name,
                username,
                note,
                activity,
                referral,
                batch,
            ) in rows
        ]

    def visible(self):
        return (
            ProgressChange.objects.visible_to(self.request.user)
            .select_related("progress__municipality", "progress__item", "recorded_by")
            .order_by("-recorded_at", "-id")
        )


@extend_schema_view(list=extend_schema(summary=_("Activities in your scope")))
class ActivityViewSet(ValuesListMixin, ReadOnlyViewSet):
    serializer_class = serializers.ActivitySerializer
    filterset_class = filters.ApiActivityFilter
    list_columns = (
        "id",
        "date",
        "office__code",
        "item__code",
        "kind",
        "title",
        "attendees",
        "consultations",
        "commissioners_present",
        "people_recommended",
        "commissioners_awarded",
        "follow_up_on",
        "follow_up_done",
    )

    def list_rows(self, rows):
        # Only the local governments the user may see are named, as on the site: one query for the page.
        links = grouped(
            Activity.municipalities.through.objects.filter(activity_id__in=[row[0] for row in rows])
            .filter(municipality_scope_q(self.request.user, prefix="municipality__"))
            .order_by("municipality__lg_code")
            .values_list("activity_id", "municipality__lg_code")
        )
        result = []
        for pk, day, office, item, kind, title, *figures, follow_up_on, follow_up_done in rows:
            attendees, consultations, present, recommended, awarded = figures
            result.append(
                {
                    "id": pk,
                    "date": iso(day),
                    "office": office,
                    "item": item,
                    "kind": kind,
                    "title": title,
                    "local_governments": links.get(pk, []),
                    "attendees": attendees,
                    "consultations": consultations,
                    "commissioners_present": present,
                    "people_recommended": recommended,
                    "commissioners_awarded": awarded,
                    "follow_up_on": iso(follow_up_on),
                    "follow_up_done": follow_up_done,
                }
            )
        return result

    def visible(self):
        user = self.request.user
        # Only the local governments the user may see are named, as on the site.
        municipalities = Municipality.objects.visible_to(user).only("lg_code").order_by("lg_code")
        return (
            Activity.objects.visible_to(user)
            .select_related("office", "item")
            .prefetch_related(Prefetch("municipalities", queryset=municipalities))
            .order_by("-date", "-id")
        )


@extend_schema_view(list=extend_schema(summary=_("Referrals in your scope (metadata only)")))
class ReferralViewSet(ReadOnlyViewSet):
    serializer_class = serializers.ReferralSerializer
    filterset_class = filters.ReferralFilter

    def visible(self):
        return (
            Referral.objects.visible_to(self.request.user)
            .select_related("municipality", "office", "commissioner")
            .order_by("-received_on", "-id")
        )
