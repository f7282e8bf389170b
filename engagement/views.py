"""Family portal and dashboards. Views: parse → authorize (access) → selector → render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from communities.access import actor_for, require_role
from communities.models import Role
from engagement import selectors


@login_required
def family_home(request: HttpRequest) -> HttpResponse:
    """The family portal: their team, goals, next meeting, facilitator, recent comments."""
    actor = actor_for(request)
    require_role(actor, Role.FAMILY)
    teams = list(selectors.family_teams(request.user))
    pages = [selectors.team_page(actor=actor, team=team) for team in teams[:1]]
    return render(
        request,
        "engagement/family_home.html",
        {"page": pages[0] if pages else None, "other_teams": teams[1:]},
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    return render(
        request, "engagement/dashboard.html", {"rows": selectors.program_dashboard(actor)}
    )
