from __future__ import annotations

from django.db import models

from alliance.tenancy import TenantModel


class ProgramKind(models.TextChoices):
    CENTRE = "centre", "Child-care centre"
    FAMILY_HOME = "family_home", "Family child-care home"


class ProgramStatus(models.TextChoices):
    APPLICANT = "applicant", "Applicant"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    LEFT = "left", "Left"


class MemberProgram(TenantModel):
    """A member of the alliance: an independent centre or family child-care home."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ProgramKind.choices)
    status = models.CharField(max_length=20, choices=ProgramStatus.choices,
                              default=ProgramStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    program_field = "pk"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "name"], name="memberprogram_name_unique"),
        ]
        indexes = [models.Index(fields=["alliance", "status"])]

    def __str__(self) -> str:
        return self.name
