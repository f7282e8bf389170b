"""Reads for goals, teams, check-ins and dashboards. Constant query counts per page.
Selectors only read: the view records who viewed family data."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.access import Actor, TeamAccess, programs_visible_to, teams_in_scope
from communities.models import FamilyMember, FamilyTeam, Message, TeamMeeting, User
from engagement.access import GoalAccess
from engagement.diffs import word_diff
from engagement.drift_selectors import team_open_signals
from engagement.models import (
    Goal,
    GoalComment,
    GoalRevision,
    MeetingCheckIn,
)


def goals_for_team(team: FamilyTeam) -> QuerySet[Goal]:
    return team.goals.prefetch_related("steps").order_by("status", "created_at", "id")


def team_summaries(teams: QuerySet[FamilyTeam]) -> QuerySet[FamilyTeam]:
    """Teams with counts and last meeting date for lists (one query, plus one for the
    facilitators of all of them)."""
    return (
        teams.select_related("program")
        .annotate(
            active_goal_count=Count("goals", filter=Q(goals__status="active"), distinct=True),
            family_count=Count("memberships", distinct=True),
            last_meeting_on=Max("meetings__held_on"),
        )
        .prefetch_related(Prefetch("facilitators", queryset=User.objects.order_by("name")))
        .order_by("closed_on", "name")
    )


def teams_for_actor(actor: Actor) -> QuerySet[FamilyTeam]:
    """The teams a person works with in their current organisation."""
    return team_summaries(teams_in_scope(actor))


def supervisor_programs(actor: Actor):
    return programs_visible_to(actor).annotate(
        team_count=Count("teams", filter=Q(teams__closed_on__isnull=True), distinct=True)
    )


def recent_family_checkins(actor: Actor, *, limit: int = 5) -> list[MeetingCheckIn]:
    """What families said lately after meetings of the actor's teams."""
    return list(
        MeetingCheckIn.objects.filter(
            meeting__team__in=teams_in_scope(actor).values("pk"), submitted_at__isnull=False
        )
        .select_related("meeting__team", "family_member")
        .order_by("-submitted_at")[:limit]
    )


def _meetings_with_checkins(teams) -> QuerySet[TeamMeeting]:
    return TeamMeeting.objects.filter(team__in=teams).prefetch_related(
        "attendees",
        Prefetch(
            "checkins",
            queryset=MeetingCheckIn.objects.select_related("family_member").order_by(
                "family_member__name"
            ),
        ),
    )


def team_page(*, access: TeamAccess) -> dict:
    """Everything on a staff team page: goals, family, facilitators, recent meetings with
    what the family said after each, recent comments and the family's recent edits."""
    team = access.team
    goals = list(goals_for_team(team))
    members = list(
        FamilyMember.objects.filter(team=team).select_related("user").order_by("user__name")
    )
    facilitators = list(team.facilitators.order_by("name"))
    meetings = list(_meetings_with_checkins([team]).order_by("-held_on", "-id")[:5])
    comments = list(
        GoalComment.objects.filter(goal__team=team)
        .select_related("author", "goal")
        .order_by("-created_at")[:5]
    )
    family_edits = list(
        GoalRevision.objects.filter(goal__team=team, author_role="family")
        .select_related("author", "goal")
        .order_by("-created_at", "-id")[:5]
    )
    today = timezone.localdate()
    return {
        "team": team,
        "access": access,
        "goals": goals,
        "active_goals": [g for g in goals if g.status == Goal.Status.ACTIVE],
        "members": members,
        "facilitators": facilitators,
        "meetings": meetings,
        "last_meeting": next((m for m in meetings if m.held_on <= today), None),
        "recent_comments": comments,
        "family_edits": family_edits,
        # Staff only reach this page (families see their portal).
        "drift_signals": team_open_signals(team),
    }


def family_portal(*, actor: Actor) -> dict:
    """The family's first page: every team they belong to in this organisation, each
    with its goals, next and last meeting, facilitators and recent comments, and the
    check-ins waiting for them. A fixed number of queries however many teams."""
    today = timezone.localdate()
    teams = list(
        teams_in_scope(actor)
        .select_related("program__organization")
        .annotate(last_meeting_on=Max("meetings__held_on", filter=Q(meetings__held_on__lte=today)))
        .prefetch_related(
            Prefetch("facilitators", queryset=User.objects.order_by("name")),
            Prefetch("goals", queryset=Goal.objects.prefetch_related("steps")),
        )
        .order_by("closed_on", "name")
    )
    comments = list(
        GoalComment.objects.filter(goal__team__in=teams)
        .select_related("author", "goal")
        .order_by("-created_at")[: 5 * max(len(teams), 1)]
    )
    pages = []
    for team in teams:
        pages.append(
            {
                "team": team,
                "goals": list(team.goals.all()),
                "facilitators": list(team.facilitators.all()),
                "recent_comments": [c for c in comments if c.goal.team_id == team.pk][:5],
            }
        )
    pending = list(
        Message.objects.filter(
            recipient=actor.user,
            kind=Message.Kind.CHECKIN_REQUEST,
            channel=Message.Channel.APP,
            read_at__isnull=True,
            created_at__gte=timezone.now() - timedelta(days=7),
            team__in=teams,
        ).order_by("-created_at")[:5]
    )
    return {"pages": pages, "pending_checkins": pending}


GOAL_FIELD_LABELS = {
    "statement": _("Our goal"),
    "why_it_matters": _("Why it matters"),
    "strengths": _("Strengths"),
    "status": _("Status"),
    "set_aside_reason": _("Why it was set aside"),
}


def goal_page(*, access: GoalAccess) -> dict:
    """A goal with steps, progress, comments and who last changed it."""
    goal = access.goal
    steps = list(goal.steps.all())
    comments = list(goal.comments.select_related("author").order_by("created_at", "id"))
    progress = list(goal.progress_checkins.select_related("by").order_by("-created_at")[:5])
    last_revision = goal.revisions.select_related("author").order_by("-version").first()
    return {
        "goal": goal,
        "team": goal.team,
        "steps": steps,
        "comments": comments,
        "progress": progress,
        "last_revision": last_revision,
        "can_write": access.can_write,
        "can_delete": access.can_delete,
        "is_family": access.team_access.is_family_member,
        "worded_fields": [
            (GOAL_FIELD_LABELS[name], goal.wording_of(name))
            for name in ("statement", "why_it_matters", "strengths")
            if getattr(goal, name)
        ],
    }


def goal_history(*, access: GoalAccess) -> dict:
    """Every revision, newest first, each with a word-level diff against the one before."""
    goal = access.goal
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
    return {"goal": goal, "team": goal.team, "entries": entries, "can_write": access.can_write}


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


def team_meetings_for_reflection(team: FamilyTeam) -> list[TeamMeeting]:
    """The team's recent meetings, newest first, to reflect on."""
    return list(TeamMeeting.objects.filter(team=team).order_by("-held_on", "-id")[:10])


def meeting_checkins(meeting: TeamMeeting) -> list[MeetingCheckIn]:
    """What the family said after the meeting (answered check-ins)."""
    return list(
        MeetingCheckIn.objects.filter(meeting=meeting, submitted_at__isnull=False)
        .select_related("family_member")
        .order_by("family_member__name")
    )
