"""Reflection prompts: the library, an organisation's own prompts with versioned words,
schedules (after a meeting, after a circle session, weekly in each person's time zone
across daylight saving), rotation, at most one per person × occurrence, the 7-day
reminder, and answering (a reflection that keeps the words it was asked in)."""

import itertools
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities import circles
from communities.models import LearningCommunity, Message, MessageKind, SessionResponse
from engagement.models import EngagementEvent
from reflections import prompts
from reflections.models import (
    Prompt,
    PromptDelivery,
    PromptSchedule,
    PromptWording,
    Reflection,
    ReflectionDraft,
)
from reflections.prompt_library import LIBRARY
from tests import factories


def _schedule(world, trigger, **fields):
    schedule = PromptSchedule.objects.create(
        organization=world.org, trigger=trigger, created_by=world.admin, **fields
    )
    PromptSchedule.objects.filter(pk=schedule.pk).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    schedule.refresh_from_db()
    return schedule


def _sent(world, user=None, *, kind=MessageKind.REFLECTION_PROMPT):
    return Message.objects.filter(recipient=user or world.facilitator, kind=kind)


def _deliver(world, user=None) -> PromptDelivery:
    """A prompt sent to the facilitator after a meeting."""
    _schedule(world, PromptSchedule.Trigger.AFTER_MEETING, delay_hours=0)
    factories.make_meeting(world.team, by=world.facilitator)
    meeting = world.team.meetings.get()
    prompts.meeting_prompts_plan(meeting=meeting)
    prompts.prompts_send_due(now=timezone.now() + timedelta(seconds=1))
    return PromptDelivery.objects.get(recipient=user or world.facilitator)


# --- the library ----------------------------------------------------------------------


def test_the_library_has_two_dozen_prompts_in_both_languages_each_tagged(db):
    library = Prompt.objects.filter(organization__isnull=True)
    assert library.count() == len(LIBRARY) >= 24
    wordings = PromptWording.objects.filter(prompt__in=library, version=1)
    assert all(w.text_en and w.text_es and w.text_en != w.text_es for w in wordings)
    assert len({p.tag for p in library}) >= 12  # principles and MI skills
    assert prompts.prompt_library_load() == 0  # loading again changes nothing


def test_changed_words_are_a_new_version_and_an_answer_keeps_the_words_it_was_asked_in(
    world, client_for
):
    prompt = prompts.prompt_add(
        organization=world.org, by=world.admin, tag="family_voice",
        text_en="Who chose today's topic?", text_es="¿Quién eligió el tema de hoy?",
    )  # fmt: skip
    schedule = _schedule(world, PromptSchedule.Trigger.AFTER_MEETING, delay_hours=0)
    schedule.tags = ["family_voice"]
    schedule.save()
    Prompt.objects.filter(organization__isnull=True).update(active=False)
    delivery = _deliver(world)
    assert delivery.wording.prompt == prompt and delivery.wording.version == 1

    admin = client_for(world.admin)
    response = admin.post(reverse("prompt_edit", args=[prompt.pk]), {
        "tag": "family_voice", "text_en": "Who chose the topic, in their words?",
        "text_es": "¿Quién eligió el tema, con sus palabras?", "active": "on",
    })  # fmt: skip
    assert response.status_code == 302
    assert list(prompt.wordings.values_list("version", flat=True)) == [2, 1]

    client = client_for(world.facilitator)
    client.post(reverse("prompt_answer", args=[delivery.pk]),
                {"answer": "The family did.", "visibility": "private"})  # fmt: skip
    page = client.get(reverse("my_prompts")).content.decode()
    assert "Who chose today&#x27;s topic?" in page  # the words it was asked in
    assert Reflection.objects.get().prompt_delivery.wording.version == 1


def test_an_admin_adds_a_prompt_and_bad_words_change_nothing(world, client_for):
    admin = client_for(world.admin)
    before = Prompt.objects.count()
    bad = admin.post(reverse("prompt_library"), {"tag": "family_voice", "text_en": "  ",
                                                 "text_es": "x" * 501})  # fmt: skip
    assert bad.status_code == 400 and Prompt.objects.count() == before
    assert "Write the question." in bad.content.decode()
    good = admin.post(reverse("prompt_library"), {
        "tag": "strengths_based", "text_en": "<b>What</b> strength?", "text_es": "¿Qué fortaleza?",
    })  # fmt: skip
    assert good.status_code == 302 and Prompt.objects.count() == before + 1
    page = admin.get(reverse("prompt_library")).content.decode()
    assert "&lt;b&gt;What&lt;/b&gt; strength?" in page


@pytest.mark.parametrize(
    "fields",
    [{"hour": 24}, {"hour": -1}, {"delay_hours": 169}, {"trigger": "monthly"}, {"weekday": 9}],
)
def test_a_schedule_out_of_range_is_refused_and_nothing_changes(world, client_for, fields):
    admin = client_for(world.admin)
    data = {"trigger": "weekly", "delay_hours": 2, "weekday": 0, "hour": 9, "active": "on"}
    response = admin.post(reverse("prompt_schedules"), {**data, **fields})
    assert response.status_code == 400 and not PromptSchedule.objects.exists()
    assert admin.post(reverse("prompt_schedules"), data).status_code == 302
    assert PromptSchedule.objects.get().hour == 9


def test_another_organisations_schedule_or_prompt_is_404(world, client_for):
    theirs = PromptSchedule.objects.create(organization=world.outsider_org, trigger="weekly")
    prompt = Prompt.objects.create(organization=world.outsider_org, tag="family_voice")
    library_prompt = Prompt.objects.filter(organization__isnull=True).first()
    admin = client_for(world.admin)
    assert admin.get(reverse("prompt_schedule_edit", args=[theirs.pk])).status_code == 404
    assert admin.post(reverse("prompt_schedule_edit", args=[theirs.pk]), {
        "trigger": "after_meeting", "delay_hours": 1, "weekday": 0, "hour": 9,
    }).status_code == 404  # fmt: skip
    assert admin.get(reverse("prompt_edit", args=[prompt.pk])).status_code == 404
    assert admin.get(reverse("prompt_edit", args=[library_prompt.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.trigger == "weekly"


# --- after a meeting, after a session ---------------------------------------------------


def test_after_a_meeting_the_facilitator_gets_one_prompt_after_the_delay(world, client_for):
    _schedule(world, PromptSchedule.Trigger.AFTER_MEETING, delay_hours=3)
    client = client_for(world.facilitator)
    client.post(reverse("meeting_new", args=[world.team.pk]), {
        "held_on": timezone.localdate().isoformat(), "duration_minutes": 60,
        "family_present": "on", "agenda_set_by": "family", "attendees": [world.family.pk],
    })  # fmt: skip
    delivery = PromptDelivery.objects.get()
    meeting = world.team.meetings.get()
    assert delivery.recipient == world.facilitator and delivery.meeting == meeting
    assert delivery.occurrence == f"meeting:{meeting.pk}"
    now = timezone.now()
    assert prompts.prompts_send_due(now=now + timedelta(hours=2)) == 0  # not yet
    assert prompts.prompts_send_due(now=now + timedelta(hours=3, minutes=1)) == 1
    assert prompts.prompts_send_due(now=now + timedelta(hours=4)) == 0  # once
    prompts.meeting_prompts_plan(meeting=meeting)  # planning again adds nothing
    assert PromptDelivery.objects.count() == 1
    channels = sorted(_sent(world).values_list("channel", flat=True))
    assert channels == ["app", "email"]
    assert _sent(world).first().url == reverse("prompt_answer", args=[delivery.pk])
    assert not Message.objects.filter(recipient=world.family, kind="reflection_prompt").exists()


def test_after_a_circle_session_its_members_get_a_prompt_except_who_was_not_there(world):
    community = LearningCommunity.objects.create(organization=world.org, name="MI practice")
    members = [world.facilitator, world.other_facilitator, world.supervisor]
    community.members.add(*members)
    _schedule(world, PromptSchedule.Trigger.AFTER_SESSION, community=community)
    start = timezone.now() - timedelta(hours=3)
    circle = circles.circle_schedule(
        community=community, by=world.admin, members=members,
        data={"title": "Reflections lab", "focus": "reflections", "agenda": "",
              "starts_on": start.date(), "start_time": time(9), "time_zone": "UTC",
              "duration_minutes": 60, "location": "", "rrule": "FREQ=WEEKLY;COUNT=2",
              "host": world.supervisor},
    )  # fmt: skip
    session = circle.sessions.order_by("starts_at").first()
    session.starts_at, session.ends_at = start, start + timedelta(hours=1)
    session.save()
    circles.rsvp_set(session=session, user=world.other_facilitator, rsvp="not_going")
    circles.sessions_ended_signal()
    got = set(PromptDelivery.objects.values_list("recipient", flat=True))
    assert got == {world.facilitator.pk, world.supervisor.pk}
    assert PromptDelivery.objects.filter(circle_session=session, community=community).count() == 2
    circles.sessions_ended_signal()  # the signal goes once; planning again adds nothing
    prompts.session_prompts_plan(session=session)
    assert PromptDelivery.objects.count() == 2
    assert not SessionResponse.objects.filter(user=world.facilitator, attendance="absent")


# --- weekly, in each person's time zone, across daylight saving -------------------------

MADRID, NEW_YORK = "Europe/Madrid", "America/New_York"


def _beat_around_mondays(first_monday: date, weeks: int):
    """Beat every 20 minutes from Sunday noon to Tuesday 00:00 (UTC) of each week."""
    for week in range(weeks):
        monday = first_monday + timedelta(weeks=week)
        moment = datetime.combine(monday - timedelta(days=1), time(12), tzinfo=UTC)
        while moment < datetime.combine(monday + timedelta(days=1), time(0), tzinfo=UTC):
            yield moment
            moment += timedelta(minutes=20)


@pytest.mark.parametrize("zone", [MADRID, NEW_YORK])
def test_weekly_prompts_come_at_nine_local_time_before_and_after_the_clocks_change(world, zone):
    """Europe changes on 25 October 2026, the United States on 1 November 2026: a Monday
    09:00 prompt keeps 09:00 on the wall clock, so its UTC moment moves by an hour."""
    world.facilitator.time_zone = zone
    world.facilitator.save()
    schedule = _schedule(world, PromptSchedule.Trigger.WEEKLY, weekday=0, hour=9)
    PromptSchedule.objects.exclude(pk=schedule.pk).delete()
    others = [world.supervisor, world.other_facilitator, world.admin]
    for other in others:
        other.is_active = False
        other.save()
    for now in _beat_around_mondays(date(2026, 10, 19), weeks=4):
        prompts.weekly_prompts_plan(now=now)
    due = list(
        PromptDelivery.objects.filter(recipient=world.facilitator)
        .order_by("due_at")
        .values_list("due_at", flat=True)
    )
    local = zoneinfo.ZoneInfo(zone)
    assert [d.astimezone(local).replace(tzinfo=None) for d in due] == [
        datetime(2026, 10, 19, 9), datetime(2026, 10, 26, 9), datetime(2026, 11, 2, 9),
        datetime(2026, 11, 9, 9),
    ]  # fmt: skip
    utc_hours = [d.astimezone(UTC).hour for d in due]
    expected = {MADRID: [7, 8, 8, 8], NEW_YORK: [13, 13, 14, 14]}[zone]
    assert utc_hours == expected


def test_a_weekly_slot_missed_for_a_few_hours_is_caught_up_and_an_old_one_is_not(world):
    schedule = _schedule(world, PromptSchedule.Trigger.WEEKLY, weekday=0, hour=9)
    monday_nine = datetime(2026, 11, 16, 9, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert prompts.weekly_slot(schedule, "UTC", monday_nine + timedelta(hours=5)) == monday_nine
    assert prompts.weekly_slot(schedule, "UTC", monday_nine + timedelta(days=2)) is None
    assert prompts.weekly_slot(schedule, "UTC", monday_nine - timedelta(minutes=1)) is None
    schedule.created_at = monday_nine + timedelta(minutes=1)  # made after the slot
    assert prompts.weekly_slot(schedule, "UTC", monday_nine + timedelta(hours=1)) is None


def test_prompts_rotate_nobody_gets_the_same_one_twice_in_a_row(world):
    schedule = _schedule(world, PromptSchedule.Trigger.WEEKLY, weekday=0, hour=9,
                         tags=["open_questions", "affirmations", "summaries"])  # fmt: skip
    for week in range(8):
        monday = datetime(2026, 9, 7, 20, tzinfo=UTC) + timedelta(weeks=week)
        prompts.weekly_prompts_plan(now=monday)
    for person in (world.facilitator, world.supervisor, world.other_facilitator):
        got = list(
            PromptDelivery.objects.filter(recipient=person, schedule=schedule)
            .order_by("due_at")
            .values_list("wording__prompt__key", flat=True)
        )
        assert len(got) == 8
        assert all(a != b for a, b in itertools.pairwise(got))
        assert len(set(got[:4])) == 4  # every allowed prompt before any comes back


def test_two_prompts_alternate(world):
    _schedule(world, PromptSchedule.Trigger.WEEKLY, weekday=0, hour=9, tags=["summaries"])
    assert Prompt.objects.filter(tag="summaries").count() == 1
    prompts.prompt_add(
        organization=world.org, by=world.admin, tag="summaries",
        text_en="Which summary landed?", text_es="¿Qué resumen funcionó?",
    )  # fmt: skip
    for week in range(4):
        prompts.weekly_prompts_plan(
            now=datetime(2026, 9, 7, 20, tzinfo=UTC) + timedelta(weeks=week)
        )
    got = list(PromptDelivery.objects.filter(recipient=world.facilitator).order_by("due_at")
               .values_list("wording__prompt_id", flat=True))  # fmt: skip
    assert got[0] == got[2] != got[1] == got[3]


def test_an_inactive_membership_or_a_family_member_gets_no_weekly_prompt(world):
    _schedule(world, PromptSchedule.Trigger.WEEKLY, weekday=0, hour=9)
    world.other_facilitator.memberships.update(is_active=False)
    prompts.weekly_prompts_plan(now=datetime(2026, 11, 16, 20, tzinfo=UTC))
    got = set(PromptDelivery.objects.values_list("recipient", flat=True))
    assert world.facilitator.pk in got and world.other_facilitator.pk not in got
    assert world.family.pk not in got and world.outsider.pk not in got


# --- answering and the reminder -------------------------------------------------------


def test_answering_is_a_reflection_with_an_event_and_the_pending_emails_cancelled(
    world, client_for
):
    delivery = _deliver(world)
    client = client_for(world.facilitator)
    page = client.get(reverse("prompt_answer", args=[delivery.pk])).content.decode()
    assert delivery.wording.text_en.replace("'", "&#x27;") in page
    response = client.post(reverse("prompt_answer", args=[delivery.pk]), {
        "answer": "I asked <script>alert(1)</script> more than I reflected.",
        "try_next": "Two reflections per question.", "visibility": "shared",
        "principles": ["family_voice"],
    })  # fmt: skip
    reflection = Reflection.objects.get()
    assert response["Location"] == reverse("reflection_detail", args=[reflection.pk])
    delivery.refresh_from_db()
    assert delivery.answered_at and reflection.prompt_delivery == delivery
    assert reflection.team == world.team and reflection.visibility == "shared"
    assert EngagementEvent.objects.filter(kind="prompt_answered", actor=world.facilitator).exists()
    assert not _sent(world).filter(channel="email", state="pending").exists()
    detail = client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;" in detail and "<script>alert" not in detail
    # Opening the link again shows the answer; nothing is written twice.
    again = client.get(reverse("prompt_answer", args=[delivery.pk]))
    assert again.status_code == 302 and Reflection.objects.count() == 1


def test_an_empty_or_too_long_answer_is_refused_and_every_word_kept(world, client_for):
    delivery = _deliver(world)
    client = client_for(world.facilitator)
    url = reverse("prompt_answer", args=[delivery.pk])
    empty = client.post(url, {"answer": "   ", "try_next": "Keep me", "visibility": "private"})
    assert empty.status_code == 400 and "a few words are enough" in empty.content.decode()
    assert "Keep me" in empty.content.decode()
    long = client.post(url, {"answer": "x" * 2001, "visibility": "private"})
    assert long.status_code == 400 and not Reflection.objects.exists()
    assert ReflectionDraft.objects.get(subject=f"prompt:{delivery.pk}").data["answer"]


def test_a_prompt_for_someone_else_or_not_sent_yet_is_404(world, client_for):
    delivery = _deliver(world)
    for user in (world.other_facilitator, world.supervisor, world.outsider, world.family):
        client = client_for(user)
        url = reverse("prompt_answer", args=[delivery.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"answer": "x", "visibility": "private"}).status_code == 404
        assert client.post(reverse("prompt_draft", args=[delivery.pk]), {"answer": "x"}
                           ).status_code == 404  # fmt: skip
    assert not Reflection.objects.exists() and not ReflectionDraft.objects.exists()
    PromptDelivery.objects.filter(pk=delivery.pk).update(sent_at=None)
    client = client_for(world.facilitator)
    assert client.get(reverse("prompt_answer", args=[delivery.pk])).status_code == 404


def test_an_unanswered_prompt_is_reminded_once_after_seven_days(world, client_for):
    delivery = _deliver(world)
    sent = delivery.sent_at
    assert prompts.prompts_remind(now=sent + timedelta(days=6, hours=23)) == 0
    assert prompts.prompts_remind(now=sent + timedelta(days=7, minutes=1)) == 1
    assert prompts.prompts_remind(now=sent + timedelta(days=14)) == 0
    reminders = _sent(world, kind=MessageKind.PROMPT_REMINDER)
    assert sorted(reminders.values_list("channel", flat=True)) == ["app", "email"]
    assert "Still open" in reminders.get(channel="app").text
    # Answered prompts are never reminded.
    other = PromptDelivery.objects.create(
        organization=world.org, recipient=world.facilitator, wording=delivery.wording,
        occurrence="weekly:0:2026-01-05", due_at=sent, sent_at=sent, answered_at=sent,
    )  # fmt: skip
    assert prompts.prompts_remind(now=sent + timedelta(days=30)) == 0
    assert not Message.objects.filter(subject_key=f"prompt-reminder:{other.pk}").exists()


def test_the_prompt_reads_in_the_recipients_language(world):
    world.facilitator.language = "es"
    world.facilitator.save()
    delivery = _deliver(world)
    from django.utils import translation

    with translation.override("es"):
        assert delivery.wording.text_es in _sent(world).get(channel="app").text
    from communities.outbox import render_email

    email = render_email(_sent(world).get(channel="email"))
    assert delivery.wording.text_es in email.body and "Hola" in email.body


def test_my_prompts_lists_open_and_answered(world, client_for):
    delivery = _deliver(world)
    page = client_for(world.facilitator).get(reverse("my_prompts")).content.decode()
    assert reverse("prompt_answer", args=[delivery.pk]) in page
    assert client_for(world.family).get(reverse("my_prompts")).status_code == 403


def test_the_weeks_in_the_daylight_saving_test_start_on_mondays():
    assert date(2026, 10, 19).weekday() == 0 and date(2026, 11, 2).weekday() == 0
