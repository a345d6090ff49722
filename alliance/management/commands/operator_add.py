"""Make a person a platform operator (the operator console, /operator/)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from alliance.operator import operator_add


class Command(BaseCommand):
    help = (
        "Make an account a platform operator; with --create, make the account first (no password: the person "
        "sets one through 'Forgot your password?', then TOTP at first sign-in)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("email")
        parser.add_argument("--create", action="store_true", help="Create the account when none has this email.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        email = options["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address; nothing was changed.") from None
        User = get_user_model()
        if options["create"] and not User.objects.filter(email__iexact=email).exists():
            from allauth.account.models import EmailAddress

            user = User.objects.create_user(username=email, email=email, password=None)
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        try:
            operator_add(email=email)
        except ValidationError as exc:
            raise CommandError(f"{' '.join(exc.messages)} Use --create to make the account.") from None
        self.stdout.write(self.style.SUCCESS(f"{email} is a platform operator: /operator/ (TOTP required)."))
