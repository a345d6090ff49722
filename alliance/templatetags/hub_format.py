"""Template filters of the one formatter (alliance/formatting.py), a builtin of every template:
pages, PDFs and emails write money, numbers, percentages and dates in the alliance's locale."""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django import template
from django.template.defaultfilters import date as django_date
from django.template.defaulttags import url as django_url
from django.utils.translation import get_language

from alliance import formatting
from alliance.reversing import KeptURLNode

register = template.Library()


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> KeptURLNode:
    """Django's `{% url %}`, its answers kept per process (alliance/reversing.py)."""
    node = django_url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: str | None = None) -> str:
    """Django's `|date`; a date's text (not a datetime's, which depends on the time zone too) is
    kept per format and language, as `formatting.day` keeps it: lists write the same days again
    and again, and each costs about 30 µs to format."""
    if type(value) is datetime.date and (arg is None or isinstance(arg, str)):
        return _date_kept(value, None if arg is None else str(arg), get_language())
    return django_date(value, arg)


@functools.lru_cache(maxsize=4096)
def _date_kept(value: datetime.date, arg: str | None, lang: str | None) -> str:
    return django_date(value, arg)


register.filter("money", formatting.money)
register.filter("signed_money", formatting.signed_money)
register.filter("number", formatting.number)
register.filter("pct", formatting.pct)
register.filter("percent", formatting.percent)
register.filter("day", formatting.day)
register.filter("weekday_day", formatting.weekday_day)

# Audit events keep money as saved, JSON strings ("470747.64"); the audit page writes the fields
# that are money in the alliance's format, as every other page does.
AUDIT_MONEY_FIELDS = frozenset(
    {
        "amount",
        "amount_invoiced",
        "total",
        "balance",
        "tuition",
        "registration_fee",
        "supply_fee",
        "authorized_amount",
        "family_copay",
        "expected",
        "paid",
    }
)


@register.filter
def audit_values(values: object) -> object:
    """An audit event's before/after with its money fields formatted (other values as saved)."""
    if not isinstance(values, dict):
        return values
    return {
        key: formatting.money(value)
        if key in AUDIT_MONEY_FIELDS and not isinstance(value, bool) and formatting._decimal(value) is not None
        else value
        for key, value in values.items()
    }
