"""List endpoints serialised from ``values_list`` rows: the serializer's JSON without a model instance per row.

A DRF serializer costs a model instance per row and object, plus a field
object call per value: for a page of 500 rows that is most of the request.
A list viewset with ``ValuesListMixin`` declares the columns it reads
(``list_columns``) and turns each tuple into the serializer's dictionary
(``list_rows``); the serializer stays the one the schema describes and the
one ``retrieve`` uses. ``tests/cooperation/test_api_values_lists.py`` turns
the fast path off (``values_list_enabled``) and checks that every list
answers the same JSON both ways, so the two can never drift apart.
"""

from __future__ import annotations

import datetime

from django.utils import timezone


def iso(value: datetime.date | datetime.time | None) -> str | None:
    """A date or time as DRF's ``iso-8601`` format writes it."""
    return None if value is None else value.isoformat()


def local_iso(value: datetime.datetime | None) -> str | None:
    """A datetime as DRF's ``DateTimeField`` writes it: in the current time zone, ``Z`` for UTC."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = value.astimezone(timezone.get_current_timezone())
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def user_label(display_name: str | None, username: str | None) -> str | None:
    """``str(user)`` (``User.__str__``) from its two columns; None without a user."""
    if username is None:
        return None
    return display_name or username


def grouped(pairs) -> dict:
    """``{key: [value, …]}`` from (key, value) pairs, in their order."""
    result: dict = {}
    for key, value in pairs:
        result.setdefault(key, []).append(value)
    return result


class ValuesListMixin:
    # ``list`` reads ``list_columns`` with ``values_list`` and builds the rows with ``list_rows``. The queryset
    # keeps its filters, ordering and pagination; ``select_related`` and ``prefetch_related`` serve ``retrieve``
    # (``list_rows`` reads what a row needs from other tables in one query per page). No docstring: the
    # schema would take it as every list's description.

    values_list_enabled = True
    list_columns: tuple[str, ...] = ()

    def list_rows(self, rows: list[tuple]) -> list[dict]:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        if not self.values_list_enabled:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset()).prefetch_related(None)
        page = self.paginator.paginate_values(queryset, queryset.values_list(*self.list_columns), request, view=self)
        return self.get_paginated_response(self.list_rows(page))
