"""Who may open a prompt delivery, an organisation's prompt or schedule. Anything else
answers 404, exactly like a missing one."""

from __future__ import annotations

from django.http import Http404

from communities.access import Actor, Person, organization_for_admin
from reflections.models import Prompt, PromptDelivery, PromptSchedule


def delivery_for_recipient(person: Person, delivery_id: int) -> PromptDelivery:
    """A prompt sent to this person (and still in an organisation where they are staff);
    someone else's, or one not sent yet, is 404."""
    try:
        delivery = PromptDelivery.objects.select_related(
            "wording__prompt", "team", "meeting", "circle_session__circle", "community",
            "organization",
        ).get(pk=delivery_id, recipient=person.user, sent_at__isnull=False)  # fmt: skip
    except (PromptDelivery.DoesNotExist, ValueError, TypeError):
        raise Http404("No such prompt.") from None
    if not person.actor_in(delivery.organization_id).is_staff_role:
        raise Http404("No such prompt.")
    return delivery


def prompt_for_admin(actor: Actor, prompt_id: int) -> Prompt:
    """One of the admin's organisation's own prompts (the library is read-only)."""
    organization = organization_for_admin(actor)
    try:
        return Prompt.objects.get(pk=prompt_id, organization=organization)
    except (Prompt.DoesNotExist, ValueError, TypeError):
        raise Http404("No such prompt.") from None


def schedule_for_admin(actor: Actor, schedule_id: int) -> PromptSchedule:
    organization = organization_for_admin(actor)
    try:
        return PromptSchedule.objects.get(pk=schedule_id, organization=organization)
    except (PromptSchedule.DoesNotExist, ValueError, TypeError):
        raise Http404("No such schedule.") from None
