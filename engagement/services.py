"""Writes for goals, meetings and check-ins.

Each service records the engagement event and the audit entry for what it did; nothing
else does. Goal edits carry the version they started from: a stale save raises
GoalConflict and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communities import outbox
from communities.audit import audit_entry_create
from communities.models import FamilyTeam, Message, Role, TeamMeeting, User
from engagement.models import (
    EngagementEvent,
    Goal,
    GoalComment,
    GoalRevision,
    GoalStep,
    MeetingCheckIn,
    ProgressCheckIn,
    Wording,
)
from reflections.prompts import meeting_prompts_plan

# The fields of a goal that are versioned, in the order people read them.
GOAL_FIELDS = ("statement", "why_it_matters", "strengths", "status", "set_aside_reason")
WORDING_FIELDS = ("statement", "why_it_matters", "strengths")


class GoalConflict(Exception):
    """The goal changed since the editor opened it. Carries the current goal."""

    def __init__(self, goal: Goal):
        super().__init__(f"goal {goal.pk} is at version {goal.version}")
        self.goal = goal


def wording_for(role: str) -> str:
    return Wording.FAMILY if role == Role.FAMILY else Wording.STAFF


def goal_snapshot(goal: Goal) -> dict:
    """The full text of a goal and, per worded field, whose words it is."""
    data = {name: getattr(goal, name) for name in GOAL_FIELDS}
    data["wording"] = {name: goal.wording_of(name) for name in WORDING_FIELDS}
    return data


def goal_deletable(goal: Goal) -> bool:
    """The one rule: a goal any family member ever wrote or edited is never deleted by
    anyone, only set aside with a reason. The access layer and the page's button both
    ask this."""
    return not goal.family_has_written


def _set_wording(goal: Goal, fields: list[str], wording: str) -> list[str]:
    """Mark `fields` as written in `wording`; returns the columns to save."""
    columns = []
    for name in fields:
        if name in WORDING_FIELDS:
            setattr(goal, f"{name}_wording", wording)
            columns.append(f"{name}_wording")
    return columns


def _notify_facilitators(
    team: FamilyTeam, *, by: User, kind: str, subject_key: str, params: dict, url: str
):
    """Facilitators see what the family did (in the app, and by email as they chose)."""
    outbox.notify(
        recipients=[f for f in team.facilitators.all() if f.pk != by.pk],
        kind=kind,
        subject_key=subject_key,
        team=team,
        params=params,
        url=url,
    )


def _event(team: FamilyTeam, actor: User, role: str, kind: str, value: float | None = None):
    EngagementEvent.objects.create(team=team, actor=actor, actor_role=role, kind=kind, value=value)


def _revision(goal: Goal, *, by: User, role: str, changed: list[str], restored_from=None):
    return GoalRevision.objects.create(
        goal=goal,
        version=goal.version,
        author=by,
        author_role=role,
        changed_fields=changed,
        snapshot=goal_snapshot(goal),
        restored_from=restored_from,
    )


@transaction.atomic
def goal_create(*, team: FamilyTeam, by: User, role: str, data: dict) -> Goal:
    """Precondition: `by` may write to `team` (access layer)."""
    now = timezone.now()
    goal = Goal.objects.create(
        team=team,
        statement=data["statement"],
        why_it_matters=data.get("why_it_matters", ""),
        strengths=data.get("strengths", ""),
        status=Goal.Status.ACTIVE,
        statement_wording=wording_for(role),
        why_it_matters_wording=wording_for(role),
        strengths_wording=wording_for(role),
        family_has_written=role == Role.FAMILY,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    _revision(goal, by=by, role=role, changed=[f for f in GOAL_FIELDS if getattr(goal, f)])
    _event(team, by, role, EngagementEvent.Kind.GOAL_CREATED)
    audit_entry_create(
        actor=by, action="create", subject=f"goal {goal.pk}", team=team,
        detail={"goal": goal.pk},
    )  # fmt: skip
    if role == Role.FAMILY:
        _notify_facilitators(
            team, by=by, kind=Message.Kind.FAMILY_GOAL_CREATED, subject_key=f"goal:{goal.pk}",
            params={"name": by.get_short_name(), "goal": goal.statement[:80]},
            url=reverse("goal_detail", args=[goal.pk]),
        )  # fmt: skip
    return goal


@transaction.atomic
def goal_update(
    *, goal_id: int, by: User, role: str, data: dict, base_version: int
) -> tuple[Goal, list[str]]:
    """Apply `data` if the goal is still at `base_version`.

    Returns (goal, changed fields); an unchanged save writes nothing. Raises
    GoalConflict (nothing written) when someone saved in between. The row lock makes
    concurrent saves queue up, so exactly one of several same-version saves wins.
    """
    goal = Goal.objects.select_for_update().select_related("team__program").get(pk=goal_id)
    if goal.version != base_version:
        raise GoalConflict(goal)
    changed = [name for name in GOAL_FIELDS if name in data and data[name] != getattr(goal, name)]
    if not changed:
        return goal, []
    for name in changed:
        setattr(goal, name, data[name])
    # Whose words: only the fields this person wrote change hands.
    columns = _set_wording(goal, changed, wording_for(role))
    if role == Role.FAMILY and not goal.family_has_written:
        goal.family_has_written = True
        columns.append("family_has_written")
    goal.version += 1
    goal.updated_at = timezone.now()
    goal.save(update_fields=[*changed, *columns, "version", "updated_at"])
    _revision(goal, by=by, role=role, changed=changed)
    _event(goal.team, by, role, EngagementEvent.Kind.GOAL_EDITED)
    audit_entry_create(
        actor=by, action="change", subject=f"goal {goal.pk}", team=goal.team,
        detail={"goal": goal.pk, "fields": changed, "version": goal.version},
    )  # fmt: skip
    if role == Role.FAMILY:
        _notify_facilitators(
            goal.team, by=by, kind=Message.Kind.FAMILY_GOAL_EDITED,
            subject_key=f"goal:{goal.pk}:v{goal.version}",
            params={"name": by.get_short_name(), "goal": goal.statement[:80]},
            url=reverse("goal_history", args=[goal.pk]),
        )  # fmt: skip
    return goal, changed


@transaction.atomic
def goal_restore(*, goal_id: int, revision_id: int, by: User, role: str, base_version: int) -> Goal:
    """Bring back an older revision's text as a new revision (history is never rewritten)."""
    goal = Goal.objects.select_for_update().select_related("team__program").get(pk=goal_id)
    if goal.version != base_version:
        raise GoalConflict(goal)
    revision = GoalRevision.objects.get(pk=revision_id, goal=goal)
    changed = [
        name
        for name in GOAL_FIELDS
        if name in revision.snapshot and revision.snapshot[name] != getattr(goal, name)
    ]
    for name in changed:
        setattr(goal, name, revision.snapshot[name])
    # Restored words stay the words of whoever wrote them then.
    columns = []
    wording = revision.snapshot.get("wording", {})
    for name in changed:
        if name in WORDING_FIELDS:
            columns += _set_wording(goal, [name], wording.get(name, goal.wording_of(name)))
    if role == Role.FAMILY and not goal.family_has_written:
        goal.family_has_written = True
        columns.append("family_has_written")
    goal.version += 1
    goal.updated_at = timezone.now()
    goal.save(update_fields=[*changed, *columns, "version", "updated_at"])
    _revision(goal, by=by, role=role, changed=changed, restored_from=revision)
    _event(goal.team, by, role, EngagementEvent.Kind.GOAL_RESTORED)
    audit_entry_create(
        actor=by, action="change", subject=f"goal {goal.pk} restored to v{revision.version}",
        team=goal.team, detail={"goal": goal.pk, "restored_version": revision.version},
    )  # fmt: skip
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal, by: User, role: str) -> None:
    """Delete a goal the family never wrote (`goal_deletable`); others are set aside.
    Precondition: `by` facilitates the team (access layer)."""
    goal = Goal.objects.select_for_update().select_related("team__program").get(pk=goal.pk)
    if role == Role.FAMILY or not goal_deletable(goal):
        raise PermissionDenied(_("A goal the family has written can only be set aside."))
    audit_entry_create(
        actor=by, action="delete", subject=f"goal {goal.pk}: {goal.statement[:80]}",
        team=goal.team, detail={"goal": goal.pk},
    )  # fmt: skip
    goal.delete()


@transaction.atomic
def step_add(*, goal: Goal, by: User, role: str, data: dict) -> GoalStep:
    position = goal.steps.count()
    step = GoalStep.objects.create(goal=goal, position=position, **data)
    audit_entry_create(
        actor=by, action="create", subject=f"step on goal {goal.pk}", team=goal.team,
        detail={"goal": goal.pk, "step": step.pk},
    )  # fmt: skip
    return step


@transaction.atomic
def step_set_done(*, step: GoalStep, by: User, role: str, done: bool) -> GoalStep:
    step = (
        GoalStep.objects.select_for_update().select_related("goal__team__program").get(pk=step.pk)
    )
    if step.done == done:
        return step
    step.done = done
    step.done_at = timezone.now() if done else None
    step.save(update_fields=["done", "done_at"])
    if done:
        _event(step.goal.team, by, role, EngagementEvent.Kind.STEP_DONE)
    audit_entry_create(
        actor=by, action="change", subject=f"step {step.pk} {'done' if done else 'not done'}",
        team=step.goal.team, detail={"goal": step.goal_id, "step": step.pk},
    )  # fmt: skip
    return step


@transaction.atomic
def progress_checkin_create(*, goal: Goal, by: User, score: int, word: str) -> ProgressCheckIn:
    """The family's own sense of progress. Precondition: `by` is a family member of the team."""
    checkin = ProgressCheckIn.objects.create(goal=goal, by=by, score=score, word=word)
    _event(goal.team, by, Role.FAMILY, EngagementEvent.Kind.PROGRESS_CHECKIN, score)
    audit_entry_create(
        actor=by, action="create", subject=f"progress check-in on goal {goal.pk}",
        team=goal.team, detail={"goal": goal.pk, "score": score},
    )  # fmt: skip
    return checkin


@transaction.atomic
def comment_create(*, goal: Goal, by: User, role: str, body: str) -> GoalComment:
    """A comment; the other side (family ↔ facilitators) is notified in-app and by digest."""
    comment = GoalComment.objects.create(goal=goal, author=by, author_role=role, body=body)
    team = goal.team
    _event(team, by, role, EngagementEvent.Kind.COMMENT)
    audit_entry_create(
        actor=by, action="create", subject=f"comment on goal {goal.pk}", team=team,
        detail={"goal": goal.pk, "comment": comment.pk},
    )  # fmt: skip
    if role == Role.FAMILY:
        recipients = list(team.facilitators.all())
    else:
        recipients = list(User.objects.filter(family_memberships__team=team))
    outbox.notify(
        recipients=[r for r in recipients if r.pk != by.pk],
        kind=Message.Kind.COMMENT,
        subject_key=f"comment:{comment.pk}",
        team=team,
        params={"name": by.get_short_name(), "goal": goal.statement[:80]},
        url=reverse("goal_detail", args=[goal.pk]) + f"#comment-{comment.pk}",
    )
    return comment


@transaction.atomic
def team_meeting_record(
    *,
    team: FamilyTeam,
    by: User,
    held_on: date,
    duration_minutes: int,
    family_present: bool,
    agenda_set_by: str,
    attendees: list[User],
) -> TeamMeeting:
    """Record a meeting; family members who were there are asked for a check-in."""
    meeting = TeamMeeting.objects.create(
        team=team,
        held_on=held_on,
        duration_minutes=duration_minutes,
        family_present=family_present,
        agenda_set_by=agenda_set_by,
        recorded_by=by,
    )
    meeting.attendees.set({*attendees, by})
    _event(
        team,
        by,
        Role.FACILITATOR,
        EngagementEvent.Kind.MEETING_HELD
        if family_present
        else EngagementEvent.Kind.MEETING_WITHOUT_FAMILY,
        duration_minutes,
    )
    audit_entry_create(
        actor=by, action="create", subject=f"meeting on {held_on:%Y-%m-%d}", team=team,
        detail={"meeting": meeting.pk},
    )  # fmt: skip
    if family_present:
        family = set(User.objects.filter(family_memberships__team=team))
        for member in family & set(attendees) or family:
            meeting_checkin_open(meeting=meeting, member=member)
    # The facilitators' after-meeting reflection prompt, if a schedule says so.
    meeting_prompts_plan(meeting=meeting)
    return meeting


def meeting_checkin_open(*, meeting: TeamMeeting, member: User) -> MeetingCheckIn:
    """A check-in waiting for one family member, and its request in the app and by
    email (through the outbox, in the caller's transaction)."""
    checkin = MeetingCheckIn.objects.create(meeting=meeting, family_member=member)
    outbox.notify(
        recipients=[member],
        kind=Message.Kind.CHECKIN_REQUEST,
        subject_key=f"checkin:{checkin.pk}",
        team=meeting.team,
        params={"date": meeting.held_on.isoformat(), "team": meeting.team.name},
        url=reverse("meeting_checkin", args=[checkin_token(checkin)]),
    )
    return checkin


_CHECKIN_SALT = "miiwrap.meeting-checkin"
CHECKIN_LINK_DAYS = 7


def checkin_token(checkin: MeetingCheckIn) -> str:
    """A signed token naming the check-in and its family member (valid 7 days)."""
    return signing.dumps({"c": checkin.pk, "m": checkin.family_member_id}, salt=_CHECKIN_SALT)


def checkin_from_token(token: str, *, user: User | None) -> MeetingCheckIn:
    """The check-in a link points to, or CheckInUnavailable with a clear message: the
    link is tampered with, expired, already used, or for another family member."""
    try:
        data = signing.loads(token, salt=_CHECKIN_SALT, max_age=timedelta(days=CHECKIN_LINK_DAYS))
    except signing.SignatureExpired:
        raise CheckInUnavailable(
            _("This check-in link has expired (links work for 7 days). Thank you anyway!")
        ) from None
    except signing.BadSignature:
        raise CheckInUnavailable(_("This check-in link is not valid.")) from None
    checkin = (
        MeetingCheckIn.objects.select_related("meeting__team", "family_member")
        .filter(pk=data.get("c"), family_member_id=data.get("m"))
        .first()
    )
    if checkin is None:
        raise CheckInUnavailable(_("This check-in link is not valid."))
    if user is not None and user.is_authenticated and user.pk != checkin.family_member_id:
        raise CheckInUnavailable(
            _("This check-in link belongs to another family member. Each person gets their own.")
        )
    if checkin.submitted_at is not None:
        raise CheckInUnavailable(_("You already answered for this meeting. Thank you!"))
    return checkin


@dataclass(frozen=True)
class Ratings:
    agency: int
    relevance: int
    partnership: int
    word: str = ""


class CheckInUnavailable(Exception):
    """The check-in was already answered; the message is for the family member."""


@transaction.atomic
def meeting_checkin_submit(*, checkin_id: int, by: User | None, ratings: Ratings) -> MeetingCheckIn:
    """Save one family member's ratings, once. `by` is None when the signed link alone
    identified them (the link is only ever sent to that member)."""
    checkin = (
        MeetingCheckIn.objects.select_for_update()
        .select_related("meeting__team__program", "family_member")
        .get(pk=checkin_id)
    )
    if checkin.submitted_at is not None:
        raise CheckInUnavailable(_("You already answered for this meeting. Thank you!"))
    checkin.agency = ratings.agency
    checkin.relevance = ratings.relevance
    checkin.partnership = ratings.partnership
    checkin.word = ratings.word
    checkin.submitted_at = timezone.now()
    checkin.save(update_fields=["agency", "relevance", "partnership", "word", "submitted_at"])
    member = checkin.family_member
    team = checkin.meeting.team
    mean = (ratings.agency + ratings.relevance + ratings.partnership) / 3
    _event(team, member, Role.FAMILY, EngagementEvent.Kind.MEETING_CHECKIN, mean)
    audit_entry_create(
        actor=member, action="create", subject=f"check-in for meeting {checkin.meeting_id}",
        team=team, detail={"checkin": checkin.pk, "via": "account" if by else "signed link"},
    )  # fmt: skip
    Message.objects.filter(
        recipient=member, subject_key=f"checkin:{checkin.pk}", channel=Message.Channel.APP
    ).update(read_at=timezone.now())
    outbox.message_cancel(recipient=member, subject_key=f"checkin:{checkin.pk}")
    _notify_facilitators(
        team, by=member, kind=Message.Kind.CHECKIN_ANSWERED, subject_key=f"checkin:{checkin.pk}",
        params={
            "name": member.get_short_name(), "date": checkin.meeting.held_on.isoformat(),
            "agency": ratings.agency, "relevance": ratings.relevance,
            "partnership": ratings.partnership, "word": ratings.word,
        },
        url=reverse("team_detail", args=[team.pk]) + f"#meeting-{checkin.meeting_id}",
    )  # fmt: skip
    return checkin


def notifications_mark_read(*, user: User) -> int:
    return Message.objects.filter(
        recipient=user, channel=Message.Channel.APP, read_at__isnull=True
    ).update(read_at=timezone.now())
