"""Reads for goals, check-ins and dashboards. Constant query counts per page."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.access import Actor, programs_visible_to
from communities.audit import audit_entry_create
from communities.models import FamilyMember, FamilyTeam, Notification, Role, TeamMeeting, User
from engagement.diffs import word_diff
from engagement.models import EngagementEvent, Goal, GoalComment, MeetingCheckIn


def goals_for_team(team: FamilyTeam) -> QuerySet[Goal]:
    return team.goals.prefetch_related("steps").order_by("status", "created_at", "id")


def team_page(*, actor: Actor, team: FamilyTeam) -> dict:
    """Everything on a team page (staff view or family portal). Records the read."""
    goals = list(goals_for_team(team))
    members = list(
        FamilyMember.objects.filter(team=team).select_related("user").order_by("user__name")
    )
    facilitators = list(team.facilitators.order_by("name"))
    meetings = list(
        TeamMeeting.objects.filter(team=team)
        .prefetch_related("attendees")
        .order_by("-held_on", "-id")[:5]
    )
    today = timezone.localdate()
    comments = list(
        GoalComment.objects.filter(goal__team=team)
        .select_related("author", "goal")
        .order_by("-created_at")[:5]
    )
    audit_entry_create(actor=actor.user, action="view", subject="team page", team=team)
    return {
        "team": team,
        "goals": goals,
        "active_goals": [g for g in goals if g.status == Goal.Status.ACTIVE],
        "members": members,
        "facilitators": facilitators,
        "meetings": meetings,
        "last_meeting": next((m for m in meetings if m.held_on <= today), None),
        "recent_comments": comments,
    }


def family_teams(user: User) -> QuerySet[FamilyTeam]:
    return FamilyTeam.objects.filter(memberships__user=user).select_related("program__organization")


def program_dashboard(actor: Actor, *, weeks: int = 12) -> list[dict]:
    """Per program: active teams and the three conditions over the last `weeks` weeks.

    One query for programs, one for check-in means, one for event counts.
    """
    since = timezone.now() - timedelta(weeks=weeks)
    programs = list(
        programs_visible_to(actor).annotate(
            active_teams=Count("teams", filter=Q(teams__closed_on__isnull=True), distinct=True)
        )
    )
    ids = [p.pk for p in programs]
    checkins = {
        row["meeting__team__program"]: row
        for row in MeetingCheckIn.objects.filter(
            meeting__team__program__in=ids, submitted_at__gte=since
        )
        .values("meeting__team__program")
        .annotate(
            agency=Avg("agency"),
            relevance=Avg("relevance"),
            partnership=Avg("partnership"),
            responses=Count("id"),
        )
    }
    events = {
        row["team__program"]: row
        for row in EngagementEvent.objects.filter(team__program__in=ids, occurred_at__gte=since)
        .values("team__program")
        .annotate(
            meetings=Count(
                "id",
                filter=Q(
                    kind__in=[
                        EngagementEvent.Kind.MEETING_HELD,
                        EngagementEvent.Kind.MEETING_WITHOUT_FAMILY,
                    ]
                ),
            ),
            meetings_with_family=Count("id", filter=Q(kind=EngagementEvent.Kind.MEETING_HELD)),
            goal_edits=Count(
                "id",
                filter=Q(
                    kind__in=[
                        EngagementEvent.Kind.GOAL_CREATED,
                        EngagementEvent.Kind.GOAL_EDITED,
                    ]
                ),
            ),
            family_goal_edits=Count(
                "id",
                filter=Q(
                    kind__in=[
                        EngagementEvent.Kind.GOAL_CREATED,
                        EngagementEvent.Kind.GOAL_EDITED,
                    ],
                    actor_role="family",
                ),
            ),
        )
    }
    rows = []
    for program in programs:
        c = checkins.get(program.pk, {})
        e = events.get(program.pk, {})
        goal_edits = e.get("goal_edits", 0)
        meetings = e.get("meetings", 0)
        rows.append(
            {
                "program": program,
                "active_teams": program.active_teams,
                "agency": c.get("agency"),
                "relevance": c.get("relevance"),
                "partnership": c.get("partnership"),
                "responses": c.get("responses", 0),
                "meetings": meetings,
                "family_present_share": (
                    e.get("meetings_with_family", 0) / meetings if meetings else None
                ),
                "family_edit_share": (
                    e.get("family_goal_edits", 0) / goal_edits if goal_edits else None
                ),
            }
        )
    return rows


GOAL_FIELD_LABELS = {
    "statement": _("Our goal"),
    "why_it_matters": _("Why it matters"),
    "strengths": _("Strengths"),
    "status": _("Status"),
    "set_aside_reason": _("Why it was set aside"),
}


def goal_page(*, actor: Actor, goal: Goal) -> dict:
    """A goal with steps, progress, comments and who last changed it. Records the read."""
    steps = list(goal.steps.all())
    comments = list(goal.comments.select_related("author").order_by("created_at", "id"))
    progress = list(goal.progress_checkins.select_related("by").order_by("-created_at")[:5])
    last_revision = goal.revisions.select_related("author").order_by("-version").first()
    audit_entry_create(actor=actor.user, action="view", subject=f"goal {goal.pk}", team=goal.team)
    return {
        "goal": goal,
        "team": goal.team,
        "steps": steps,
        "comments": comments,
        "progress": progress,
        "last_revision": last_revision,
        "can_write": actor.role in (Role.FAMILY, Role.FACILITATOR),
        "is_family": actor.role == Role.FAMILY,
    }


def goal_for_editing(*, actor: Actor, goal: Goal) -> dict:
    """What the edit form shows (the goal itself). Records the read."""
    audit_entry_create(actor=actor.user, action="view", subject=f"goal {goal.pk}", team=goal.team)
    return {"goal": goal}


def goal_history(*, actor: Actor, goal: Goal) -> dict:
    """Every revision, newest first, each with a word-level diff against the one before."""
    revisions = list(goal.revisions.select_related("author", "restored_from").order_by("version"))
    entries = []
    previous: dict = {}
    for revision in revisions:
        changes = []
        for name in revision.changed_fields:
            old, new = str(previous.get(name, "") or ""), str(revision.snapshot.get(name, "") or "")
            if name == "status":
                old = str(Goal.Status(old).label) if old else ""
                new = str(Goal.Status(new).label) if new else ""
            changes.append(
                {"label": GOAL_FIELD_LABELS.get(name, name), "diff": word_diff(old, new)}
            )
        entries.append({"revision": revision, "changes": changes})
        previous = revision.snapshot
    entries.reverse()
    audit_entry_create(
        actor=actor.user, action="view", subject=f"goal {goal.pk} history", team=goal.team
    )
    return {
        "goal": goal,
        "team": goal.team,
        "entries": entries,
        "can_write": actor.role in (Role.FAMILY, Role.FACILITATOR),
    }


def goal_conflict(*, goal: Goal, mine: dict, base_version: int) -> dict:
    """Side by side, field by field: what the person typed and what is saved now.

    The merge form is prefilled three-way: a field only they changed keeps their text, a
    field only the other person changed takes the saved text, a field both changed keeps
    their text and is marked so they can choose.
    """
    base_revision = goal.revisions.filter(version=base_version).first()
    base = base_revision.snapshot if base_revision else {}
    latest = goal.revisions.select_related("author").order_by("-version").first()
    rows, merged = [], {}
    for name in ("statement", "why_it_matters", "strengths", "status", "set_aside_reason"):
        current = getattr(goal, name)
        typed = mine.get(name, current)
        i_changed = typed != base.get(name, typed)
        they_changed = current != base.get(name, current)
        both = typed != current and ((i_changed and they_changed) or not base)
        merged[name] = typed if (i_changed or both) else current
        rows.append(
            {
                "name": name,
                "label": GOAL_FIELD_LABELS[name],
                "mine": typed,
                "current": current,
                "differs": typed != current,
                "i_changed": i_changed or not base,
                "conflict": both,
                "diff": word_diff(str(current), str(typed)),
            }
        )
    return {"goal": goal, "rows": rows, "merged": merged, "latest": latest}


def family_portal(*, actor: Actor) -> dict:
    """The family's first page: their team (the first if several), goals, next meeting,
    facilitator, recent comments, and check-ins waiting for them."""
    teams = list(family_teams(actor.user))
    if not teams:
        return {"page": None, "other_teams": []}
    page = team_page(actor=actor, team=teams[0])
    pending = [
        n
        for n in Notification.objects.filter(
            recipient=actor.user,
            kind=Notification.Kind.CHECKIN_REQUEST,
            read_at__isnull=True,
            created_at__gte=timezone.now() - timedelta(days=7),
        ).order_by("-created_at")[:5]
    ]
    return {"page": page, "other_teams": teams[1:], "pending_checkins": pending}
