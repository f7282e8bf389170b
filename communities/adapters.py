from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: people join through an invitation (communities.views.invitation_accept)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
