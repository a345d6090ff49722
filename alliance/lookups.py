"""`field__any=[ids]`: a list of ids as one array parameter, `field = ANY(%s)`.

`field__in=[ids]` writes one placeholder per id: with a page's hundred or more ids, psycopg's
query text is long enough that it is parsed again on every execution (only short queries are
cached) and Django prepares every id on its own; both cost more CPU than running the query.
PostgreSQL plans `= ANY(array)` as it plans `IN (...)` (it rewrites the list into an array).

For lists of plain integers (ids). As `__in`, an empty list makes no query (the result is empty).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        if any(isinstance(value, bool) for value in self.rhs):
            raise TypeError("__any takes ids, not booleans.")
        return [int(value) for value in self.rhs if value is not None]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # relations keep lookups of their own
