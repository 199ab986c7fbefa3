"""Database helpers both apps share (``offices`` is the base app: ``cooperation`` imports it, never the reverse)."""

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from django.db import connections, router

# Safe under every database's limit on parameters in one statement (SQLite's is 999).
CHUNK_SIZE = 900


def chunks(values: Iterable, size: int = CHUNK_SIZE) -> Iterator[list]:
    """Consecutive lists of at most ``size`` values: ``pk__in`` lookups and bulk writes within the limit."""
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def update_columns(model, fields: Sequence[str], objects: Sequence) -> None:
    """Write ``fields`` of many rows with one parameterised UPDATE executed for each row.

    ``bulk_update`` builds a CASE expression per row and field, which costs
    seconds of Python for a few thousand rows; ``executemany`` sends one
    statement with each row's values (pipelined by psycopg, in C on SQLite)
    and counts as one query per 5,000 rows.
    """
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    with connection.cursor() as cursor:
        for chunk in chunks(objects, 5000):
            cursor.executemany(
                sql,
                [
                    [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns] + [obj.pk]
                    for obj in chunk
                ],
            )
