"""The one access layer: every view loads tenant data through these helpers.

Rules:
- Scope comes from the signed-in person's active memberships, never from the URL.
- A role belongs to one organisation. Every check uses the membership the person holds
  **in the organisation of the object at hand**, never a role held elsewhere: a
  supervisor at one agency who is a family member at another is a family member there.
- An object outside the person's scope raises Http404, exactly like a missing one, so
  nobody can probe for another organisation's or family's data.
- An object the person may see but not change raises PermissionDenied on a write.
- Who may write is decided here and only here; pages read `TeamAccess.can_write`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest

from communities.models import (
    FamilyMember,
    FamilyTeam,
    Invitation,
    Membership,
    Organization,
    Program,
    Role,
    User,
)

# The session remembers which of a person's organisations they are working in.
CURRENT_ORGANIZATION_SESSION_KEY = "miiwrap_organization_id"

_ROLE_ORDER = {Role.ADMIN: 0, Role.SUPERVISOR: 1, Role.FACILITATOR: 2, Role.FAMILY: 3}


@dataclass(frozen=True)
class Actor:
    """A person acting through one membership (one role in one organisation)."""

    user: User
    membership: Membership | None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def organization(self) -> Organization | None:
        return self.membership.organization if self.membership else None

    @property
    def is_family(self) -> bool:
        return self.role == Role.FAMILY

    @property
    def is_staff_role(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)

    @cached_property
    def supervised_program_ids(self) -> frozenset[int]:
        if self.role != Role.SUPERVISOR:
            return frozenset()
        return frozenset(self.membership.supervised_programs.values_list("pk", flat=True))


@dataclass
class Person:
    """The signed-in person, every active membership they hold, and the organisation
    they are working in now. Loaded once per request (one query)."""

    user: User
    memberships: tuple[Membership, ...]
    current_organization_id: int | None
    _actors: dict[int, Actor] = field(default_factory=dict, repr=False)

    def actor_in(self, organization_id: int | None) -> Actor:
        """The person acting in that organisation (no membership there: role None)."""
        if organization_id not in self._actors:
            membership = next(
                (m for m in self.memberships if m.organization_id == organization_id), None
            )
            self._actors[organization_id] = Actor(user=self.user, membership=membership)
        return self._actors[organization_id]

    @property
    def current(self) -> Actor:
        return self.actor_in(self.current_organization_id)

    @property
    def organizations(self) -> list[Organization]:
        return [m.organization for m in self.memberships]


def _memberships_of(user: User) -> tuple[Membership, ...]:
    if not user.is_authenticated or not user.is_active:
        return ()
    memberships = Membership.objects.filter(
        user=user, is_active=True, organization__isnull=False
    ).select_related("organization")
    return tuple(sorted(memberships, key=lambda m: m.organization.name))


def default_membership(memberships: tuple[Membership, ...]) -> Membership | None:
    """Where a person lands without a choice: the most capable role, then the oldest."""
    if not memberships:
        return None
    return min(memberships, key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.created_at, m.pk))


def person_for(request: HttpRequest) -> Person:
    """The request's Person, cached on the request."""
    person = getattr(request, "_miiwrap_person", None)
    if person is None:
        memberships = _memberships_of(request.user)
        chosen = request.session.get(CURRENT_ORGANIZATION_SESSION_KEY) if memberships else None
        if not any(m.organization_id == chosen for m in memberships):
            fallback = default_membership(memberships)
            chosen = fallback.organization_id if fallback else None
        person = Person(user=request.user, memberships=memberships, current_organization_id=chosen)
        request._miiwrap_person = person
    return person


def actor_for(request: HttpRequest) -> Actor:
    """The person acting in the organisation they are working in now (home, lists)."""
    return person_for(request).current


def organization_for_switch(person: Person, organization_id: int) -> Organization:
    """One of the person's own organisations (404 for any other)."""
    for membership in person.memberships:
        if membership.organization_id == organization_id:
            return membership.organization
    raise Http404("No such organisation.")


def require_role(actor: Actor, *roles: str) -> None:
    """Raise PermissionDenied unless the actor holds one of `roles`."""
    if actor.role not in roles:
        raise PermissionDenied


# --- Family teams -----------------------------------------------------------------


@dataclass(frozen=True)
class TeamAccess:
    """A team the person may see, and what they may do with it, by the role they hold in
    the team's organisation."""

    team: FamilyTeam
    actor: Actor
    is_facilitator: bool  # facilitator by role in this organisation and on this team
    is_family_member: bool  # family member by role in this organisation and of this team

    @property
    def can_write(self) -> bool:
        """Co-editing family content (goals, steps, comments) is for the team's
        facilitators and its family. Admins and supervisors read, coach and audit."""
        return self.is_facilitator or self.is_family_member

    @property
    def can_audit(self) -> bool:
        return self.actor.role in (Role.ADMIN, Role.SUPERVISOR)

    @property
    def role(self) -> str | None:
        return self.actor.role


def with_viewer_links(teams: QuerySet, user: User, team_ref: str = "pk") -> QuerySet:
    """Annotate whether `user` facilitates / is family of each row's team (no extra
    query); `team_ref` names the team's id on the row."""
    facilitates = FamilyTeam.facilitators.through.objects.filter(
        familyteam_id=OuterRef(team_ref), user_id=user.pk
    )
    is_family = FamilyMember.objects.filter(team_id=OuterRef(team_ref), user_id=user.pk)
    return teams.annotate(
        viewer_facilitates=Exists(facilitates), viewer_is_family=Exists(is_family)
    )


def supervises(actor: Actor, team) -> bool:
    """A supervisor (in the team's organisation) of the team's program."""
    return actor.role == Role.SUPERVISOR and team.program_id in actor.supervised_program_ids


def team_access_check(person: Person, team: FamilyTeam, *, facilitates: bool, is_family: bool):
    """TeamAccess for a team loaded with the viewer links, or Http404 if out of scope."""
    actor = person.actor_in(team.program.organization_id)
    role = actor.role
    is_facilitator = role == Role.FACILITATOR and facilitates
    is_family_member = role == Role.FAMILY and is_family
    visible = role == Role.ADMIN or supervises(actor, team) or is_facilitator or is_family_member
    if not visible:
        raise Http404("No such team.")
    return TeamAccess(
        team=team, actor=actor, is_facilitator=is_facilitator, is_family_member=is_family_member
    )


def team_for_person(person: Person, team_id: int, *, write: bool = False) -> TeamAccess:
    """A team the person may see (404 otherwise); `write` also requires that they
    co-edit it (403 otherwise)."""
    teams = with_viewer_links(
        FamilyTeam.objects.select_related("program__organization"), person.user
    )
    try:
        team = teams.get(pk=team_id)
    except (FamilyTeam.DoesNotExist, ValueError, TypeError):
        raise Http404("No such team.") from None
    access = team_access_check(
        person, team, facilitates=team.viewer_facilitates, is_family=team.viewer_is_family
    )
    if write and not access.can_write:
        raise PermissionDenied
    return access


def team_for_facilitator(person: Person, team_id: int) -> TeamAccess:
    """A team the person facilitates (inviting family, recording meetings)."""
    access = team_for_person(person, team_id)
    if not access.is_facilitator:
        raise PermissionDenied
    return access


def team_for_auditor(person: Person, team_id: int) -> TeamAccess:
    """A team whose audit trail the person may read: admins and its supervisors."""
    access = team_for_person(person, team_id)
    if not access.can_audit:
        raise PermissionDenied
    return access


def teams_in_scope(actor: Actor) -> QuerySet[FamilyTeam]:
    """The teams an actor works with in their organisation: admins all, supervisors their
    programs', facilitators their own, family members their family's."""
    teams = FamilyTeam.objects.filter(program__organization=actor.organization)
    if actor.role == Role.ADMIN:
        return teams
    if actor.role == Role.SUPERVISOR:
        return teams.filter(program__in=actor.membership.supervised_programs.values("pk"))
    if actor.role == Role.FACILITATOR:
        return teams.filter(facilitators=actor.user)
    if actor.role == Role.FAMILY:
        return teams.filter(memberships__user=actor.user)
    return FamilyTeam.objects.none()


def programs_visible_to(actor: Actor) -> QuerySet[Program]:
    if actor.role == Role.ADMIN:
        return Program.objects.filter(organization=actor.organization)
    if actor.role == Role.SUPERVISOR:
        return actor.membership.supervised_programs.all()
    return Program.objects.none()


# --- The organisation itself ---------------------------------------------------------


def organization_for_admin(actor: Actor) -> Organization:
    """The organisation an admin sets up; anybody else is refused."""
    require_role(actor, Role.ADMIN)
    return actor.organization


def membership_for_admin(actor: Actor, membership_id: int) -> Membership:
    """A staff membership of the admin's own organisation (404 for any other)."""
    organization = organization_for_admin(actor)
    try:
        return (
            Membership.objects.select_related("user", "organization")
            .exclude(role=Role.FAMILY)
            .get(pk=membership_id, organization=organization)
        )
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404("No such membership.") from None


def message_for_admin(actor: Actor, message_id: int):
    """A message of the admin's own organisation (404 for any other)."""
    from communities.models import Message

    organization = organization_for_admin(actor)
    try:
        return Message.objects.get(pk=message_id, organization=organization)
    except (Message.DoesNotExist, ValueError, TypeError):
        raise Http404("No such message.") from None


def invitation_for_manager(person: Person, invitation_id: int) -> Invitation:
    """A pending invitation the person may resend or revoke: an admin of its
    organisation, or a facilitator of the team a family invitation is for."""
    try:
        invitation = Invitation.objects.select_related("organization", "team__program").get(
            pk=invitation_id
        )
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such invitation.") from None
    actor = person.actor_in(invitation.organization_id)
    if actor.role == Role.ADMIN:
        return invitation
    if (
        invitation.team_id is not None
        and actor.role == Role.FACILITATOR
        and invitation.team.facilitators.filter(pk=person.user.pk).exists()
    ):
        return invitation
    raise Http404("No such invitation.")


# --- Learning communities and circles ---------------------------------------------------
#
# Learning happens among staff: every staff member of an organisation may see its
# communities, circles and sessions (family members and other organisations: 404).
# Admins and a community's host manage the community and schedule its circles; a
# circle's host also runs its sessions (attendance, moving, cancelling). Only a circle's
# members answer going / not going.


@dataclass(frozen=True)
class CircleAccess:
    actor: Actor
    can_manage: bool  # schedule, edit the series, move or cancel, take attendance
    is_member: bool


def _staff_actor(person: Person, organization_id: int) -> Actor:
    actor = person.actor_in(organization_id)
    if not actor.is_staff_role:
        raise Http404("Nothing here.")
    return actor


def community_for_person(person: Person, community_id: int, *, manage: bool = False):
    """A learning community of an organisation where the person is staff; `manage`
    requires its admin or host (403 otherwise). Returns (community, CircleAccess)."""
    from communities.models import LearningCommunity

    try:
        community = LearningCommunity.objects.select_related("organization", "host").get(
            pk=community_id
        )
    except (LearningCommunity.DoesNotExist, ValueError, TypeError):
        raise Http404("No such community.") from None
    actor = _staff_actor(person, community.organization_id)
    can_manage = actor.role == Role.ADMIN or community.host_id == person.user.pk
    if manage and not can_manage:
        raise PermissionDenied
    return community, CircleAccess(actor=actor, can_manage=can_manage, is_member=False)


def circle_for_person(person: Person, circle_id: int, *, manage: bool = False):
    """(circle, CircleAccess) for staff of its organisation; `manage` needs an admin,
    the community's host or the circle's host."""
    from communities.models import LearningCircle

    try:
        circle = LearningCircle.objects.select_related("community__organization", "host").get(
            pk=circle_id
        )
    except (LearningCircle.DoesNotExist, ValueError, TypeError):
        raise Http404("No such circle.") from None
    return circle, _circle_access(person, circle, manage=manage)


def _circle_access(person: Person, circle, *, manage: bool) -> CircleAccess:
    actor = _staff_actor(person, circle.community.organization_id)
    user_id = person.user.pk
    can_manage = actor.role == Role.ADMIN or user_id in (
        circle.host_id,
        circle.community.host_id,
    )
    if manage and not can_manage:
        raise PermissionDenied
    is_member = circle.members.filter(pk=user_id).exists()
    return CircleAccess(actor=actor, can_manage=can_manage, is_member=is_member)


def session_for_person(person: Person, session_id: int, *, manage: bool = False):
    """(session, CircleAccess) by the circle's rules."""
    from communities.models import CircleSession

    try:
        session = CircleSession.objects.select_related(
            "circle__community__organization", "circle__host"
        ).get(pk=session_id)
    except (CircleSession.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session.") from None
    return session, _circle_access(person, session.circle, manage=manage)


def communities_in_scope(actor: Actor):
    """The learning communities of the actor's organisation (staff only)."""
    from communities.models import LearningCommunity

    if not actor.is_staff_role:
        return LearningCommunity.objects.none()
    return LearningCommunity.objects.filter(organization=actor.organization)
