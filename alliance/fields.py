"""Typed model fields for money and ratios, instead of `DecimalField(**MONEY)` dict splats.

A splat hides the keyword types from mypy (every one of them was an `arg-type` error) and lets each
app write its own dict. These fields carry the defaults, and their `deconstruct()` reports the plain
`django.db.models.DecimalField` with its exact keywords, so migrations see the same field as before:
switching a model to them changes no migration (`manage.py makemigrations --check` stays clean).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DECIMAL_FIELD_PATH = "django.db.models.DecimalField"


class _PlainDecimalField(models.DecimalField):
    """A DecimalField whose migrations name the plain DecimalField: the subclass adds defaults only."""

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, _path, args, kwargs = super().deconstruct()
        return name, DECIMAL_FIELD_PATH, args, kwargs


class MoneyField(_PlainDecimalField):
    """Money: two decimal places. Ledgers and prices take 12 digits; sums of many rows (metrics) pass 14."""

    def __init__(
        self,
        verbose_name: StrOrPromise | None = None,
        *,
        max_digits: int = 12,
        decimal_places: int = 2,
        **kwargs: Any,
    ) -> None:
        super().__init__(verbose_name, max_digits=max_digits, decimal_places=decimal_places, **kwargs)


class RatioField(_PlainDecimalField):
    """A fraction between 0 and 1 (0.85 = 85%), four places, validated to that range."""

    def __init__(
        self,
        verbose_name: StrOrPromise | None = None,
        *,
        max_digits: int = 5,
        decimal_places: int = 4,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("validators", [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))])
        super().__init__(verbose_name, max_digits=max_digits, decimal_places=decimal_places, **kwargs)
