"""Reflection prompts: the library, an organisation's own prompts, schedules, and the
deliveries that bring one prompt to one person at one occurrence.

How a prompt travels:
1. **Planning** writes a `PromptDelivery` (recipient × occurrence, unique) with the
   moment it is due: after a team meeting is recorded (`meeting_prompts_plan`, in the
   meeting's transaction, due after the schedule's delay), when a circle session ended
   (`session_prompts_plan`, on the `circle_session_ended` signal), or for a weekly
   schedule at its day and hour in each recipient's own time zone (`weekly_prompts_plan`,
   from the periodic task: the latest slot not yet planned, so a missed run catches up).
2. **Sending** (`prompts_send_due`, periodic) hands each due delivery to the outbox
   (in-app + email with the link to the answer form) and marks it sent, in one
   transaction; the outbox's unique key makes a second run write nothing.
3. **Reminding** (`prompts_remind`, periodic): once, 7 days after sending, if unanswered.
4. **Answering** (`prompt_answer`) is writing a reflection that keeps the delivery, hence
   the exact wording asked; unsent emails about it are cancelled.

Rotation: each recipient gets, among the prompts the schedule allows, the one they were
sent least recently (never-sent first), so nobody gets the same prompt twice in a row
while a schedule has two or more prompts.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from communities import outbox
from communities.audit import audit_entry_create
from communities.models import (
    CircleSession,
    MessageKind,
    Organization,
    Role,
    SessionResponse,
    TeamMeeting,
    User,
)
from reflections.models import (
    Prompt,
    PromptDelivery,
    PromptSchedule,
    PromptWording,
    Reflection,
)
from reflections.prompt_library import LIBRARY
from reflections.services import reflection_logged_finish

REMIND_AFTER = timedelta(days=7)
# A weekly slot missed by more than this (the queue was down for days) is skipped.
WEEKLY_CATCH_UP = timedelta(hours=24)
SEND_BATCH = 500
STAFF_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)


# --- the library and an organisation's own prompts -------------------------------------


def prompt_library_load(prompt_model=Prompt, wording_model=PromptWording) -> int:
    """Load the built-in library: new prompts are added; changed words become a new
    version (answers keep the version they were asked in). Returns prompts touched.
    (Takes the models so the data migration can pass its historical ones.)"""
    touched = 0
    for key, tag, text_en, text_es in LIBRARY:
        prompt, _created = prompt_model.objects.get_or_create(key=key, defaults={"tag": tag})
        latest = wording_model.objects.filter(prompt=prompt).order_by("-version").first()
        if latest is None or (latest.text_en, latest.text_es) != (text_en, text_es):
            wording_model.objects.create(
                prompt=prompt, version=(latest.version + 1) if latest else 1,
                text_en=text_en, text_es=text_es,
            )  # fmt: skip
            touched += 1
        elif prompt.tag != tag:
            prompt_model.objects.filter(pk=prompt.pk).update(tag=tag)
            touched += 1
    return touched


@transaction.atomic
def prompt_add(
    *, organization: Organization, by: User, tag: str, text_en: str, text_es: str
) -> Prompt:
    """An admin's own prompt, version 1."""
    prompt = Prompt.objects.create(organization=organization, tag=tag, created_by=by)
    PromptWording.objects.create(prompt=prompt, version=1, text_en=text_en, text_es=text_es)
    audit_entry_create(
        actor=by, action="create", subject=f"prompt {prompt.pk}", organization=organization,
        detail={"tag": tag},
    )  # fmt: skip
    return prompt


@transaction.atomic
def prompt_reword(
    *, prompt: Prompt, by: User, tag: str, text_en: str, text_es: str, active: bool
) -> Prompt:
    """New words are a new version; earlier answers keep theirs."""
    prompt = Prompt.objects.select_for_update().get(pk=prompt.pk)
    latest = prompt.wordings.order_by("-version").first()
    if latest is None or (latest.text_en, latest.text_es) != (text_en, text_es):
        PromptWording.objects.create(
            prompt=prompt, version=(latest.version + 1) if latest else 1,
            text_en=text_en, text_es=text_es,
        )  # fmt: skip
    prompt.tag, prompt.active = tag, active
    prompt.save(update_fields=["tag", "active"])
    audit_entry_create(
        actor=by, action="update", subject=f"prompt {prompt.pk}",
        organization=prompt.organization, detail={"tag": tag, "active": active},
    )  # fmt: skip
    return prompt


@transaction.atomic
def schedule_save(*, schedule: PromptSchedule, by: User) -> PromptSchedule:
    """Create or change a schedule (validated by the form)."""
    created = schedule.pk is None
    if created:
        schedule.created_by = by
    schedule.save()
    audit_entry_create(
        actor=by, action="create" if created else "update",
        subject=f"prompt schedule {schedule.pk}", organization=schedule.organization,
        detail={"trigger": schedule.trigger, "active": schedule.active},
    )  # fmt: skip
    return schedule


# --- choosing a prompt (rotation) ------------------------------------------------------


def _eligible_prompts(schedule: PromptSchedule) -> list[Prompt]:
    prompts = Prompt.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=schedule.organization_id),
        active=True,
        coaching=False,
    )
    if schedule.tags:
        prompts = prompts.filter(tag__in=schedule.tags)
    return list(prompts.order_by("id"))


def current_wordings(prompt_ids: Iterable[int]) -> dict[int, PromptWording]:
    wordings = PromptWording.objects.filter(prompt_id__in=list(prompt_ids)).order_by(
        "prompt_id", "-version"
    ).distinct("prompt_id")  # fmt: skip
    return {w.prompt_id: w for w in wordings}


def rotation_choose(
    prompts: list[Prompt], last_sent: dict[int, datetime], recipient_id: int
) -> Prompt | None:
    """The prompt this recipient was sent least recently (never-sent first; among those
    never sent, a fixed offset per person so a team does not all get the same one)."""
    if not prompts:
        return None
    n = len(prompts)
    order = {p.pk: (i - recipient_id) % n for i, p in enumerate(prompts)}
    epoch = datetime.min.replace(tzinfo=UTC)
    return min(prompts, key=lambda p: (last_sent.get(p.pk, epoch), order[p.pk]))


def _last_sent(recipient_ids: list[int]) -> dict[int, dict[int, datetime]]:
    """recipient → prompt → when it was last planned for them (one query)."""
    rows = (
        PromptDelivery.objects.filter(recipient_id__in=recipient_ids)
        .values("recipient_id", "wording__prompt_id")
        .annotate(last=Max("due_at"))
    )
    seen: dict[int, dict[int, datetime]] = {}
    for row in rows:
        seen.setdefault(row["recipient_id"], {})[row["wording__prompt_id"]] = row["last"]
    return seen


def _plan(
    schedule: PromptSchedule, wanted: list[tuple[User, str, datetime]], **about
) -> list[PromptDelivery]:
    """Write one delivery per (recipient, occurrence, due) wanted; existing ones stay as
    they are: at most once per recipient × occurrence."""
    if not wanted:
        return []
    prompts = _eligible_prompts(schedule)
    wordings = current_wordings(p.pk for p in prompts)
    prompts = [p for p in prompts if p.pk in wordings]
    if not prompts:
        return []
    last_sent = _last_sent([recipient.pk for recipient, _, _ in wanted])
    planned = []
    for recipient, occurrence_key, due in wanted:
        prompt = rotation_choose(prompts, last_sent.get(recipient.pk, {}), recipient.pk)
        try:
            with transaction.atomic():
                delivery, created = PromptDelivery.objects.get_or_create(
                    recipient=recipient,
                    occurrence=occurrence_key,
                    defaults={
                        "schedule": schedule,
                        "organization_id": schedule.organization_id,
                        "wording": wordings[prompt.pk],
                        "due_at": due,
                        **about,
                    },
                )
        except IntegrityError:  # planned by a concurrent run in the meantime
            continue
        if created:
            last_sent.setdefault(recipient.pk, {})[prompt.pk] = due
            planned.append(delivery)
    return planned


def _active_staff(organization_id: int):
    return User.objects.filter(
        is_active=True,
        memberships__organization_id=organization_id,
        memberships__is_active=True,
        memberships__role__in=STAFF_ROLES,
    )


def _schedules(organization_id: int, trigger: str):
    return PromptSchedule.objects.filter(
        organization_id=organization_id, trigger=trigger, active=True
    ).select_related("community")


# --- planning --------------------------------------------------------------------------


def meeting_prompts_plan(*, meeting: TeamMeeting, now: datetime | None = None) -> int:
    """After a team meeting is recorded: its facilitators (those in the schedule's
    community, when it has one) get a prompt after the schedule's delay."""
    now = now or timezone.now()
    team = meeting.team
    organization_id = team.program.organization_id
    facilitators = _active_staff(organization_id).filter(pk__in=team.facilitators.all())
    count = 0
    for schedule in _schedules(organization_id, PromptSchedule.Trigger.AFTER_MEETING):
        people = facilitators
        if schedule.community_id:
            people = people.filter(learning_communities=schedule.community_id)
        due = now + timedelta(hours=schedule.delay_hours)
        wanted = [(person, f"meeting:{meeting.pk}", due) for person in people.distinct()]
        count += len(_plan(schedule, wanted, team=team, meeting=meeting))
    return count


def session_prompts_plan(*, session: CircleSession, now: datetime | None = None) -> int:
    """When a circle session ended: its members, except those who said they would not
    come or were recorded absent or excused, get a prompt now."""
    now = now or timezone.now()
    community = session.circle.community
    away = SessionResponse.objects.filter(session=session).filter(
        Q(rsvp=SessionResponse.Rsvp.NOT_GOING)
        | Q(attendance__in=[SessionResponse.Attendance.ABSENT, SessionResponse.Attendance.EXCUSED])
    )
    members = (
        _active_staff(community.organization_id)
        .filter(pk__in=session.circle.members.all())
        .exclude(pk__in=away.values("user_id"))
        .distinct()
    )
    count = 0
    for schedule in _schedules(community.organization_id, PromptSchedule.Trigger.AFTER_SESSION):
        if schedule.community_id and schedule.community_id != community.pk:
            continue
        wanted = [(person, f"session:{session.pk}", now) for person in members]
        count += len(_plan(schedule, wanted, circle_session=session, community=community))
    return count


def weekly_slot(schedule: PromptSchedule, zone_name: str, now: datetime) -> datetime | None:
    """The latest weekly slot (the schedule's day and hour in this time zone) at or
    before `now`, if it came after the schedule was made and not too long ago."""
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - schedule.weekday) % 7)
    slot = _wall_time(day, schedule.hour, zone)
    if slot > now:
        slot = _wall_time(day - timedelta(days=7), schedule.hour, zone)
    if slot < schedule.created_at or now - slot > WEEKLY_CATCH_UP:
        return None
    return slot


def _wall_time(day: date, hour: int, zone: zoneinfo.ZoneInfo) -> datetime:
    """`hour` o'clock on `day` in `zone`: the first of a repeated hour (clocks go back);
    an hour skipped when clocks go forward is read on the new clock (03:00 for 02:00)."""
    slot = datetime.combine(day, time(hour), tzinfo=zone)
    return slot.astimezone(UTC).astimezone(zone)


def weekly_prompts_plan(*, now: datetime | None = None) -> int:
    """Every weekly schedule: each recipient whose local slot has come gets the prompt
    of that week (the occurrence names the schedule and the local date)."""
    now = now or timezone.now()
    count = 0
    for schedule in PromptSchedule.objects.filter(
        trigger=PromptSchedule.Trigger.WEEKLY, active=True
    ).select_related("community"):
        people = _active_staff(schedule.organization_id)
        if schedule.community_id:
            people = people.filter(learning_communities=schedule.community_id)
        wanted = []
        for person in people.distinct().only("pk", "time_zone"):
            slot = weekly_slot(schedule, person.time_zone, now)
            if slot is not None:
                wanted.append((person, f"weekly:{schedule.pk}:{slot.date().isoformat()}", slot))
        already = set(
            PromptDelivery.objects.filter(
                recipient__in=[person for person, _, _ in wanted],
                occurrence__in={occurrence for _, occurrence, _ in wanted},
            ).values_list("recipient_id", "occurrence")
        )
        wanted = [w for w in wanted if (w[0].pk, w[1]) not in already]
        count += len(_plan(schedule, wanted, community=schedule.community))
    return count


# --- sending ---------------------------------------------------------------------------


def answer_url(delivery: PromptDelivery) -> str:
    return reverse("prompt_answer", args=[delivery.pk])


def _params(delivery: PromptDelivery) -> dict:
    return {
        "prompt_en": delivery.wording.text_en,
        "prompt_es": delivery.wording.text_es,
        "delivery": delivery.pk,
    }


def prompts_send_due(*, now: datetime | None = None, limit: int = SEND_BATCH) -> int:
    """Hand every due, unsent delivery to the outbox and mark it sent (one transaction
    per batch; rows another run holds are skipped)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            PromptDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(sent_at__isnull=True, due_at__lte=now, recipient__is_active=True)
            .select_related("wording", "recipient", "organization")
            .order_by("due_at", "id")[:limit]
        )
        for delivery in due:
            _to_outbox(delivery, now=now)
            delivery.sent_at = now
        PromptDelivery.objects.bulk_update(due, ["sent_at"])
    return len(due)


def _to_outbox(delivery: PromptDelivery, *, now: datetime) -> None:
    outbox.notify(
        recipients=[delivery.recipient], kind=MessageKind.REFLECTION_PROMPT,
        subject_key=f"prompt:{delivery.pk}", organization=delivery.organization,
        params=_params(delivery), url=answer_url(delivery), now=now,
    )  # fmt: skip


def delivery_send(delivery: PromptDelivery, *, now: datetime | None = None) -> None:
    """Send one delivery now (a coach's prompt), in the caller's transaction: the same
    message as a scheduled one, reminded after 7 days like any other."""
    now = now or timezone.now()
    _to_outbox(delivery, now=now)
    delivery.sent_at = now
    delivery.save(update_fields=["sent_at"])


def prompts_remind(*, now: datetime | None = None, limit: int = SEND_BATCH) -> int:
    """Once, 7 days after sending, for a prompt still unanswered."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            PromptDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                sent_at__lte=now - REMIND_AFTER,
                answered_at__isnull=True,
                reminded_at__isnull=True,
                recipient__is_active=True,
            )
            .select_related("wording", "recipient", "organization")
            .order_by("sent_at", "id")[:limit]
        )
        for delivery in due:
            outbox.notify(
                recipients=[delivery.recipient], kind=MessageKind.PROMPT_REMINDER,
                subject_key=f"prompt-reminder:{delivery.pk}", organization=delivery.organization,
                params=_params(delivery), url=answer_url(delivery), now=now,
            )  # fmt: skip
            delivery.reminded_at = now
        PromptDelivery.objects.bulk_update(due, ["reminded_at"])
    return len(due)


def prompts_tick(*, now: datetime | None = None) -> dict:
    """The periodic task's work: plan the weekly prompts, send what is due, remind."""
    now = now or timezone.now()
    return {
        "planned": weekly_prompts_plan(now=now),
        "sent": prompts_send_due(now=now),
        "reminded": prompts_remind(now=now),
    }


# --- answering -------------------------------------------------------------------------


def answer_draft_subject(delivery: PromptDelivery) -> str:
    return f"prompt:{delivery.pk}"


@transaction.atomic
def prompt_answer(*, delivery: PromptDelivery, author: User, data: dict) -> Reflection:
    """The answer is a reflection that keeps the delivery (and so the wording asked).
    Precondition: `author` is the delivery's recipient (access layer); data passed the
    form. Answering twice returns the first answer."""
    delivery = PromptDelivery.objects.select_for_update().get(pk=delivery.pk)
    existing = Reflection.objects.filter(prompt_delivery=delivery).first()
    if existing is not None:
        return existing
    reflection = Reflection.objects.create(
        author=author, organization_id=delivery.organization_id, team_id=delivery.team_id,
        meeting_id=delivery.meeting_id, circle_session_id=delivery.circle_session_id,
        community_id=delivery.community_id, prompt_delivery=delivery, **data,
    )  # fmt: skip
    delivery.answered_at = reflection.created_at
    delivery.save(update_fields=["answered_at"])
    for key in (f"prompt:{delivery.pk}", f"prompt-reminder:{delivery.pk}"):
        outbox.message_cancel(recipient=author, subject_key=key)
    reflection_logged_finish(
        reflection, draft_subject=answer_draft_subject(delivery),
        organization=delivery.organization, detail={"prompt_delivery": delivery.pk},
    )  # fmt: skip
    return reflection
