"""The list pages: local governments, activities, referrals and the history of stages.

Each is sortable, paginated, filterable and downloadable as CSV or xlsx
through the same URL (``?_export=csv`` / ``?_export=xlsx``), with the current
filters and sorting applied, and shows only the user's scope.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import islice

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from cooperation import exports, fiscal
from cooperation.events import EXPORTED
from cooperation.fiscal import today
from cooperation.lists.filters import ActivityFilter, MunicipalityFilter, ProgressChangeFilter, ReferralFilter
from cooperation.lists.tables import (
    ACTIVITY_COUNTS,
    ActivityTable,
    MunicipalityTable,
    ProgressChangeTable,
    ReferralTable,
)
from cooperation.mixins import ScopedMixin
from cooperation.models import Activity, ProgressChange, Referral, RequestItem, Stage
from offices.models import Municipality, Prefecture
from offices.scopes import municipality_scope_q
from offices.services import audit_record

PER_PAGE = 50


@dataclass(frozen=True)
class ExportColumn:
    """How one column of a table is downloaded: the ``fields`` read with ``.values_list()`` and their ``value``.

    With one field, an empty value (None or "") is written as an empty cell
    and ``value`` (if given) turns any other into the cell, as django-tables2
    does with the column's accessor. With several fields, ``value`` receives
    them all and decides every case itself.
    """

    fields: str | tuple[str, ...]
    value: Callable | None = None


def choice_labels(model, field_name: str) -> Callable:
    """A field's display (``get_FOO_display``), its labels translated once for the request."""
    labels = {key: force_str(label) for key, label in model._meta.get_field(field_name).flatchoices}
    return lambda value: labels.get(value, value)


def _prefecture_names() -> dict[int, str]:
    """Prefecture names by id, in the current language (one query per download)."""
    return {prefecture.pk: str(prefecture) for prefecture in Prefecture.objects.all()}


def yes_no() -> Callable:
    """YesNoColumn's words, translated once."""
    yes, no = _("Yes"), _("No")
    return lambda value: yes if value else no


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


class ExportMixin:
    """Download the filtered, sorted list as CSV (UTF-8 with BOM) or xlsx: every row, not one page.

    The header, the columns and their order are the table's (every column not
    ``exclude_from_export``); the rows are the table's queryset (scope,
    filters, sorting) read with ``.values_list()`` in chunks, never as model
    instances, and turned into cells by ``export_columns()`` with its labels
    (choices, stages, names) looked up once per download: django-tables2's
    per-cell rendering would cost seconds per ten thousand rows. Cells go
    through ``cooperation.exports`` (formula neutralisation), and every
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

    def export_columns(self) -> dict[str, ExportColumn]:
        """Each exported column of the table by name: what to read and how to write it."""
        raise NotImplementedError

    def export_chunk(self, chunk: list[tuple]) -> None:
        """Called with each chunk of rows (``pk`` first) before it is written: load what the chunk needs."""

    def export_rows(self, queryset, names: list[str], counted: dict) -> Iterator[list]:
        columns = self.export_columns()
        if set(columns) != set(names):
            raise ImproperlyConfigured(
                f"{type(self).__name__}.export_columns() must describe exactly the table's exported columns "
                f"{names}, not {sorted(columns)}"
            )
        fields = ["pk"]
        for name in names:
            for field in (columns[name].fields,) if isinstance(columns[name].fields, str) else columns[name].fields:
                if field not in fields:
                    fields.append(field)
        cells = [self._cell(columns[name], fields) for name in names]
        values = queryset.prefetch_related(None).values_list(*fields)
        for chunk in _chunks(values.iterator(chunk_size=self.export_chunk_size), self.export_chunk_size):
            self.export_chunk(chunk)
            counted["rows"] += len(chunk)
            for row in chunk:
                yield [cell(row) for cell in cells]

    @staticmethod
    def _cell(column: ExportColumn, fields: list[str]) -> Callable[[tuple], object]:
        if not isinstance(column.fields, str):
            indexes = [fields.index(field) for field in column.fields]
            return lambda row, value=column.value: value(*[row[index] for index in indexes])
        index, value = fields.index(column.fields), column.value
        if value is None:
            return lambda row: None if row[index] == "" else row[index]
        return lambda row: None if row[index] is None or row[index] == "" else value(row[index])

    def export(self, export_format: str):
        table = self.get_table_class()(data=self.filtered_queryset())
        RequestConfig(self.request, paginate=False).configure(table)
        columns = [column for column in table.columns.iterall() if not column.column.exclude_from_export]
        header = [force_str(column.header) for column in columns]
        counted = {"rows": 0}
        rows = self.export_rows(table.data.data, [column.name for column in columns], counted)

        name = force_str(self.model._meta.verbose_name_plural)
        filters = self.export_filters()
        filename = "{name}_{date}{conditions}.{ext}".format(
            name=name,
            date=today().strftime("%Y%m%d"),
            conditions=exports.condition_file_suffix(filters),
            ext=export_format,
        )
        if export_format == "csv":
            response = exports.csv_response(filename, header, rows)
        else:
            response = exports.xlsx_response(
                filename, [(name, header, rows)], heading=self.export_heading(name, filters)
            )
        audit_record(
            action=EXPORTED,
            request=self.request,
            target=self.request.path,
            detail={"format": export_format, "filters": self.export_filters(), "rows": counted["rows"]},
        )
        return response

    def export_heading(self, name: str, filters: dict) -> exports.SheetHeading:
        """The list's name and the filters it was drawn with (by their labels), and the export date."""
        form = getattr(getattr(self, "filterset", None), "form", None)
        conditions = []
        for key, value in filters.items():
            field = form.fields.get(key) if form is not None else None
            label = field.label if field is not None and field.label else key
            values = value if isinstance(value, list) else [value]
            choices = dict(getattr(field, "choices", ()) or ()) if field is not None else {}
            conditions.append("{}: {}".format(label, "、".join(str(choices.get(v, v)) for v in values)))
        conditions.append(_("Exported on {date}").format(date=fiscal.format_date(today())))
        return exports.SheetHeading(title=name, conditions=" / ".join(str(text) for text in conditions))

    def export_filters(self) -> dict:
        """The query parameters that shaped the download (filters and sorting), for the audit trail."""
        ignored = {self.export_param, "page"}
        return {
            key: values[0] if len(values) == 1 else values
            for key, values in self.request.GET.lists()
            if key not in ignored and any(values)
        }


class ScopedListView(ScopedMixin, ExportMixin, SingleTableMixin, FilterView):
    """Shared settings of the four lists; each names its model, table, filter and template."""

    table_pagination = {"per_page": PER_PAGE}


def _items() -> Callable:
    """Items as the tables name them (``str(item)``: code and title in the active language)."""
    names = {item.pk: str(item) for item in RequestItem.objects.all()}
    return names.get


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
            # The count annotation groups the query, which drops Meta.ordering: keep code order.
            .order_by("lg_code")
        )

    def export_columns(self):
        prefectures = {prefecture.pk: str(prefecture) for prefecture in Prefecture.objects.all()}
        return {
            "lg_code": ExportColumn("lg_code"),
            "name": ExportColumn("name"),
            "name_kana": ExportColumn("name_kana"),
            "kind": ExportColumn("kind", choice_labels(Municipality, "kind")),
            "prefecture": ExportColumn("prefecture_id", prefectures.get),
            "office": ExportColumn("office__label"),
            "adopted_count": ExportColumn("adopted_count"),
            "applicable_count": ExportColumn("applicable_count"),
            "is_active": ExportColumn("is_active", yes_no()),
        }


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

    def export_columns(self):
        self.municipality_names, self.municipality_codes, self.municipality_prefectures = {}, {}, {}
        columns = {
            "date": ExportColumn("date"),
            "office": ExportColumn("office__label"),
            "municipalities": ExportColumn("pk", self.municipality_names.get),
            "municipality_codes": ExportColumn("pk", self.municipality_codes.get),
            "municipality_prefectures": ExportColumn("pk", self.municipality_prefectures.get),
            "item": ExportColumn("item_id", _items()),
            "kind": ExportColumn("kind", choice_labels(Activity, "kind")),
            "title": ExportColumn("title"),
            "follow_up_on": ExportColumn("follow_up_on"),
            "follow_up_done": ExportColumn("follow_up_done", yes_no()),
        }
        columns.update((name, ExportColumn(name)) for name in ACTIVITY_COUNTS)
        return columns

    def export_chunk(self, chunk):
        """The names of the chunk's local governments that the user may see, in code order, joined with 、."""
        links = (
            Activity.municipalities.through.objects.filter(activity_id__in=[row[0] for row in chunk])
            .filter(municipality_scope_q(self.request.user, prefix="municipality__"))
            .order_by("municipality__lg_code")
            .values_list("activity_id", "municipality__name", "municipality__lg_code", "municipality__prefecture_id")
        )
        names: dict[int, list[str]] = {}
        codes: dict[int, list[str]] = {}
        prefectures: dict[int, dict[str, None]] = {}
        for activity_id, name, lg_code, prefecture_id in links:
            names.setdefault(activity_id, []).append(name)
            codes.setdefault(activity_id, []).append(lg_code)
            prefectures.setdefault(activity_id, {})[self.prefecture_names[prefecture_id]] = None
        self.municipality_names.clear()
        self.municipality_names.update((activity_id, "、".join(each)) for activity_id, each in names.items())
        self.municipality_codes.clear()
        self.municipality_codes.update((activity_id, "、".join(each)) for activity_id, each in codes.items())
        self.municipality_prefectures.clear()
        self.municipality_prefectures.update((key, "、".join(each)) for key, each in prefectures.items())

    @cached_property
    def prefecture_names(self) -> dict[int, str]:
        return {prefecture.pk: str(prefecture) for prefecture in Prefecture.objects.all()}


class ReferralListView(ScopedListView):
    model = Referral
    table_class = ReferralTable
    filterset_class = ReferralFilter
    template_name = "cooperation/referral_list.html"

    def get_queryset(self):
        # The commissioner's name only: never their contact details.
        return (
            super()
            .get_queryset()
            .select_related("municipality", "office", "commissioner")
            .defer(*[f"commissioner__{name}" for name in ("postal_code", "address", "phone", "email", "note")])
        )

    def export_columns(self):
        return {
            "received_on": ExportColumn("received_on"),
            "lg_code": ExportColumn("municipality__lg_code"),
            "prefecture": ExportColumn("municipality__prefecture_id", _prefecture_names().get),
            "municipality": ExportColumn("municipality__name"),
            "office": ExportColumn("office__label"),
            "topic": ExportColumn("topic", choice_labels(Referral, "topic")),
            "agency": ExportColumn("agency"),
            "status": ExportColumn("status", choice_labels(Referral, "status")),
            "outcome": ExportColumn("outcome", choice_labels(Referral, "outcome")),
            "direction": ExportColumn("direction", choice_labels(Referral, "direction")),
            "commissioner": ExportColumn("commissioner__name"),
        }


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
                "corrects",
            )
        )

    def export_columns(self):
        zone = timezone.get_current_timezone()
        stage = choice_labels(ProgressChange, "from_stage")
        system = _("System")
        activity, referral, batch = _("Activity: {title}"), _("Referral of {date}"), _("Import: {file}")
        correction = _("Correction of the change of {date}")

        def recorded_at(value):  # LocalDateTimeColumn.value
            return value.astimezone(zone).replace(tzinfo=None, microsecond=0)

        def recorded_by(user_id, display_name, username):  # ProgressChangeTable.value_recorded_by, str(user)
            return system if user_id is None else (display_name or username)

        def evidence(corrects_id, corrected_on, activity_id, title, referral_id, received_on, batch_id, file_name):
            if corrects_id:  # value_evidence
                return correction.format(date=fiscal.format_date(corrected_on))
            if activity_id:
                return activity.format(title=title)
            if referral_id:
                return referral.format(date=fiscal.format_date(received_on))
            if batch_id:
                return batch.format(file=file_name)
            return ""

        return {
            "recorded_at": ExportColumn("recorded_at", recorded_at),
            "effective_date": ExportColumn("effective_date"),
            "lg_code": ExportColumn("progress__municipality__lg_code"),
            "prefecture": ExportColumn("progress__municipality__prefecture_id", _prefecture_names().get),
            "municipality": ExportColumn("progress__municipality__name"),
            "item": ExportColumn("progress__item__code"),
            "from_stage": ExportColumn("from_stage", stage),
            "to_stage": ExportColumn("to_stage", stage),
            "recorded_by": ExportColumn(
                ("recorded_by_id", "recorded_by__display_name", "recorded_by__username"), recorded_by
            ),
            "note": ExportColumn("note"),
            "evidence": ExportColumn(
                (
                    "corrects_id",
                    "corrects__effective_date",
                    "activity_id",
                    "activity__title",
                    "referral_id",
                    "referral__received_on",
                    "import_batch_id",
                    "import_batch__file_name",
                ),
                evidence,
            ),
        }
