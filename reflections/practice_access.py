"""Who may code and read observed practice (the one rule for practice observations).

An observation of a facilitator is read by:
- the facilitator observed;
- its coder (a coach, or the facilitator themself when self-coding);
- the supervisors of the facilitator: a supervisor of a program in which the facilitator
  facilitates a team, in the observation's organisation.
Nobody else: not a peer, not an admin, never a family, not another organisation. Anyone
else gets 404, exactly like a missing observation. Only the coder changes the coding;
another supervisor of the facilitator may add a blind second coding of a transcript.

A coach may open an observation for a facilitator they supervise, and anyone on staff
(facilitator or supervisor) for themself."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import Http404

from communities.access import Actor, Person
from communities.models import FamilyTeam, Role, User
from reflections.models import PracticeObservation, TranscriptCoding

CODERS = (Role.SUPERVISOR, Role.FACILITATOR)


def facilitating_in(program_ids) -> QuerySet:
    """Who facilitates a team in these programs (team-facilitator links), active and a
    member of the program's organisation: the facilitators their supervisors oversee."""
    return FamilyTeam.facilitators.through.objects.filter(
        familyteam__program_id__in=program_ids,
        user__is_active=True,
        user__memberships__organization_id=F("familyteam__program__organization_id"),
        user__memberships__is_active=True,
    )


def supervised_facilitators(actor: Actor) -> QuerySet:
    """The user ids of the facilitators the actor supervises (facilitating a team in a
    program the actor supervises), active in the actor's organisation."""
    return facilitating_in(list(actor.supervised_program_ids)).values("user_id").distinct()


def coachable_people(actor: Actor) -> QuerySet[User]:
    """Whom the actor may code: themself, and the facilitators they supervise."""
    if actor.role not in CODERS:
        return User.objects.none()
    condition = Q(pk=actor.user.pk)
    if actor.supervised_program_ids:
        condition |= Q(pk__in=supervised_facilitators(actor))
    return User.objects.filter(condition).order_by("name", "email")


def facilitator_for_coach(person: Person, user_id: int) -> User:
    """The person to be observed, if the current actor may code them; else 404 (a
    facilitator outside the coach's programs or organisation looks missing)."""
    actor = person.current
    try:
        return coachable_people(actor).get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such facilitator.") from None


def observations_visible_to(person: Person, organization_id: int) -> QuerySet:
    """The one read rule (see the module docstring). One query (plus, once per request,
    a supervisor's programs)."""
    actor = person.actor_in(organization_id)
    if not actor.is_staff_role:
        return PracticeObservation.objects.none()
    user = person.user
    readable = Q(facilitator=user) | Q(coded_by=user)
    if actor.supervised_program_ids:
        readable |= Q(facilitator_id__in=supervised_facilitators(actor))
    return PracticeObservation.objects.filter(readable, organization_id=organization_id)


def practice_person_for(person: Person, user_id: int) -> User:
    """Whose practice page the person may open: their own, or a facilitator's they
    supervise. Anybody else: 404."""
    actor = person.current
    if actor.role not in CODERS:
        raise Http404("No such practice page.")
    return facilitator_for_coach(person, user_id)


@dataclass(frozen=True)
class ObservationAccess:
    observation: PracticeObservation
    actor: Actor
    is_coder: bool
    # A supervisor of the facilitator other than the coder (a possible second coder).
    is_other_supervisor: bool


def observation_for_person(person: Person, observation_id: int) -> ObservationAccess:
    """An observation the person may read, else 404."""
    try:
        observation = PracticeObservation.objects.select_related(
            "facilitator", "coded_by", "team__program", "organization"
        ).get(pk=observation_id)
    except (PracticeObservation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such observation.") from None
    visible = observations_visible_to(person, observation.organization_id)
    if not visible.filter(pk=observation.pk).exists():
        raise Http404("No such observation.")
    actor = person.actor_in(observation.organization_id)
    user = person.user
    is_coder = observation.coded_by_id == user.pk
    other_supervisor = (
        not is_coder
        and observation.facilitator_id != user.pk
        and bool(actor.supervised_program_ids)
        and supervised_facilitators(actor).filter(user_id=observation.facilitator_id).exists()
    )
    return ObservationAccess(observation, actor, is_coder, other_supervisor)


def observation_for_coder(person: Person, observation_id: int) -> ObservationAccess:
    """An observation the person coded: 404 when they may not read it, 403 (with
    nothing changed) when they may read it but did not code it."""
    access = observation_for_person(person, observation_id)
    if not access.is_coder:
        raise PermissionDenied("Only the coder changes this observation.")
    return access


def coding_for_person(person: Person, observation_id: int) -> tuple[ObservationAccess, object]:
    """The transcript coding of the person on an observation they may read: the coder's
    own, or their second coding. 404 without a transcript; 403 without a coding."""
    access = observation_for_person(person, observation_id)
    transcript = getattr(access.observation, "transcript", None)
    if transcript is None:
        raise Http404("No transcript.")
    coding = TranscriptCoding.objects.filter(transcript=transcript, coder=person.user).first()
    if coding is None:
        raise PermissionDenied("You are not coding this transcript.")
    return access, coding
