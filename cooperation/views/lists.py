"""The list pages: local governments, activities, referrals and the history of stages.

Each is sortable, paginated, filterable and downloadable as CSV or xlsx
through the same URL (``?_export=csv`` / ``?_export=xlsx``), with the current
filters and sorting applied, and shows only the user's scope.
"""

from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseBadRequest
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.rows import BoundRow

from cooperation import exports
from cooperation.filters import ActivityFilter, MunicipalityFilter, ProgressChangeFilter, ReferralFilter
from cooperation.models import Activity, ProgressChange, Referral, Stage
from cooperation.services import today
from cooperation.tables import ActivityTable, MunicipalityTable, ProgressChangeTable, ReferralTable
from cooperation.views.mixins import ScopedMixin
from offices.models import AuditEvent, Municipality
from offices.services import audit_record

PER_PAGE = 50


class ExportMixin:
    """Download the filtered, sorted list as CSV (UTF-8 with BOM) or xlsx: every row, not one page.

    Rows are read in chunks (one query per chunk, plus one per prefetch), cells
    go through ``cooperation.exports`` (formula neutralisation), and every
    download is written to the audit trail with its filters and row count.
    """

    export_param = "_export"
    export_formats = ("csv", "xlsx")
    export_chunk_size = 2000

    def get(self, request, *args, **kwargs):
        export_format = request.GET.get(self.export_param)
        if export_format is None:
            return super().get(request, *args, **kwargs)
        if export_format not in self.export_formats:
            return HttpResponseBadRequest(_("Unknown download format."))
        return self.export(export_format)

    def filtered_queryset(self):
        """The rows the page would list (FilterView's rule: invalid filters list nothing)."""
        self.filterset = self.get_filterset(self.get_filterset_class())
        if self.filterset.is_valid():
            return self.filterset.qs
        return self.filterset.queryset.none()

    def export(self, export_format: str):
        table = self.get_table_class()(data=self.filtered_queryset())
        RequestConfig(self.request, paginate=False).configure(table)
        columns = [column for column in table.columns.iterall() if not column.column.exclude_from_export]
        header = [force_str(column.header) for column in columns]
        counted = {"rows": 0}

        def rows():
            for record in table.data.data.iterator(chunk_size=self.export_chunk_size):
                counted["rows"] += 1
                row = BoundRow(record, table=table)
                yield [self.export_cell(row.get_cell_value(column.name)) for column in columns]

        name = force_str(self.model._meta.verbose_name_plural)
        filename = "{name}_{date}.{ext}".format(name=name, date=today().strftime("%Y%m%d"), ext=export_format)
        if export_format == "csv":
            response = exports.csv_response(filename, header, rows())
        else:
            response = exports.xlsx_response(filename, [(name, header, rows())])
        audit_record(
            action=AuditEvent.Action.EXPORT,
            request=self.request,
            target=self.request.path,
            detail={"format": export_format, "filters": self.export_filters(), "rows": counted["rows"]},
        )
        return response

    def export_filters(self) -> dict:
        """The query parameters that shaped the download (filters and sorting), for the audit trail."""
        ignored = {self.export_param, "page"}
        return {
            key: values[0] if len(values) == 1 else values
            for key, values in self.request.GET.lists()
            if key not in ignored and any(values)
        }

    @staticmethod
    def export_cell(value):
        """Plain values for a spreadsheet: text, numbers, dates; translated labels and objects as text."""
        if value is None or isinstance(value, (str, int, float)):
            return value
        if isinstance(value, Promise):
            return force_str(value)
        if hasattr(value, "isoformat"):
            return value
        return str(value)


class ScopedListView(ScopedMixin, ExportMixin, SingleTableMixin, FilterView):
    """Shared settings of the four lists; each names its model, table, filter and template."""

    table_pagination = {"per_page": PER_PAGE}


class MunicipalityListView(ScopedListView):
    model = Municipality
    table_class = MunicipalityTable
    filterset_class = MunicipalityFilter
    template_name = "cooperation/municipality_list.html"

    def get_queryset(self):
        current = Q(progresses__item__is_active=True)
        return (
            super()
            .get_queryset()
            .select_related("prefecture", "office")
            .annotate(
                adopted_count=Count("progresses", filter=current & Q(progresses__stage__in=Stage.adopted())),
                applicable_count=Count("progresses", filter=current),
            )
        )


class ActivityListView(ScopedListView):
    model = Activity
    table_class = ActivityTable
    filterset_class = ActivityFilter
    template_name = "cooperation/activity_list.html"

    def get_queryset(self):
        # Only the local governments the user may see are named, even on an activity that also touched others.
        municipalities = Municipality.objects.visible_to(self.request.user).only("lg_code", "name")
        return (
            super()
            .get_queryset()
            .select_related("office", "item")
            .prefetch_related(Prefetch("municipalities", queryset=municipalities))
        )


class ReferralListView(ScopedListView):
    model = Referral
    table_class = ReferralTable
    filterset_class = ReferralFilter
    template_name = "cooperation/referral_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("municipality", "office")


class ProgressChangeListView(ScopedListView):
    model = ProgressChange
    table_class = ProgressChangeTable
    filterset_class = ProgressChangeFilter
    template_name = "cooperation/progresschange_list.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "progress__municipality",
                "progress__item",
                "recorded_by",
                "activity",
                "referral",
                "import_batch",
            )
        )
