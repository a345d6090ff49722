from allauth.account.adapter import DefaultAccountAdapter


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs up on their own: accounts come from invitations."""

    def is_open_for_signup(self, request):  # type: ignore[no-untyped-def]
        return False
