"""Reads for a learning community's feed: the reflections of its people the viewer may
read (newest first, or best match first for a search), with their responses and "this
helped me" counted, and the milestones its people chose to share. Selectors only read;
a constant number of queries whatever the number of reflections."""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from communities.access import Actor, Person
from communities.models import FamilyTeam, LearningCommunity, Role, User
from reflections.access import communities_of, reflections_visible_to
from reflections.learning import milestone_label
from reflections.models import HelpedReaction, MilestoneShare, Reflection, ReflectionResponse
from reflections.search import reflections_matching

FEED_PAGE = 20
CELEBRATIONS = 8


def _people(community: LearningCommunity, field: str) -> Q:
    """`field` (a user id column) is one of the community's members or its host."""
    members = LearningCommunity.members.through.objects.filter(
        learningcommunity_id=community.pk
    ).values("user_id")
    return Q(**{f"{field}__in": members}) | Q(**{field: community.host_id})


def _count(model, **filters) -> Coalesce:
    counted = (
        model.objects.filter(reflection=OuterRef("pk"), **filters)
        .order_by()
        .values("reflection")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def feed_annotate(reflections: QuerySet[Reflection], *, user: User, actor: Actor) -> QuerySet:
    """What each entry shows beyond itself: counts, whether the viewer said it helped,
    whether the viewer may know the family team (else it is "a family team"), and
    whether they may open the author's learning log."""
    programs = list(actor.supervised_program_ids)
    facilitates = FamilyTeam.facilitators.through.objects.filter(
        familyteam_id=OuterRef("team_id"), user_id=user.pk
    )
    supervisees = FamilyTeam.facilitators.through.objects.filter(
        user_id=OuterRef("author_id"), familyteam__program_id__in=programs
    )
    return reflections.select_related(
        "author", "team__program", "circle_session__circle", "prompt_delivery__wording"
    ).annotate(
        response_count=_count(ReflectionResponse),
        helped_count=_count(HelpedReaction),
        viewer_helped=Exists(
            HelpedReaction.objects.filter(reflection=OuterRef("pk"), user_id=user.pk)
        ),
        viewer_facilitates=Exists(facilitates),
        author_supervised=Exists(supervisees) if programs else Value(False),
    )


def shows_team(reflection: Reflection, actor: Actor) -> bool:
    """Whether the viewer may know which family a team reflection is about: the people
    who may see the team (its facilitators, its program's supervisors, the admins)."""
    if reflection.team_id is None:
        return False
    return (
        actor.role == Role.ADMIN
        or reflection.team.program_id in actor.supervised_program_ids
        or bool(getattr(reflection, "viewer_facilitates", False))
    )


def community_feed(
    *, person: Person, actor: Actor, community: LearningCommunity, page: int = 1, words: str = ""
) -> dict:
    """One page of the feed (FEED_PAGE entries) and whether more follow. `words` searches
    (English and Spanish) only what the viewer may read."""
    visible = reflections_visible_to(person, community.organization_id)
    belongs = Q(community=community) | (Q(community__isnull=True) & _people(community, "author_id"))
    reflections = visible.filter(belongs)
    if words:
        reflections = reflections_matching(reflections, words)
    else:
        reflections = reflections.order_by("-created_at", "-id")
    start = (page - 1) * FEED_PAGE
    entries = list(
        feed_annotate(reflections, user=person.user, actor=actor)[start : start + FEED_PAGE + 1]
    )
    has_more = len(entries) > FEED_PAGE
    entries = entries[:FEED_PAGE]
    for entry in entries:
        entry.shows_team = shows_team(entry, actor)
    return {"entries": entries, "page": page, "has_more": has_more, "words": words}


def community_celebrations(community: LearningCommunity) -> list[MilestoneShare]:
    """The milestones the community's people shared lately, newest first."""
    shares = list(
        MilestoneShare.objects.filter(_people(community, "user_id"))
        .filter(organization_id=community.organization_id)
        .select_related("user")[:CELEBRATIONS]
    )
    for share in shares:
        share.label = milestone_label(share.milestone)
    return shares


def feed_communities(person: Person, actor: Actor) -> list[LearningCommunity]:
    """The communities whose feed the person may open in the actor's organisation: their
    own (member or host) first; admins and supervisors also every other one."""
    organization_id = actor.organization.pk
    own = communities_of(person.user, organization_id).values("pk")
    communities = LearningCommunity.objects.filter(organization_id=organization_id)
    if actor.role not in (Role.ADMIN, Role.SUPERVISOR):
        communities = communities.filter(pk__in=own)
    return list(
        communities.annotate(is_mine=Exists(own.filter(pk=OuterRef("pk")))).order_by(
            "-is_mine", "name"
        )
    )
