from django.http import HttpRequest

from communities.access import actor_for


def membership(request: HttpRequest) -> dict:
    """`actor` (role and organisation of the signed-in user) for navigation."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"actor": None}
    return {"actor": actor_for(request)}
