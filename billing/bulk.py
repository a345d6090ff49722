"""Set-based inserts: one INSERT ... SELECT FROM unnest(arrays) per table.

The invoice run writes thousands of rows per batch; passing one array per
column keeps it to one statement and a handful of parameters, where Django's
bulk_create sends one parameter per value. The arrays travel as bound
parameters in PostgreSQL's binary format (a psycopg cursor with server-side
binding on the same connection and transaction), which spares quoting every
value into the SQL text. Rows go through the same role and row-level security
as any other write (alliance_id is always given).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import connection, models

# A ledger entry's columns in the order its rows are given to `insert_rows`: the invoice
# run and the demo's history write entries this way.
LEDGER_ENTRY_COLUMNS = (
    "alliance_id",
    "account_id",
    "program_id",
    "kind",
    "category",
    "amount",
    "posted_on",
    "description",
    "child_id",
    "enrollment_id",
    "invoice_id",
    "reverses_id",
    "created_by_id",
    "created_at",
)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    on_conflict_nothing: bool = False,
    returning: bool = False,
) -> list[int]:
    """Insert `rows` (tuples in `columns` order, using column attnames) and return new ids in order."""
    if not rows:
        return []
    fields = {f.attname: f for f in model._meta.concrete_fields}
    # A concrete field always has a column (only a virtual field's is None).
    db_columns = {attname: field.column for attname, field in fields.items() if field.column is not None}
    casts = [f"%b::{fields[c].db_type(connection)}[]" for c in columns]
    quoted = ", ".join(connection.ops.quote_name(db_columns[c]) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    # Ids come from the table's sequence in row order (ORDER BY ord_), so sorting
    # the returned ids gives them back in the order of `rows`.
    sql = (
        f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM unnest({', '.join(casts)}) "
        f"WITH ORDINALITY AS t({quoted}, ord_) ORDER BY ord_"
    )
    if on_conflict_nothing:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql = f"WITH new AS ({sql} RETURNING id) SELECT id FROM new ORDER BY id"
    arrays = [list(column) for column in zip(*rows, strict=True)]
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, arrays)
        return [row[0] for row in cursor.fetchall()] if returning else []
