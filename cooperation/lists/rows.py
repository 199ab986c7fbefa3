"""Table rows written in Python for the list pages: django-tables2's cells, without its per-cell overhead.

django-tables2 renders each cell through ``BoundRow.items()``: it looks up the
render method's signature with ``inspect`` and rebuilds the column's ``<td>``
attributes for every cell, and the template then loops over them (an
activity list of 50 rows × 8 columns spent most of its time there). Here the
signature and the attributes are worked out once per column and each cell
still goes through django-tables2's own value lookup (``get_FOO_display``,
empty values, accessors), render methods and links, so the cells are the
same; tests/cooperation/test_list_rows.py compares the markup with the
template's for every list table.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django_tables2.utils import signature

from cooperation.markup import as_in_template as _text


def _plain_lookup(model, accessor: str):
    """For a column showing one concrete field of the table's model: ("display", method) or ("attr", name).

    These are the cases where django-tables2's lookup comes down to
    ``get_FOO_display()`` (a field with choices) or ``getattr``; any other
    accessor (a path, a many-to-many, a method) keeps django-tables2's lookup.
    """
    if model is None or not isinstance(accessor, str) or "__" in accessor or "." in accessor:
        return None
    if accessor == "pk":
        return ("attr", "pk")
    try:
        field = model._meta.get_field(accessor)
    except FieldDoesNotExist:
        return None
    if not field.concrete or field.many_to_many or field.name != accessor:
        return None
    return ("display", f"get_{accessor}_display") if field.choices else ("attr", accessor)


class _Column:
    """What one column needs to render its cells, computed once per table."""

    def __init__(self, bound_column, model):
        self.bound_column = bound_column
        self.column = bound_column.column
        self.render = bound_column.render
        self.arguments, self.any_keyword = signature(self.render)
        self.link = bound_column.link
        self.default = bound_column.default
        # The column's <td> attributes do not depend on the row in this project (no callables).
        self.td = bound_column.attrs.get("td")
        self.td_html = self.td.as_html() if self.td else ""
        self.model = model
        self.lookup = _plain_lookup(model, bound_column.accessor)

    def cell(self, row, table):
        def render(bound_column, value=None):
            everything = {
                "value": value,
                "record": row.record,
                "column": self.column,
                "bound_column": bound_column,
                "bound_row": row,
                "table": table,
            }
            if self.any_keyword:
                wanted = everything
            else:
                wanted = {name: everything[name] for name in self.arguments if name in everything}
                if len(wanted) < len(self.arguments):
                    return None  # as django-tables2's call_with_appropriate
            content = self.render(**wanted)
            return self.link(content, **everything) if self.link else content

        record = row.record
        if self.lookup is not None and isinstance(record, self.model):
            kind, name = self.lookup
            value = getattr(record, name)() if kind == "display" else getattr(record, name)
            if value in self.column.empty_values:
                return self.default
            return render(self.bound_column, value)
        return row._get_and_render_with(self.bound_column, render_func=render, default=self.default)


def rows_html(table) -> SafeString:
    """The ``<tr>`` elements of the table's current page (or the row saying nothing matches), as in the template."""
    model = getattr(table._meta, "model", None)
    columns = [_Column(bound_column, model) for bound_column in table.columns]
    out = []
    for row in table.paginated_rows:
        cells = "".join(
            format_html(
                "\n            <td {}>{}</td>",
                mark_safe(column.td_html),
                mark_safe(_text(column.cell(row, table))),
            )
            for column in columns
        )
        out.append(format_html("\n        <tr {}>{}\n        </tr>", row.attrs.as_html(), mark_safe(cells)))
    if not out:
        return format_html(
            '\n        <tr><td class="empty" colspan="{}">{}</td></tr>', len(columns), _text(table.empty_text)
        )
    return mark_safe("".join(out))
