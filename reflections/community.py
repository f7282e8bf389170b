"""Writes for learning from each other: responding to a reflection, "this helped me", and
sharing a learning milestone with one's learning community.

Preconditions (the access layer's): the person may read the reflection
(`reflections_visible_to`); a milestone is the person's own, in the organisation they
work in."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from communities.audit import audit_entry_create
from communities.models import MessageKind, Organization, User
from communities.outbox import notify
from reflections.learning import MILESTONES_BY_KEY, milestones_reached
from reflections.models import HelpedReaction, MilestoneShare, Reflection, ReflectionResponse
from reflections.services import reflection_responded


class MilestoneNotReached(Exception):
    """The person has not reached that milestone (or it is no milestone at all)."""


@transaction.atomic
def response_create(
    *, reflection: Reflection, author: User, text: str, now: datetime | None = None
) -> ReflectionResponse:
    """A response (validated text) to a reflection the author may read. Tells the
    reflection's author (not when they respond to themselves), records the audit entry
    and sends `reflection_responded`, all in this transaction."""
    now = now or timezone.now()
    response = ReflectionResponse.objects.create(
        reflection=reflection, author=author, text=text, created_at=now
    )
    audit_entry_create(
        actor=author, action="create", subject=f"reflection {reflection.pk} response",
        team=reflection.team, organization=reflection.organization,
        detail={"reflection": reflection.pk, "response": response.pk},
    )  # fmt: skip
    if reflection.author_id != author.pk:
        notify(
            recipients=[reflection.author],
            kind=MessageKind.REFLECTION_RESPONSE,
            subject_key=f"reflection_response:{response.pk}",
            organization=reflection.organization,
            params={"name": author.get_short_name() or author.email},
            url=reverse("reflection_detail", args=[reflection.pk]) + f"#response-{response.pk}",
            now=now,
        )
    reflection_responded.send(sender=ReflectionResponse, response=response)
    return response


def helped_set(*, reflection: Reflection, user: User, helped: bool) -> bool:
    """Say (or unsay) "this helped me". Idempotent: saying it twice keeps one. Returns
    whether anything changed."""
    if helped:
        created = HelpedReaction.objects.bulk_create(
            [HelpedReaction(reflection=reflection, user=user)], ignore_conflicts=True
        )
        # With ignore_conflicts PostgreSQL gives no primary key to a row it skipped.
        return created[0].pk is not None
    deleted, _ = HelpedReaction.objects.filter(reflection=reflection, user=user).delete()
    return bool(deleted)


@transaction.atomic
def milestone_share(
    *, user: User, organization: Organization, milestone: str
) -> tuple[MilestoneShare, bool]:
    """Share a milestone the user reached in the organisation with their learning
    communities. Sharing it again keeps the one share: returns (share, created).
    Raises MilestoneNotReached for a milestone not reached (or unknown)."""
    if milestone not in MILESTONES_BY_KEY:
        raise MilestoneNotReached(milestone)
    reached_on = milestones_reached(user, organization.pk).get(milestone)
    if reached_on is None:
        raise MilestoneNotReached(milestone)
    return MilestoneShare.objects.get_or_create(
        user=user, organization=organization, milestone=milestone,
        defaults={"reached_on": reached_on},
    )  # fmt: skip


def milestone_unshare(*, user: User, organization: Organization, milestone: str) -> bool:
    """Take a shared milestone back. Returns whether it was shared."""
    deleted, _ = MilestoneShare.objects.filter(
        user=user, organization=organization, milestone=milestone
    ).delete()
    return bool(deleted)
