"""Reads for prompts. Selectors only read."""

from __future__ import annotations

from django.db.models import Prefetch, Q

from communities.models import User
from reflections.models import Prompt, PromptDelivery, PromptSchedule, PromptWording


def my_prompts(user: User, organization_id: int) -> dict:
    """The person's prompts: open ones (sent, not answered) and recent answered ones."""
    mine = (
        PromptDelivery.objects.filter(
            recipient=user, organization_id=organization_id, sent_at__isnull=False
        )
        .select_related("wording", "team", "circle_session__circle", "community", "reflection")
        .order_by("-sent_at", "-id")
    )
    return {
        "open_prompts": list(mine.filter(answered_at__isnull=True)[:30]),
        "answered_prompts": list(mine.filter(answered_at__isnull=False)[:30]),
    }


def prompt_library(organization_id: int) -> dict:
    """The built-in library and the organisation's own prompts, each with its versions
    (newest first), and how many answers each has."""
    prompts = (
        Prompt.objects.filter(Q(organization__isnull=True) | Q(organization_id=organization_id))
        .filter(coaching=False)
        .prefetch_related(Prefetch("wordings", queryset=PromptWording.objects.order_by("-version")))
        .order_by("organization_id", "tag", "id")
    )
    prompts = list(prompts)
    return {
        "library": [p for p in prompts if p.organization_id is None],
        "own": [p for p in prompts if p.organization_id is not None],
    }


def schedules_of(organization_id: int) -> list[PromptSchedule]:
    return list(
        PromptSchedule.objects.filter(organization_id=organization_id)
        .select_related("community")
        .order_by("id")
    )
