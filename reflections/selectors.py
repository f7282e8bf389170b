"""Reads for reflections. Selectors only read."""

from __future__ import annotations

from communities.access import Person
from communities.models import User
from reflections.access import reflections_visible_to
from reflections.models import Reflection, ReflectionDraft


def draft_for(*, author: User, subject: str) -> ReflectionDraft | None:
    return ReflectionDraft.objects.filter(author=author, subject=subject).first()


def my_reflections(person: Person, organization_id: int) -> dict:
    """The person's reflections, and their open "try next" items across their teams."""
    mine = (
        Reflection.objects.filter(author=person.user, organization_id=organization_id)
        .select_related("team", "meeting", "follow_through", "circle_session__circle")
        .order_by("-created_at", "-id")
    )
    return {
        "reflections": list(mine[:30]),
        "open_items": list(mine.filter(follow_through__isnull=True).exclude(try_next="")[:30]),
    }


def team_reflections(person: Person, team) -> dict:
    """For the team page: the latest reflection the viewer may read, the open "try next"
    items of the team they may read, and the team's reflection cadence (counts only)."""
    from datetime import timedelta

    from django.db.models import Count, Max, Q
    from django.utils import timezone

    visible = reflections_visible_to(person, team.program.organization_id).filter(team=team)
    since = timezone.now() - timedelta(days=90)
    cadence = Reflection.objects.filter(team=team).aggregate(
        last=Max("created_at"), recent=Count("id", filter=Q(created_at__gte=since))
    )
    return {
        "latest_reflection": visible.select_related("author").order_by("-created_at").first(),
        "open_try_next": list(
            visible.filter(follow_through__isnull=True)
            .exclude(try_next="")
            .select_related("author")
            .order_by("-created_at")[:5]
        ),
        "reflection_cadence": cadence,
    }
