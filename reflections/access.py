"""Who may read a reflection, a community's feed and a learning log.

A reflection is read by:
- its author;
- the supervisors of the facilitators who wrote it, private ones too: a team reflection
  of a team in a program they supervise, and a reflection on no team (a circle session,
  a prompt) whose author facilitates a team in a program they supervise;
- when shared: the staff who share a learning community with the author (as member or
  host), and the people of the reflection's own community when it has one.
Nobody else: not a peer (private ones), not another organisation, never a family.
Anyone else gets 404, exactly like a missing reflection."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from communities.access import Actor, Person, community_for_person
from communities.models import FamilyTeam, LearningCommunity, Role, User
from reflections.models import Reflection


def communities_of(user: User, organization_id: int) -> QuerySet[LearningCommunity]:
    """The learning communities of one organisation the user belongs to (member or host)."""
    return LearningCommunity.objects.filter(
        Q(members=user) | Q(host=user), organization_id=organization_id
    )


def people_of(communities: QuerySet[LearningCommunity]) -> Q:
    """A condition on `author_id`: the author is a member or the host of `communities`."""
    members = LearningCommunity.members.through.objects.filter(
        learningcommunity_id__in=communities.values("pk")
    ).values("user_id")
    hosts = LearningCommunity.objects.filter(pk__in=communities.values("pk")).values("host_id")
    return Q(author_id__in=members) | Q(author_id__in=hosts)


def reflections_visible_to(person: Person, organization_id: int) -> QuerySet[Reflection]:
    """The reflections of one organisation the person may read: the one rule. One
    query whatever the data (plus, once per request, a supervisor's programs)."""
    actor = person.actor_in(organization_id)
    if not actor.is_staff_role:
        return Reflection.objects.none()
    user = person.user
    mine = communities_of(user, organization_id)
    readable = Q(author=user) | (
        Q(visibility=Reflection.Visibility.SHARED)
        & (people_of(mine) | Q(community_id__in=mine.values("pk")))
    )
    programs = list(actor.supervised_program_ids)
    if programs:
        facilitators = FamilyTeam.facilitators.through.objects.filter(
            familyteam__program_id__in=programs
        ).values("user_id")
        readable |= Q(team__program_id__in=programs) | Q(
            team__isnull=True, author_id__in=facilitators
        )
    return Reflection.objects.filter(readable, organization_id=organization_id)


def reflection_for_person(person: Person, reflection_id: int) -> Reflection:
    """A reflection the person may read (`reflections_visible_to`, the one rule), else 404."""
    try:
        reflection = Reflection.objects.select_related(
            "author",
            "team__program",
            "meeting",
            "circle_session__circle",
            "community",
            "prompt_delivery__wording",
        ).get(pk=reflection_id)
    except (Reflection.DoesNotExist, ValueError, TypeError):
        raise Http404("No such reflection.") from None
    if (
        not reflections_visible_to(person, reflection.organization_id)
        .filter(pk=reflection.pk)
        .exists()
    ):
        raise Http404("No such reflection.")
    return reflection


def community_feed_for_person(person: Person, community_id: int) -> tuple[LearningCommunity, Actor]:
    """A community whose feed the person may open: its members and host, and the admins and
    supervisors of its organisation (404 for anybody else, as for a missing community)."""
    community, access = community_for_person(person, community_id)
    actor = access.actor
    if actor.role in (Role.ADMIN, Role.SUPERVISOR) or community.host_id == person.user.pk:
        return community, actor
    if community.members.filter(pk=person.user.pk).exists():
        return community, actor
    raise Http404("No such community.")


def learner_for_person(person: Person, user_id: int) -> User:
    """Whose learning log the person may read, in the organisation they work in now:
    their own, or a facilitator's they supervise (a supervisor of a program in which
    that person facilitates a team). Anybody else: 404."""
    actor = person.current
    if not actor.is_staff_role:
        raise Http404("No such learning log.")
    if user_id == person.user.pk:
        return person.user
    programs = list(actor.supervised_program_ids)
    learner = (
        User.objects.filter(
            pk=user_id,
            is_active=True,
            facilitated_teams__program_id__in=programs,
            memberships__organization_id=actor.organization.pk,
            memberships__is_active=True,
        )
        .distinct()
        .first()
        if programs
        else None
    )
    if learner is None:
        raise Http404("No such learning log.")
    return learner
