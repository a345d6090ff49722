"""The common base of shared-services rows: rules in clean(), constraints in the database."""

from __future__ import annotations

from decimal import Decimal

from alliance.tenancy import TenantModel

ZERO = Decimal("0.00")


class SharedRecord(TenantModel):
    class Meta:
        abstract = True

    def full_clean(
        self,
        exclude=None,
        validate_unique=True,  # type: ignore[no-untyped-def]
        validate_constraints=False,
    ):
        # Constraints back the rules in clean() up; their messages would repeat the
        # field messages without naming the field, so they are not re-checked here.
        super().full_clean(exclude=exclude, validate_unique=validate_unique, validate_constraints=validate_constraints)

    def _taken(self, **lookup) -> bool:  # type: ignore[no-untyped-def]
        return type(self).objects.filter(**lookup).exclude(pk=self.pk).exists()
