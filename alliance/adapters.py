from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from alliance.clients import client_address


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs up on their own: accounts come from invitations."""

    def is_open_for_signup(self, request):  # type: ignore[no-untyped-def]
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's per-address limits see the visitor, not the proxy (alliance/clients.py)."""
        return client_address(request)
