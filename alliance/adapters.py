from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.http import HttpRequest

from alliance.clients import client_address


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs up on their own: accounts come from invitations."""

    def is_open_for_signup(self, request):  # type: ignore[no-untyped-def]
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's per-address limits see the visitor, not the proxy (alliance/clients.py)."""
        return client_address(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's messages (password reset, security notices) are rendered here and sent by the
        worker once the request commits, never inside the request (DESIGN.md). They belong to no
        alliance, so they go straight to the broker rather than through the alliance's outbox;
        with the broker down the message is logged as not sent and the page answers as usual."""
        from alliance.tasks import queue_account_email

        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request), **context},
        )
        html = next(
            (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), None
        )
        rendered = {
            "subject": str(message.subject),
            "body": str(message.body),
            "content_subtype": message.content_subtype,
            "html": str(html) if html is not None else None,
            "from_email": message.from_email,
            "to": list(message.to),
            "headers": dict(message.extra_headers),
        }

        def queue_after_commit() -> None:  # a named callable: on_commit logs a failure by its name
            queue_account_email(rendered)

        transaction.on_commit(queue_after_commit, robust=True)
