"""The alliance scope: one contextvar, one manager that fails closed.

Every tenant query needs an active scope. The request layer (base view and
base viewset), Celery tasks (AllianceTask) and management commands open it
with `alliance_scope(alliance_id)`, which also sets the PostgreSQL setting
`app.alliance_id` for the current transaction so row-level security agrees.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, models, transaction

_current_alliance_id: ContextVar[int | None] = ContextVar("hub_alliance_id", default=None)
_current_user_id: ContextVar[int | None] = ContextVar("hub_user_id", default=None)


class TenancyError(RuntimeError):
    """A tenant table was queried with no alliance scope open."""


def current_alliance_id() -> int | None:
    return _current_alliance_id.get()


def require_alliance_id() -> int:
    alliance_id = _current_alliance_id.get()
    if alliance_id is None:
        raise TenancyError(
            "Tenant data queried with no alliance scope. Open one with "
            "alliance_scope(alliance_id), or use .unscoped() in a cross-alliance admin job."
        )
    return alliance_id


def _set_db_setting(name: str, value: int | None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [name, "" if value is None else str(value)])


def _set_db_scope(alliance_id: int | None, user_id: int | None) -> None:
    """`app.alliance_id` and `app.user_id` for this transaction, in one round trip."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.alliance_id', %s, true), set_config('app.user_id', %s, true)",
            ["" if alliance_id is None else str(alliance_id), "" if user_id is None else str(user_id)],
        )


def _is_request_transaction() -> bool:
    """Is the open transaction a request's own (ATOMIC_REQUESTS) with no block inside it yet?

    Django opens that block around the view and commits (or rolls back) as soon as the view
    returns: nothing else runs in it."""
    return (
        bool(connection.settings_dict.get("ATOMIC_REQUESTS"))
        and connection.in_atomic_block
        and len(connection.atomic_blocks) == 1
        and _current_alliance_id.get() is None
    )


@contextmanager
def alliance_scope(alliance_id: int, *, user_id: int | None = None, for_request: bool = False) -> Iterator[None]:
    """Open the scope of one alliance in this context and this transaction.

    `for_request`: the caller is a view that opens the scope for the rest of its request (the base
    page and the base API view). When the view runs directly in its request's transaction, that
    transaction is the scope's: no savepoint of its own and no settings set back at its end (the
    request's COMMIT or ROLLBACK drops them; an error marks the request's transaction for rollback,
    as the savepoint's rollback did). Three round trips fewer per request; anywhere else (a test's
    own transaction around the request, a task, a nested scope) the scope is its own block."""
    if not isinstance(alliance_id, int) or isinstance(alliance_id, bool):
        raise TypeError(f"alliance_id must be an int, got {alliance_id!r}")
    previous_alliance = _current_alliance_id.get()
    previous_user = _current_user_id.get()
    whole_request = for_request and _is_request_transaction()
    alliance_token = _current_alliance_id.set(alliance_id)
    user_token = _current_user_id.set(user_id if user_id is not None else previous_user)
    try:
        # Outermost, the block is the whole transaction: its end (commit or rollback) drops the
        # transaction-local settings, and setting them back first would be a round trip for nothing.
        nested = not whole_request and (connection.in_atomic_block or not connection.get_autocommit())
        with transaction.atomic(savepoint=not whole_request):
            _set_db_scope(alliance_id, _current_user_id.get())
            yield
            # A block marked for rollback (DRF does so on errors) restores the
            # settings itself when its savepoint is rolled back.
            if nested and not connection.needs_rollback:
                _set_db_scope(previous_alliance, previous_user)
    finally:
        _current_alliance_id.reset(alliance_token)
        _current_user_id.reset(user_token)


@contextmanager
def user_scope(user_id: int) -> Iterator[None]:
    """Let the database show one user's own memberships across alliances.

    Used before an alliance is chosen (landing page, alliance switcher).
    """
    previous_user = _current_user_id.get()
    token = _current_user_id.set(user_id)
    try:
        # Outermost (with autocommit on, so the block's end ends the transaction), that end drops the setting.
        nested = connection.in_atomic_block or not connection.get_autocommit()
        with transaction.atomic():
            _set_db_setting("app.user_id", user_id)
            yield
            if nested and not connection.needs_rollback:
                _set_db_setting("app.user_id", previous_user)
    finally:
        _current_user_id.reset(token)


class CurrentAllianceId(models.Expression):
    """The open scope's alliance id, read when the query is compiled to SQL.

    Binding at compile time rather than when the queryset is built lets
    querysets be declared ahead of a request (a ModelForm's choice field, a
    FilterSet) and still fail closed: compiling one with no scope open raises.
    """

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        return "%s", [require_alliance_id()]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CurrentAllianceId)

    def __hash__(self) -> int:
        return hash(CurrentAllianceId)


class TenantQuerySet(models.QuerySet):
    pass


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    """Default manager of tenant models: filters to the open scope or raises.

    The filter is `alliance_id = <scope>`, bound when the query runs, so any
    query of a tenant model with no scope open raises TenancyError.
    """

    def get_queryset(self) -> TenantQuerySet:
        return super().get_queryset().filter(alliance_id=CurrentAllianceId())

    def none(self) -> TenantQuerySet:
        """An empty queryset is safe in any scope."""
        return super().get_queryset().none()

    def unscoped(self) -> TenantQuerySet:
        """Every alliance's rows. For cross-alliance admin jobs only; RLS still applies."""
        return super().get_queryset()


class TenantModel(models.Model):
    """Base of every tenant table: a non-null alliance and a fail-closed manager.

    `program_field` names the path to the member program a row belongs to,
    so providers can be narrowed to their own program (alliance/access.py).
    Models without it are invisible to providers unless they say otherwise.
    """

    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")

    objects = TenantManager()

    program_field: str | None = None
    append_only: bool = False

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        scope = require_alliance_id()
        if self.alliance_id is None:
            self.alliance_id = scope
        elif self.alliance_id != scope:
            raise TenancyError(
                f"Refusing to save a row of alliance {self.alliance_id} inside the scope of alliance {scope}."
            )
        if self.append_only and self.pk is not None and not self._state.adding:
            raise TenancyError(f"{type(self).__name__} rows are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.append_only:
            raise TenancyError(f"{type(self).__name__} rows are append-only and cannot be deleted.")
        return super().delete(*args, **kwargs)
