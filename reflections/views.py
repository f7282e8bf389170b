"""The person's reflections and open "try next" items, and one reflection."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from communities.access import actor_for, person_for, require_role
from communities.audit import family_data_viewed
from communities.models import Role
from reflections import selectors
from reflections.access import reflection_for_person


@login_required
@require_safe
def reflection_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)
    context = selectors.my_reflections(person_for(request), actor.organization.pk)
    return render(request, "reflections/reflection_list.html", context)


@login_required
@require_safe
def reflection_detail(request: HttpRequest, reflection_id: int) -> HttpResponse:
    reflection = reflection_for_person(person_for(request), reflection_id)
    if reflection.team is not None:
        family_data_viewed(request, team=reflection.team, subject=f"reflection {reflection.pk}")
    return render(request, "reflections/reflection_detail.html", {"reflection": reflection})
