"""Template filters of the one formatter (alliance/formatting.py), a builtin of every template:
pages, PDFs and emails write money, numbers, percentages and dates in the alliance's locale."""

from __future__ import annotations

import datetime
import functools
import html
from typing import Any

from django import template
from django.conf import settings
from django.template.defaultfilters import date as django_date
from django.template.defaulttags import url as django_url
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
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


def printed(value: Any) -> str:
    """What `{{ value }}` writes with autoescape on (Django's `render_value_in_context`): the value
    in the current time zone, localized, then escaped unless safe. For HTML written in Python with
    the same text as a template's (billing/rows_html.py, alliance/fast_widgets.py, metrics/tables.py);
    plain text, a date and an int take a shorter way to the same characters."""
    if type(value) is str:  # localize() leaves text as it is; Django's escape() is html.escape
        return html.escape(value)
    if type(value) is datetime.date:  # localize() is date_format(value), which `date` keeps per language
        return html.escape(date(value))
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:  # localize() writes it as it is
        return str(value)
    return conditional_escape(str(localize(template_localtime(value))))


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
