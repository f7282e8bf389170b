"""Writes for reflections: drafts that never lose a word, reflections, follow-through.

A logged reflection is sent as the `reflection_logged` signal; engagement records it as
an event (reflections never imports engagement)."""

from __future__ import annotations

import django.dispatch
from django.db import transaction
from django.utils import timezone

from communities.audit import audit_entry_create
from communities.models import FamilyTeam, TeamMeeting, User
from reflections.models import FollowThrough, Reflection, ReflectionDraft
from reflections.search import reflections_index

# Arguments: reflection.
reflection_logged = django.dispatch.Signal()
# Arguments: response (a ReflectionResponse).
reflection_responded = django.dispatch.Signal()

DRAFT_FIELDS = (
    "meeting", "worked", "drifted", "try_next", "principles", "reflected_more",
    "family_words", "family_agenda", "visibility", "outcome", "note",
)  # fmt: skip


def draft_save(*, author: User, subject: str, data: dict) -> ReflectionDraft:
    """Keep what was typed (only the reflection's own fields, each cut to its limit)."""
    kept = {}
    for name in DRAFT_FIELDS:
        value = data.get(name)
        if isinstance(value, list):
            kept[name] = [str(v)[:40] for v in value][:10]
        elif value is not None:
            kept[name] = str(value)[:2000]
    draft, _ = ReflectionDraft.objects.update_or_create(
        author=author, subject=subject, defaults={"data": kept, "updated_at": timezone.now()}
    )
    return draft


def previous_try_next(*, author: User, team: FamilyTeam) -> Reflection | None:
    """The author's latest reflection on the team whose "try next" is still open."""
    return (
        Reflection.objects.filter(author=author, team=team, follow_through__isnull=True)
        .exclude(try_next="")
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def reflection_create(
    *,
    author: User,
    team: FamilyTeam,
    meeting: TeamMeeting | None,
    data: dict,
    follow_through: tuple[str, str] | None = None,
    draft_subject: str = "",
) -> Reflection:
    """Log a reflection on a team (and meeting); tell what became of the previous "try
    next" when given; the draft is done with. Precondition: `author` facilitates the
    team (access layer) and `data` passed the form."""
    reflection = Reflection.objects.create(
        author=author, organization_id=team.program.organization_id, team=team, meeting=meeting,
        **data,
    )  # fmt: skip
    if follow_through is not None:
        previous = (
            Reflection.objects.select_for_update(of=("self",))
            .filter(author=author, team=team, follow_through__isnull=True)
            .exclude(pk=reflection.pk)
            .exclude(try_next="")
            .order_by("-created_at", "-id")
            .first()
        )
        if previous is not None:
            outcome, note = follow_through
            FollowThrough.objects.create(
                reflection=previous, outcome=outcome, note=note, told_in=reflection
            )
    if draft_subject:
        ReflectionDraft.objects.filter(author=author, subject=draft_subject).delete()
    reflections_index(Reflection.objects.filter(pk=reflection.pk))
    audit_entry_create(
        actor=author, action="create", subject=f"reflection {reflection.pk}", team=team,
        detail={"reflection": reflection.pk, "meeting": meeting.pk if meeting else None},
    )  # fmt: skip
    # In the same transaction: the engagement event is written with the reflection.
    reflection_logged.send(sender=Reflection, reflection=reflection)
    return reflection
