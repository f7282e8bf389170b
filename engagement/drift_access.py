"""Who sees which drift signal, by the role held in the signal's organisation:
- admins: every signal of their organisation;
- supervisors: the signals of the programs they oversee, and of the people they supervise
  (facilitating a team in one of those programs);
- facilitators: their teams' signals, their own, and those of members of circles they host;
- families: none (signals are about the system's practice, never shown as a label).
Anything else answers 404, exactly like a missing signal."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from communities.access import (
    Actor,
    Person,
    TeamAccess,
    organization_for_admin,
    require_role,
    team_for_person,
)
from communities.models import FamilyTeam, Role, User
from engagement.models import DriftScan, DriftSignal
from reflections.practice_access import supervised_facilitators

STAFF = (Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)
OVERSIGHT = (Role.ADMIN, Role.SUPERVISOR)


def signals_in_scope(actor: Actor) -> QuerySet[DriftSignal]:
    if actor.role not in STAFF:
        return DriftSignal.objects.none()
    signals = DriftSignal.objects.filter(organization=actor.organization)
    if actor.role == Role.ADMIN:
        return signals
    if actor.role == Role.SUPERVISOR:
        return signals.filter(
            Q(program_id__in=list(actor.supervised_program_ids))
            | Q(person_id__in=supervised_facilitators(actor))
        )
    facilitates = FamilyTeam.facilitators.through.objects.filter(
        familyteam_id=OuterRef("team_id"), user_id=actor.user.pk
    )
    return signals.filter(Exists(facilitates) | Q(person=actor.user) | Q(circle__host=actor.user))


@dataclass(frozen=True)
class SignalAccess:
    signal: DriftSignal
    actor: Actor

    @property
    def can_snooze(self) -> bool:
        """Supervisors and admins; a team's facilitator for the team's signals (a family
        away for a month explains a meeting gap)."""
        if self.actor.role in OVERSIGHT:
            return True
        return self.signal.team_id is not None and self.actor.role == Role.FACILITATOR


def signal_for_person(person: Person, signal_id: int, *, snooze: bool = False) -> SignalAccess:
    try:
        signal = DriftSignal.objects.select_related(
            "organization", "team__program", "program", "person", "circle__host", "snoozed_by"
        ).get(pk=signal_id)
    except (DriftSignal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such signal.") from None
    actor = person.actor_in(signal.organization_id)
    if not signals_in_scope(actor).filter(pk=signal.pk).exists():
        raise Http404("No such signal.")
    access = SignalAccess(signal=signal, actor=actor)
    if snooze and not access.can_snooze:
        raise PermissionDenied
    return access


def signal_list_actor(actor: Actor) -> Actor:
    """The signals list is for supervisors and admins."""
    require_role(actor, *OVERSIGHT)
    return actor


def team_for_drift(person: Person, team_id: int) -> TeamAccess:
    """A team's signal history: staff who see the team (families: refused)."""
    access = team_for_person(person, team_id)
    if access.role not in STAFF:
        raise PermissionDenied
    return access


def drift_person_for(person: Person, user_id: int) -> User:
    """A person's signal history: themself, an admin (a member of their organisation),
    or a supervisor of that person; anyone else 404."""
    actor = person.current
    if actor.role not in STAFF:
        raise Http404("No such person.")
    people = User.objects.filter(
        pk=user_id, memberships__organization=actor.organization, memberships__is_active=True
    )
    if actor.role == Role.SUPERVISOR:
        people = people.filter(Q(pk=actor.user.pk) | Q(pk__in=supervised_facilitators(actor)))
    elif actor.role == Role.FACILITATOR:
        people = people.filter(pk=actor.user.pk)
    try:
        return people.distinct().get()
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such person.") from None


def scan_for_admin(actor: Actor, scan_id: int) -> DriftScan:
    organization = organization_for_admin(actor)
    try:
        return DriftScan.objects.get(pk=scan_id, organization=organization)
    except (DriftScan.DoesNotExist, ValueError, TypeError):
        raise Http404("No such scan.") from None
