"""Reflection prompts end to end: beat's task, run by a real Celery worker, sends the
after-meeting prompt through the outbox to a real SMTP server exactly once however often
it runs, in the recipient's language, with the link that opens the answer form; a week
later, once, the reminder; nothing after the prompt is answered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import Message, MessageKind
from communities.tasks import outbox_sweep
from engagement.services import team_meeting_record
from reflections import prompts
from reflections.models import PromptDelivery, PromptSchedule
from reflections.tasks import prompts_tick

from .conftest import settled


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_prompt_reaches_the_facilitator_once_and_its_reminder_once(
    world, broker, smtp, processes
):
    prompts.prompt_library_load()
    world.facilitator.language = "es"
    world.facilitator.save()
    PromptSchedule.objects.create(
        organization=world.org, trigger=PromptSchedule.Trigger.AFTER_MEETING, delay_hours=0
    )
    team_meeting_record(
        team=world.team, by=world.facilitator, held_on=timezone.localdate(),
        duration_minutes=60, family_present=False, agenda_set_by="family", attendees=[],
    )  # fmt: skip
    delivery = PromptDelivery.objects.get()
    processes.worker()

    for _ in range(3):  # beat runs on; two runs may even overlap
        prompts_tick.delay()
    smtp.wait_for(1)
    prompts_tick.delay()
    outbox_sweep.delay()
    settled(broker)

    (email,) = smtp.messages
    assert email["To"] == world.facilitator.email
    assert email["Subject"] == "Una pregunta para reflexionar"
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert delivery.wording.text_es in body
    assert reverse("prompt_answer", args=[delivery.pk]) in body

    # A week later, unanswered: one reminder, however often beat runs.
    PromptDelivery.objects.filter(pk=delivery.pk).update(
        sent_at=timezone.now() - timedelta(days=7, minutes=1)
    )
    prompts_tick.delay()
    prompts_tick.delay()
    smtp.wait_for(2)
    prompts_tick.delay()
    settled(broker)
    assert len(smtp.messages) == 2
    assert smtp.message_ids == {m: 1 for m in smtp.message_ids}
    assert Message.objects.filter(
        kind=MessageKind.PROMPT_REMINDER, channel="email", state="sent"
    ).count() == 1  # fmt: skip

    # Answered: nothing more, ever.
    answer = {"answer": "La familia eligió el tema.", "visibility": "private"}
    prompts.prompt_answer(delivery=delivery, author=world.facilitator, data=answer)
    PromptDelivery.objects.filter(pk=delivery.pk).update(reminded_at=None)
    prompts_tick.delay()
    settled(broker)
    assert len(smtp.messages) == 2
