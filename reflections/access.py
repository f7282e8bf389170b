"""Who may read a reflection: its author; the supervisors of the team's program (private
ones too); and, when shared, the staff who share a learning community with the author.
Anyone else gets 404, exactly like a missing reflection."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from communities.access import Person
from communities.models import LearningCommunity
from reflections.models import Reflection


def reflections_visible_to(person: Person, organization_id: int) -> QuerySet[Reflection]:
    """The reflections of one organisation the person may read."""
    actor = person.actor_in(organization_id)
    if not actor.is_staff_role:
        return Reflection.objects.none()
    user = person.user
    peers = LearningCommunity.objects.filter(organization_id=organization_id, members=user)
    shared_with_me = Q(
        visibility=Reflection.Visibility.SHARED, author__learning_communities__in=peers
    )
    mine = Q(author=user)
    supervised = Q(team__program__in=list(actor.supervised_program_ids))
    return (
        Reflection.objects.filter(organization_id=organization_id)
        .filter(mine | supervised | shared_with_me)
        .distinct()
    )


def reflection_for_person(person: Person, reflection_id: int) -> Reflection:
    """A reflection the person may read (`reflections_visible_to`, the one rule), else 404."""
    try:
        reflection = Reflection.objects.select_related("author", "team__program", "meeting").get(
            pk=reflection_id
        )
    except (Reflection.DoesNotExist, ValueError, TypeError):
        raise Http404("No such reflection.") from None
    if (
        not reflections_visible_to(person, reflection.organization_id)
        .filter(pk=reflection.pk)
        .exists()
    ):
        raise Http404("No such reflection.")
    return reflection
