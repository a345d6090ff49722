"""Reactivate an alliance from a script (alliance/operator.py: alliance_reactivate), with a reason."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from alliance.management.operator_cli import acting_operator, add_operator_argument, alliance_of, refusal
from alliance.operator import alliance_reactivate


class Command(BaseCommand):
    help = "Reactivate an alliance, with a reason (audited). Exits 1 on bad input, changing nothing."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("slug")
        parser.add_argument("--reason", required=True)
        add_operator_argument(parser)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        actor = acting_operator(options)
        alliance = alliance_of(options["slug"])
        try:
            alliance = alliance_reactivate(actor=actor, alliance=alliance, reason=options["reason"])
        except ValidationError as exc:
            raise refusal(exc) from None
        self.stdout.write(self.style.SUCCESS(f"{alliance.name}: reactivated ({options['reason'].strip()})."))
