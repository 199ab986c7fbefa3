"""``{% site_table_rows table %}``: the rows of a list table, written in Python (cooperation/lists/rows.py)."""

from django import template

from cooperation.lists.rows import rows_html

register = template.Library()


@register.simple_tag
def site_table_rows(table):
    return rows_html(table)
