"""Demo data: two alliances with one sign-in per role. Safe to run again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from alliance.models import Alliance, Membership, Role
from alliance.tenancy import alliance_scope

DEMO_PASSWORD = "hub-demo-2026"
# The demo's platform operator (the operator console, /operator/); no alliance role.
DEMO_OPERATOR = "operator@hub.example"

ALLIANCES: list[dict[str, Any]] = [
    {
        "slug": "riverbend",
        "name": "Riverbend Early Learning Alliance",
        "region": "Riverbend County",
        "timezone": "America/Chicago",
        "programs": [
            ("Little Oaks Learning Center", "centre", "active"),
            ("Sunrise Kids Academy", "centre", "active"),
            ("Maple Street Child Care", "centre", "active"),
            ("Riverside Early Learning", "centre", "active"),
            ("Bright Horizons Co-op", "centre", "active"),
            ("Tiny Steps Infant Center", "centre", "paused"),
            ("Garcia Family Child Care", "family_home", "active"),
            ("Nguyen Home Daycare", "family_home", "active"),
            ("Abernathy Family Care", "family_home", "active"),
            ("Johnson Family Child Care", "family_home", "active"),
            ("Kowalski Kids Home Care", "family_home", "applicant"),
            ("Okafor Family Child Care", "family_home", "active"),
        ],
    },
    {
        "slug": "cascade",
        "name": "Cascade Child Care Collaborative",
        "region": "Cascade Valley",
        "timezone": "America/Los_Angeles",
        "programs": [
            ("Cedar Grove Children's Center", "centre", "active"),
            ("Summit Early Learning", "centre", "active"),
            ("Alvarez Family Child Care", "family_home", "active"),
            ("Pine Hollow Home Care", "family_home", "active"),
        ],
    },
]


def demo_sign_ins() -> list[tuple[str, str, str]]:
    """(email, role, alliance slug) of every demo account; README lists them."""
    rows: list[tuple[str, str, str]] = []
    for spec in ALLIANCES:
        slug = spec["slug"]
        rows += [
            (f"admin@{slug}.example", Role.HUB_ADMIN, slug),
            (f"staff@{slug}.example", Role.HUB_STAFF, slug),
            (f"provider@{slug}.example", Role.PROVIDER, slug),
            (f"funder@{slug}.example", Role.FUNDER, slug),
        ]
    # A consultant who works for both alliances shows the alliance switcher.
    rows += [("consultant@hub.example", Role.HUB_STAFF, spec["slug"]) for spec in ALLIANCES]
    return rows


class Command(BaseCommand):
    help = "Create or refresh the demo alliances, member programs and sign-ins."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        # The demo's people have made-up addresses: what they would be emailed is recorded, never
        # sent, so seeding needs no SMTP server (alliance/outbox.py).
        from alliance.outbox import emails_not_sent

        with emails_not_sent():
            self._seed()

    @transaction.atomic
    def _seed(self) -> None:
        from members.models import MemberProgram

        User = get_user_model()
        from allauth.account.models import EmailAddress

        for spec in ALLIANCES:
            alliance, _ = Alliance.objects.update_or_create(
                slug=spec["slug"],
                defaults={
                    "name": spec["name"],
                    "region": spec["region"],
                    "timezone": spec["timezone"],
                    "fiscal_year_start_month": 7,
                },
            )
            with alliance_scope(alliance.pk):
                programs = {}
                for name, kind, status in spec["programs"]:
                    program, _ = MemberProgram.objects.update_or_create(
                        name=name, defaults={"kind": kind, "status": status}
                    )
                    programs[name] = program
                from members.demo import seed_members_demo

                seed_members_demo(alliance, programs)
                from enrollment.demo import seed_enrollment_demo

                enrollment_counts = seed_enrollment_demo(alliance)
                self.stdout.write(f"{alliance.name}: enrollment demo {enrollment_counts}")
                from sharedservices.demo import seed_sharedservices_demo

                self.stdout.write(f"{alliance.name}: shared services demo {seed_sharedservices_demo(alliance)}")
                from billing.demo import seed_billing_demo

                self.stdout.write(f"{alliance.name}: billing demo {seed_billing_demo(alliance)}")
                from outreach.demo import seed_outreach_demo

                self.stdout.write(f"{alliance.name}: outreach demo {seed_outreach_demo(alliance)}")
                from costofcare.demo import seed_costofcare_demo

                self.stdout.write(f"{alliance.name}: cost of care demo {seed_costofcare_demo(alliance)}")
                first_program = next(iter(programs.values()))
                for email, role, slug in demo_sign_ins():
                    if slug != spec["slug"]:
                        continue
                    user, created = User.objects.get_or_create(username=email, defaults={"email": email})
                    if created or not user.check_password(DEMO_PASSWORD):
                        user.set_password(DEMO_PASSWORD)
                        user.save()
                    EmailAddress.objects.get_or_create(
                        user=user, email=email, defaults={"primary": True, "verified": True}
                    )
                    Membership.objects.update_or_create(
                        user=user,
                        defaults={
                            "role": role,
                            "program": first_program if role == Role.PROVIDER else None,
                            "is_active": True,
                        },
                    )
            self.stdout.write(f"{alliance.name}: {len(programs)} member programs")
        operator, created = User.objects.get_or_create(username=DEMO_OPERATOR, defaults={"email": DEMO_OPERATOR})
        if created or not operator.check_password(DEMO_PASSWORD):
            operator.set_password(DEMO_PASSWORD)
            operator.save()
        EmailAddress.objects.get_or_create(
            user=operator, email=DEMO_OPERATOR, defaults={"primary": True, "verified": True}
        )
        from alliance.operator import operator_add

        operator_add(email=DEMO_OPERATOR)
        self.stdout.write(f"Platform operator: {DEMO_OPERATOR} (the operator console, /operator/)")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo sign-ins (password {DEMO_PASSWORD}): " + ", ".join(sorted({row[0] for row in demo_sign_ins()}))
            )
        )
        # The dashboard reads snapshots only: roll the seeded history up once.
        from metrics.demo import seed_metrics_demo

        for spec in ALLIANCES:
            alliance = Alliance.objects.get(slug=spec["slug"])
            with alliance_scope(alliance.pk):
                self.stdout.write(f"{alliance.name}: metrics demo {seed_metrics_demo(alliance)}")
                from budgets.demo import seed_budgets_demo

                self.stdout.write(f"{alliance.name}: budgets demo {seed_budgets_demo(alliance)}")
                from planning.demo import seed_planning_demo

                self.stdout.write(f"{alliance.name}: planning demo {seed_planning_demo(alliance)}")
        # The Hub's sustainability plan starts from the Hub cost the rollups just measured.
        from sustainability.demo import seed_sustainability_demo

        for spec in ALLIANCES:
            alliance = Alliance.objects.get(slug=spec["slug"])
            with alliance_scope(alliance.pk):
                self.stdout.write(f"{alliance.name}: sustainability demo {seed_sustainability_demo(alliance)}")
