"""Writes for reflections: drafts that never lose a word, reflections, follow-through.

A logged reflection is sent as the `reflection_logged` signal; engagement records it as
an event (reflections never imports engagement)."""

from __future__ import annotations

import django.dispatch
from django.db import transaction
from django.utils import timezone

from communities.audit import audit_entry_create
from communities.models import CircleSession, FamilyTeam, LearningCircle, TeamMeeting, User
from reflections.models import FollowThrough, Reflection, ReflectionDraft
from reflections.search import reflections_index

# Arguments: reflection.
reflection_logged = django.dispatch.Signal()
# Arguments: response (a ReflectionResponse).
reflection_responded = django.dispatch.Signal()

DRAFT_FIELDS = (
    "meeting", "worked", "drifted", "try_next", "answer", "principles", "reflected_more",
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


def _open_try_next(author: User, *, team=None, circle=None):
    """The author's reflections on the team (or the circle's sessions) whose "try next"
    is still open, latest first."""
    mine = Reflection.objects.filter(author=author, follow_through__isnull=True).exclude(
        try_next=""
    )
    scope = {"team": team} if team is not None else {"circle_session__circle": circle}
    return mine.filter(**scope).order_by("-created_at", "-id")


def previous_try_next(
    *, author: User, team: FamilyTeam | None = None, circle: LearningCircle | None = None
) -> Reflection | None:
    """The author's latest reflection on the team, or on a session of the circle, whose
    "try next" is still open."""
    return _open_try_next(author, team=team, circle=circle).first()


def _follow_through_record(
    reflection: Reflection, follow_through: tuple[str, str] | None, *, team=None, circle=None
) -> None:
    """What became of the previous open "try next" in the same scope, told in this one."""
    if follow_through is None:
        return
    previous = (
        _open_try_next(reflection.author, team=team, circle=circle)
        .select_for_update(of=("self",))
        .exclude(pk=reflection.pk)
        .first()
    )
    if previous is not None:
        outcome, note = follow_through
        FollowThrough.objects.create(
            reflection=previous, outcome=outcome, note=note, told_in=reflection
        )


def reflection_logged_finish(
    reflection: Reflection,
    *,
    draft_subject: str,
    detail: dict,
    team: FamilyTeam | None = None,
    organization=None,
) -> None:
    """What every new reflection needs, in its transaction: its draft is done with, its
    words are indexed for search, an audit entry, and `reflection_logged` (engagement
    writes the event with it)."""
    if draft_subject:
        ReflectionDraft.objects.filter(author=reflection.author, subject=draft_subject).delete()
    reflections_index(Reflection.objects.filter(pk=reflection.pk))
    audit_entry_create(
        actor=reflection.author, action="create", subject=f"reflection {reflection.pk}",
        team=team, organization=organization, detail={"reflection": reflection.pk, **detail},
    )  # fmt: skip
    reflection_logged.send(sender=Reflection, reflection=reflection)


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
    _follow_through_record(reflection, follow_through, team=team)
    reflection_logged_finish(
        reflection, draft_subject=draft_subject, team=team,
        detail={"meeting": meeting.pk if meeting else None},
    )  # fmt: skip
    return reflection


@transaction.atomic
def session_reflection_create(
    *,
    author: User,
    session: CircleSession,
    data: dict,
    follow_through: tuple[str, str] | None = None,
    draft_subject: str = "",
) -> Reflection:
    """Log a reflection on a learning-circle session (it belongs to the circle's
    community); tell what became of the previous "try next" on the same circle.
    Precondition: `author` is a member or host of the circle (access layer)."""
    community = session.circle.community
    reflection = Reflection.objects.create(
        author=author, organization_id=community.organization_id, circle_session=session,
        community=community, **data,
    )  # fmt: skip
    _follow_through_record(reflection, follow_through, circle=session.circle)
    reflection_logged_finish(
        reflection, draft_subject=draft_subject, organization=community.organization,
        detail={"session": session.pk},
    )  # fmt: skip
    return reflection
