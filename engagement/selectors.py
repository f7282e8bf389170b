"""Reads for goals, check-ins and dashboards. Constant query counts per page."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from communities.access import Actor, programs_visible_to
from communities.audit import audit_entry_create
from communities.models import FamilyMember, FamilyTeam, TeamMeeting, User
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
