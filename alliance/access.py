"""Access helpers: every object lookup of tenant data goes through here.

Missing and forbidden objects look the same (404), so nobody can probe for
another alliance's or another program's rows.
"""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from collections.abc import Callable, Collection
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connection, models
from django.http import Http404, HttpRequest

from alliance.audit import Actor
from alliance.models import HUB_ROLES, Alliance, Membership, Role
from alliance.tenancy import user_scope

M = TypeVar("M", bound=models.Model)


def membership_for_request(
    user: AbstractBaseUser | AnonymousUser, alliance_slug: str, request: HttpRequest | None = None
) -> tuple[Alliance, Membership]:
    """The alliance named in the URL and the user's membership in it, or 404.

    Picked from the user's memberships (`memberships_of`, one query, kept on `request` for the
    rest of it: the MFA middleware and the navigation read the same list)."""
    if not user.is_authenticated:
        raise Http404("No such alliance.")
    for membership in memberships_of(user, request):
        if membership.alliance.slug == alliance_slug:
            return membership.alliance, membership
    raise Http404("No such alliance.")


# Where one request keeps its user's memberships: (user id, list).
_REQUEST_MEMBERSHIPS = "_hub_memberships"


def memberships_of(user: AbstractBaseUser | AnonymousUser, request: HttpRequest | None = None) -> list[Membership]:
    """The user's active memberships with their alliances, by alliance name.

    Given the request, the list is read once per request and per user (the request's own user,
    or the one an API token named) and then kept on it; never across requests, so a membership
    ended or changed shows on the next request."""
    if not user.is_authenticated or user.pk is None:
        return []
    if request is not None:
        kept = request.__dict__.get(_REQUEST_MEMBERSHIPS)
        if kept is not None and kept[0] == user.pk:
            return list(kept[1])
    sql, compiled_params = _memberships_sql()
    params = [user.pk if param == _ANY_USER else param for param in compiled_params]
    if connection.get_autocommit() and not connection.in_atomic_block:
        # Outside any transaction (the middleware, before the view's own): the user scope's setting
        # and the query go as one message of two statements, which PostgreSQL runs as one
        # transaction: one round trip where BEGIN, the setting, the query and COMMIT were four.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT set_config('app.user_id', %s, true); {sql}", [str(user.pk), *params])
            cursor.nextset()
            rows = cursor.fetchall()
    else:
        with user_scope(user.pk), connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    memberships = [_membership_from_row(row) for row in rows]
    if request is not None:
        request.__dict__[_REQUEST_MEMBERSHIPS] = (user.pk, memberships)
    return list(memberships)


# Stands for the user's id in the compiled memberships query (no user has a negative id).
_ANY_USER = -424242


@functools.cache
def _memberships_sql() -> tuple[str, tuple]:
    """The SQL and parameters Django writes for `Membership.objects.for_user(user)
    .select_related("alliance").order_by("alliance__name")`, compiled once per process (with
    `_ANY_USER` where the user's id goes): building that query cost more CPU than running it,
    on every request."""
    queryset = Membership.objects.for_user(_ANY_USER).select_related("alliance").order_by("alliance__name")
    sql, params = queryset.query.sql_with_params()
    if list(params).count(_ANY_USER) != 1:  # pragma: no cover - only if the manager's filter changes
        raise RuntimeError(f"The memberships query's parameters changed: {params!r}")
    return sql, tuple(params)


def _membership_from_row(row: tuple) -> Membership:
    """One row of `_memberships_sql`: the membership's columns, then its alliance's (as select_related)."""
    membership_fields = _membership_attnames()
    count = len(membership_fields)
    membership = Membership.from_db(DEFAULT_DB_ALIAS, membership_fields, row[:count])
    alliance = Alliance.from_db(DEFAULT_DB_ALIAS, _alliance_attnames(), row[count:])
    Membership._meta.get_field("alliance").set_cached_value(membership, alliance)
    return membership


@functools.cache
def _membership_attnames() -> list[str]:
    return [field.attname for field in Membership._meta.concrete_fields]


@functools.cache
def _alliance_attnames() -> list[str]:
    return [field.attname for field in Alliance._meta.concrete_fields]


def forget_memberships(request: HttpRequest) -> None:
    """After a request changed its user's memberships (an invitation accepted): read them again."""
    request.__dict__.pop(_REQUEST_MEMBERSHIPS, None)


def actor_may(actor: Actor, roles: Collection[str]) -> bool:
    """Services get a user, not a membership: may the actor's active membership in the open
    alliance act as one of `roles`? (No one, outside a sign-in.)"""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    membership = Membership.objects.filter(user_id=actor.pk, is_active=True).first()
    return membership is not None and membership.may(roles)


# A provider's view of rows that belong to no one program (a family, its guardians and children):
# each app that gives a provider a reason to see such a row registers a rule, a Q of the rows
# it makes visible to one program. A row is visible while any rule holds for it (the family has
# a child enrolled or waiting there, owes that program money, ...), not forever.
ProviderRule = Callable[[int], models.Q]
_provider_rules: defaultdict[str, list[ProviderRule]] = defaultdict(list)


def provider_rule(model_label: str) -> Callable[[ProviderRule], ProviderRule]:
    """Register `rule(program_id) -> Q` as one reason a provider sees rows of `model_label`."""

    def register(rule: ProviderRule) -> ProviderRule:
        if rule not in _provider_rules[model_label]:
            _provider_rules[model_label].append(rule)
        return rule

    return register


def provider_rules(model: type[models.Model]) -> list[ProviderRule]:
    return list(_provider_rules.get(model._meta.label, ()))


def visible_to(membership: Membership, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """Narrow a scoped queryset to what this member may see.

    Hub roles see the whole alliance. Providers see rows of their own program
    only (by the model's `program_field`, or by the rules registered for it with
    `provider_rule`); a model with neither is invisible to them. Funders see no
    individual rows at all (aggregates only).
    """
    if membership.may(HUB_ROLES):
        return queryset
    if membership.role == Role.PROVIDER:
        rules = provider_rules(queryset.model)
        if rules:
            program_id = membership.program_id or 0
            condition = functools.reduce(operator.or_, (rule(program_id) for rule in rules))
            return queryset.filter(pk__in=queryset.model._default_manager.filter(condition).values("pk"))
        program_field = getattr(queryset.model, "program_field", None)
        if program_field:
            lookup = {program_field: membership.program_id}
            if _crosses_many(queryset.model, program_field):
                # e.g. a family seen through its children's enrollments: filter by
                # id so each row appears once and .get() stays unambiguous.
                return queryset.filter(pk__in=queryset.model._default_manager.filter(**lookup).values("pk"))
            return queryset.filter(**lookup)
    return queryset.none()


def _crosses_many(model: type[models.Model], path: str) -> bool:
    """Does a lookup path pass through a one-to-many or many-to-many relation?"""
    for part in path.split("__"):
        if part == "pk":
            return False
        field = model._meta.get_field(part)
        if field.one_to_many or field.many_to_many:
            return True
        if field.related_model is None:
            return False
        model = field.related_model  # type: ignore[assignment]
    return False


def get_object_or_404_for(membership: Membership, queryset: models.QuerySet[M], **lookup) -> M:
    """One row the member may see, or 404 for missing and forbidden alike."""
    try:
        return visible_to(membership, queryset).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {queryset.model._meta.verbose_name}.") from None
