from django.http import HttpRequest

from communities.access import person_for


def membership(request: HttpRequest) -> dict:
    """`actor` (role in the organisation being worked in now) and `memberships` (every
    organisation of the person, for the switcher in the header)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"actor": None, "memberships": ()}
    person = person_for(request)
    return {"actor": person.current, "memberships": person.memberships}
