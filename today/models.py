"""The Today digest's record: one row per person and business date, written with the email's task in
one transaction, so a digest is sent at most once a day however often beat's hourly fan-out runs."""

from __future__ import annotations

from django.db import models

from alliance.tenancy import TenantModel


class DigestSent(TenantModel):
    membership = models.ForeignKey("alliance.Membership", on_delete=models.CASCADE, related_name="+")
    business_date = models.DateField(help_text="The alliance's date the digest is for.")
    items = models.PositiveIntegerField(default=0, help_text="How many items the digest listed.")
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-business_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "membership", "business_date"], name="digestsent_one_per_person_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"Today digest of {self.business_date}"
