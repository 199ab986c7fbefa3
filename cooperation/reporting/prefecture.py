"""Prefecture report (都道府県別レポート): the local governments × items matrix, its counts and its downloads."""

from collections.abc import Callable
from typing import NamedTuple

from django import forms
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView

from cooperation import exports, fiscal
from cooperation.caching import rollups
from cooperation.markup import escaped
from cooperation.mixins import ScopedMixin
from cooperation.models import RequestItem, Stage
from cooperation.reporting import rollups as reports
from cooperation.security.dates import too_early, too_early_message
from cooperation.templatetags.cooperation_tags import stage_badge
from offices.models import Municipality, Office, Prefecture
from offices.services import audit_record

# How many ends of past fiscal years the report offers as "as of" shortcuts.
AS_OF_SHORTCUTS = 4
FILTER_NAMES = ("office", "kind", "stage", "item", "as_of")


class PrefectureReportForm(forms.Form):
    """The report's filters; center and item choices come from lists the view already loaded."""

    office = forms.ChoiceField(label=_("Center"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind of local government"),
        required=False,
        choices=[("", _("All kinds"))] + Municipality.Kind.choices,
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("All stages"))] + Stage.choices)
    item = forms.ChoiceField(label=_("Request item"), required=False)
    as_of = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, offices, items, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["office"].choices = [("", _("All centers"))] + [(office.code, office.label) for office in offices]
        self.fields["item"].choices = [("", _("All items"))] + [(item.code, str(item)) for item in items]
        self.fields["as_of"].widget.attrs["max"] = today.isoformat()

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day and day > self.today:
            raise forms.ValidationError(_("Choose a date no later than today."))
        if too_early(day):
            raise forms.ValidationError(too_early_message(day))
        return day


def matrix_rows_html(matrix: reports.Matrix) -> list[SafeString]:
    """Each row of the matrix as one piece of HTML, so the template loops over rows rather than cells.

    The markup is exactly what per-cell template code gave inside ``{% spaceless %}``:
    the badge of the ``stage_badge`` tag, "cell-changed" and a "was …" note where
    the stage differs from the baseline's, a hidden "not applicable" where the
    item does not apply. A cell's markup depends only on its item, stage and
    baseline stage, so each combination is rendered once per request (a few
    dozen, against 1,621 cells for 北海道) and the rows are joined from them.
    """
    badges: dict[str, SafeString] = {}
    cells: dict[tuple[str, str | None, str | None], SafeString] = {}
    not_applicable = gettext("not applicable")

    def cell_html(cell: reports.Cell) -> SafeString:
        if not cell.applies:
            return format_html(
                '<td class="cell cell-na" data-item="{}"><span aria-hidden="true">–</span>'
                '<span class="visually-hidden">{}</span></td>',
                cell.item_code,
                not_applicable,
            )
        if cell.stage not in badges:
            badges[cell.stage] = stage_badge(cell.stage)
        if not cell.changed:
            return format_html(
                '<td class="cell" data-item="{}" data-stage="{}">{}</td>',
                cell.item_code,
                cell.stage,
                badges[cell.stage],
            )
        # As {% blocktranslate %} does: the translation is trusted, the value it holds is escaped.
        was = mark_safe(gettext("was %(stage)s") % {"stage": conditional_escape(cell.baseline_label)})
        return format_html(
            '<td class="cell cell-changed" data-item="{}" data-stage="{}">{}<span class="was">{}</span></td>',
            cell.item_code,
            cell.stage,
            badges[cell.stage],
            was,
        )

    municipality_url = municipality_url_maker()
    prefecture_class = ' class="row-prefecture"'
    rows = []
    for row in matrix.rows:
        code = escaped(row.lg_code)
        parts = [
            f'<tr data-lg-code="{code}"{prefecture_class if row.kind == Municipality.Kind.PREFECTURE else ""}>'
            f'<td>{code}</td><th scope="row"><a href="{escaped(municipality_url(row.lg_code))}">'
            f"{escaped(row.name)}</a></th><td>{escaped(row.kind_label)}</td><td>{escaped(row.office)}</td>"
        ]
        for cell in row.cells:
            key = (cell.item_code, cell.stage, cell.baseline)
            markup = cells.get(key)
            if markup is None:
                markup = cells[key] = cell_html(cell)
            parts.append(markup)
        parts.append("</tr>")
        rows.append(mark_safe("".join(parts)))
    return rows


def municipality_url_maker() -> Callable[[str], str]:
    """``reverse("cooperation:municipality_detail", …)`` for many local governments, resolving the pattern once.

    ``reverse()`` costs about 25 µs a call, 4–5 ms for 北海道's 180 rows. A code
    of ASCII letters and digits (every local government code) goes into the URL
    as it is, so it can be put in place of a marker; anything else falls back
    to ``reverse()``, as does a URL prefix that happens to contain the marker.
    """

    def reversed_url(lg_code: str) -> str:
        return reverse("cooperation:municipality_detail", kwargs={"lg_code": lg_code})

    marker = "lgcode"
    sample = reversed_url(marker)
    if sample.count(marker) != 1:
        return reversed_url
    head, tail = sample.split(marker)

    def url(lg_code: str) -> str:
        if lg_code.isascii() and lg_code.isalnum():
            return head + lg_code + tail
        return reversed_url(lg_code)

    return url


class MatrixHtml(NamedTuple):
    rows: list[SafeString]
    summary: str


class PrefectureReportMixin(ScopedMixin):
    """Scope, filters and the matrix, shared by the page and its downloads so they never disagree."""

    model = Prefecture
    slug_field = "code"
    slug_url_kwarg = "code"

    def scoped_queryset(self):
        visible = Municipality.objects.visible_to(self.request.user).filter(prefecture=OuterRef("pk"))
        return Prefecture.objects.filter(Exists(visible))

    def report(self) -> dict:
        """The filter form, the chosen filters and the matrix for ``self.object``."""
        prefecture = self.object
        today = fiscal.today()
        municipalities = Municipality.objects.visible_to(self.request.user).filter(prefecture=prefecture)
        offices = list(Office.objects.filter(pk__in=municipalities.filter(is_active=True).values("office")))
        items = list(RequestItem.objects.active())
        form = PrefectureReportForm(self.request.GET or None, offices=offices, items=items, today=today)
        chosen = {"office": "", "kind": "", "stage": "", "item": "", "as_of": None}
        if form.is_bound:
            # A wrong value drops only its own filter (and shows its error); the others still apply.
            form.full_clean()
            chosen.update(form.cleaned_data)
        as_of = chosen["as_of"] or today
        baseline = reports.previous_fiscal_year_end(as_of)
        if chosen["office"]:
            municipalities = municipalities.filter(office__code=chosen["office"])
        if chosen["kind"]:
            municipalities = municipalities.filter(kind=chosen["kind"])
        columns = [item for item in items if item.code == chosen["item"]] if chosen["item"] else items
        matrix = rollups.cached(
            "prefecture_matrix",
            lambda: reports.prefecture_matrix(
                municipalities,
                items=columns,
                as_of=as_of,
                baseline=baseline,
                today=today,
                stage=chosen["stage"] or None,
            ),
            **self.cache_scope(),
            chosen=sorted(chosen.items()),
            today=today,
        )
        filters = {name: chosen[name] for name in ("office", "kind", "stage", "item") if chosen[name]}
        return {"form": form, "matrix": matrix, "filters": filters, "today": today}

    def cache_scope(self) -> dict:
        return {
            "user": self.request.user,
            "depends": [rollups.prefecture_depends(self.object)],
            "prefecture": self.object.pk,
        }

    def query_string(self, **changes) -> str:
        """The current filters as a query string, with ``changes`` applied (None removes a filter)."""
        query = QueryDict(mutable=True)
        for name in FILTER_NAMES:
            value = changes[name] if name in changes else self.request.GET.get(name)
            if value:
                query[name] = value
        return query.urlencode()


class PrefectureReportView(PrefectureReportMixin, DetailView):
    template_name = "cooperation/prefecture_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.report()
        today = report["today"]
        current_year = fiscal.fiscal_year(today)
        shortcuts = [(_("Today"), today, self.query_string(as_of=None))]
        for year in range(current_year - 1, current_year - 1 - AS_OF_SHORTCUTS, -1):
            end = fiscal.fiscal_year_end(year)
            label = gettext("End of {year}").format(year=fiscal.fiscal_year_label(year))
            shortcuts.append((label, end, self.query_string(as_of=end.isoformat())))
        context.update(
            report,
            stages=Stage.choices,
            as_of_shortcuts=shortcuts,
            export_query=self.query_string(),
            baseline_year=fiscal.fiscal_year(report["matrix"].baseline),
            # The matrix's rows and the counts by item, rendered once per generation and kept as markup.
            matrix_html=rollups.cached(
                "matrix_markup",  # (rows, summary); "matrix_html" held the rows alone
                lambda: MatrixHtml(
                    rows=matrix_rows_html(report["matrix"]),
                    summary=render_to_string(
                        "cooperation/includes/report_item_stages.html",
                        {
                            "item_stages": report["matrix"].summary,
                            "stages": Stage.choices,
                            "show_bars": False,
                            "baseline": report["matrix"].baseline,
                        },
                    ),
                ),
                **self.cache_scope(),
                filters=sorted(report["filters"].items()),
                as_of=report["matrix"].as_of,
                today=report["today"],
            ),
        )
        return context


class PrefectureExportMixin(PrefectureReportMixin):
    """A download holding exactly the screen's rows and columns, for the same query string; audited."""

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        report = self.report()
        matrix = report["matrix"]
        audit_record(
            action="export",
            request=request,
            target=f"prefecture_report {self.object.code}",
            detail={
                "format": self.export_format,
                "prefecture": self.object.code,
                "as_of": matrix.as_of.isoformat(),
                "filters": report["filters"],
                "rows": len(matrix.rows),
            },
        )
        suffix = exports.condition_file_suffix(report["filters"])
        filename = f"prefecture-{self.object.code}-{matrix.as_of.isoformat()}{suffix}.{self.export_format}"
        return self.render_export(filename, report)

    def heading(self, report) -> exports.SheetHeading:
        """The report's title and conditions, written above every sheet."""
        matrix, form = report["matrix"], report["form"]
        conditions = [gettext("As of {date}").format(date=fiscal.format_date(matrix.as_of))]
        for name, value in report["filters"].items():
            field = form.fields[name]
            conditions.append(f"{field.label}: {dict(field.choices).get(value, value)}")
        conditions.append(gettext("Exported on {date}").format(date=fiscal.format_date(report["today"])))
        title = gettext("{name}: prefecture report").format(name=self.object.display_name)
        return exports.SheetHeading(title=title, conditions=" / ".join(str(text) for text in conditions))

    def matrix_table(self, matrix) -> tuple[list[str], list[list]]:
        header = [gettext("Local government code"), gettext("Local government"), gettext("Kind"), gettext("Center")]
        header += [f"{item.code} {item.title}" for item in matrix.items]
        rows = [
            [row.lg_code, row.name, row.kind_label, row.office, *[cell.label for cell in row.cells]]
            for row in matrix.rows
        ]
        return header, rows


class PrefectureExportCsvView(PrefectureExportMixin, DetailView):
    export_format = "csv"

    def render_export(self, filename, report):
        header, rows = self.matrix_table(report["matrix"])
        return exports.csv_response(filename, header, rows)


class PrefectureExportXlsxView(PrefectureExportMixin, DetailView):
    """The matrix, the per-item counts, the changed cells and the conditions, one sheet each."""

    export_format = "xlsx"

    def render_export(self, filename, report):
        matrix = report["matrix"]
        header, rows = self.matrix_table(matrix)
        return exports.xlsx_response(
            filename,
            [
                (gettext("Stages"), header, rows),
                self.summary_sheet(matrix),
                self.changes_sheet(matrix),
                self.conditions_sheet(report),
            ],
            heading=self.heading(report),
            freeze_columns=2,
        )

    def summary_sheet(self, matrix):
        header = [gettext("Item"), *[str(label) for _stage, label in Stage.choices], gettext("Total")]
        header += [
            gettext("Adopted"),
            gettext("Adopted (%)"),
            gettext("Adopted on {date}").format(date=matrix.baseline.isoformat()),
            pgettext("difference between two counts", "Change"),
        ]
        rows = [
            [
                f"{entry.code} {entry.title}",
                *[stage.count for stage in entry.stages],
                entry.total,
                entry.adopted,
                None if entry.share.percent is None else round(entry.share.percent, 1),
                entry.adopted_baseline,
                entry.adopted_change,
            ]
            for entry in matrix.summary
        ]
        return gettext("Counts"), header, rows

    def changes_sheet(self, matrix):
        header = [
            gettext("Local government code"),
            gettext("Local government"),
            gettext("Item"),
            gettext("Stage on {date}").format(date=matrix.baseline.isoformat()),
            gettext("Stage on {date}").format(date=matrix.as_of.isoformat()),
        ]
        rows = [
            [row.lg_code, row.name, cell.item_code, cell.baseline_label, cell.label]
            for row in matrix.rows
            for cell in row.cells
            if cell.changed
        ]
        return gettext("Changes"), header, rows

    def conditions_sheet(self, report):
        """What the download was drawn with: prefecture, dates and each filter by its label, as on screen."""
        matrix, form = report["matrix"], report["form"]
        rows = [
            [gettext("Prefecture"), f"{self.object.code} {self.object.display_name}"],
            [gettext("As of"), matrix.as_of],
            [gettext("Compared with"), matrix.baseline],
        ]
        for name, value in report["filters"].items():
            field = form.fields[name]
            rows.append([str(field.label), str(dict(field.choices).get(value, value))])
        rows.append([gettext("Local governments"), len(matrix.rows)])
        rows.append([gettext("Exported at"), timezone.localtime().replace(tzinfo=None, microsecond=0)])
        return gettext("Conditions"), [gettext("Condition"), gettext("Value")], rows
