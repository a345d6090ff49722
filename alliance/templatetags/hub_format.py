"""Template filters of the one formatter (alliance/formatting.py), a builtin of every template:
pages, PDFs and emails write money, numbers, percentages and dates in the alliance's locale."""

from __future__ import annotations

from django import template

from alliance import formatting

register = template.Library()

register.filter("money", formatting.money)
register.filter("signed_money", formatting.signed_money)
register.filter("number", formatting.number)
register.filter("pct", formatting.pct)
register.filter("percent", formatting.percent)
register.filter("day", formatting.day)
register.filter("weekday_day", formatting.weekday_day)
