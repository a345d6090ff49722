"""Invite an alliance's (first) hub administrator from a script: the usual invitation email and link."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.urls import reverse

from alliance.management.operator_cli import acting_operator, add_operator_argument, alliance_of, refusal
from alliance.operator import alliance_invite_admin, invitation_email_queue


class Command(BaseCommand):
    help = "Invite a hub administrator to an alliance (emails the one-time link and prints it). Exits 1 on bad input."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("slug")
        parser.add_argument("email")
        add_operator_argument(parser)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from django.core.validators import validate_email

        actor = acting_operator(options)
        alliance = alliance_of(options["slug"])
        try:
            validate_email(options["email"])
            invitation, token = alliance_invite_admin(actor=actor, alliance=alliance, email=options["email"])
        except ValidationError as exc:
            raise refusal(exc) from None
        accept_url = settings.HUB_SITE_URL + reverse("alliance:invitation_accept", args=[alliance.slug, token])
        invitation_email_queue(alliance=alliance, invitation=invitation, accept_url=accept_url)
        self.stdout.write(
            self.style.SUCCESS(f"Invited {invitation.email} as hub administrator of {alliance.name}; link emailed:")
        )
        self.stdout.write(accept_url)
