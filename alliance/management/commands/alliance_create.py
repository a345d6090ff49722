"""Create an alliance from a script, validated as the operator console's form is (the settings page's rules)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from alliance.forms import TARGET_DEFAULTS_PERCENT, AllianceCreateForm
from alliance.management.operator_cli import acting_operator, add_operator_argument, refusal
from alliance.operator import alliance_create


class Command(BaseCommand):
    help = "Create an alliance (name, slug, time zone, locale, targets). Exits 1 on bad input, creating nothing."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True, help="Its pages live at /a/<slug>/.")
        parser.add_argument("--timezone", default="America/Chicago", help="e.g. America/New_York")
        parser.add_argument("--locale", default="en-us", help="en-us, en-ca, en-gb or en-au")
        parser.add_argument("--region", default="")
        parser.add_argument("--fiscal-year-start-month", type=int, default=7)
        for name, default in TARGET_DEFAULTS_PERCENT.items():
            parser.add_argument(
                f"--{name.replace('_', '-')}", default=str(default), help=f"percent (default {default})"
            )
        add_operator_argument(parser)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        actor = acting_operator(options)
        data = {
            "name": options["name"],
            "slug": options["slug"],
            "timezone": options["timezone"],
            "locale": options["locale"],
            "region": options["region"],
            "fiscal_year_start_month": options["fiscal_year_start_month"],
            **{name: options[name] for name in TARGET_DEFAULTS_PERCENT},
        }
        form = AllianceCreateForm(data)
        if not form.is_valid():
            errors = "; ".join(
                f"{'--' + field.replace('_', '-') if field != '__all__' else 'input'}: {' '.join(messages)}"
                for field, messages in form.errors.items()
            )
            raise CommandError(f"{errors} Nothing was created.")
        try:
            alliance = alliance_create(actor=actor, values=form.settings_values(), targets=form.target_fractions())
        except ValidationError as exc:
            raise refusal(exc) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {alliance.name} at /a/{alliance.slug}/ (id {alliance.pk}). "
                f"Next: alliance_invite_admin {alliance.slug} <email>"
            )
        )
