"""Telling the right person once (DESIGN.md, "Delivery"): a drift signal's reminder to
the people its rule names, and the supervisors' digest of their programs' signals. Both
are rows of the one outbox, written in the scan's transaction; Celery sends them.

A reminder's outbox key carries the signal and its reminder number, so a signal reminds
once, and again only after its rule's interval (`remind_every_days`); a snoozed signal
is silent. A digest's key carries the supervisor and the period (their local day, or
ISO week), so each is written once."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from communities import outbox
from communities.models import (
    Cadence,
    FamilyTeam,
    Membership,
    Message,
    MessageKind,
    MessagePreference,
    Role,
    User,
)
from engagement import drift
from engagement.models import DriftRuleCode, DriftSignal
from reflections.practice_access import facilitating_in

# Supervisors' digests are written from this hour of their own day on.
DIGEST_HOUR = 7
_CODE = DriftRuleCode


def _subject_names(signal: DriftSignal) -> dict:
    return {
        "team": signal.team.name if signal.team_id else "",
        "person": (signal.person.get_full_name() or signal.person.email) if signal.person_id
        else "",
        "circle": signal.circle.title if signal.circle_id else "",
    }  # fmt: skip


def signal_url(signal: DriftSignal) -> str:
    return reverse("drift_signal", args=[signal.pk])


def _due(signal: DriftSignal, setting: drift.Setting, now: datetime, today) -> bool:
    if signal.is_snoozed(today):
        return False
    if signal.last_reminded_at is None:
        return True
    return signal.last_reminded_at <= now - timedelta(days=setting.remind_every_days)


def reminders_send(all_settings: dict, context: drift.Context) -> int:
    """Write the reminders due of the open signals of the scanned organisations, and
    count them on their signals, in one transaction. A fixed number of queries."""
    organization_ids = list(context.today)
    now = context.now
    with transaction.atomic():
        signals = list(
            DriftSignal.objects.filter(organization_id__in=organization_ids,
                                       resolved_at__isnull=True)
            .select_related("team", "person", "circle__host")
            .select_for_update(of=("self",), skip_locked=True)
        )  # fmt: skip
        due = [
            s for s in signals
            if _due(s, all_settings[s.organization_id, s.rule], now,
                    context.today[s.organization_id])
        ]  # fmt: skip
        if not due:
            return 0
        team_ids = {s.team_id for s in due if s.team_id}
        facilitators = defaultdict(list)
        for link in FamilyTeam.facilitators.through.objects.filter(
            familyteam_id__in=team_ids
        ).select_related("user"):
            facilitators[link.familyteam_id].append(link.user)
        program_ids = {s.program_id for s in due if s.rule == _CODE.LOW_PARTNERSHIP}
        supervisors = defaultdict(list)
        for link in Membership.supervised_programs.through.objects.filter(
            program_id__in=program_ids, membership__is_active=True,
            membership__role=Role.SUPERVISOR,
        ).select_related("membership__user"):  # fmt: skip
            supervisors[link.program_id].append(link.membership.user)
        coaches = User.objects.in_bulk(
            {s.evidence["coach"] for s in due if s.evidence.get("coach")}
        )
        notices = []
        for signal in due:
            recipients = _recipients(signal, facilitators, supervisors, coaches)
            number = signal.reminders_sent + 1
            notices.append(
                outbox.Notice(
                    recipients=tuple(recipients), kind=MessageKind.DRIFT_REMINDER,
                    subject_key=f"drift:{signal.pk}:{number}", team_id=signal.team_id,
                    organization_id=signal.organization_id, url=signal_url(signal),
                    params={"signal": signal.pk, "rule": signal.rule, "n": number,
                            "measured": signal.measured, "threshold": signal.threshold,
                            **_subject_names(signal)},
                )
            )  # fmt: skip
        outbox.notify_many(notices, now=now)
        DriftSignal.objects.filter(pk__in=[s.pk for s in due]).update(
            reminders_sent=F("reminders_sent") + 1, last_reminded_at=now
        )
    return len(due)


def _recipients(signal, facilitators, supervisors, coaches) -> list[User]:
    code = signal.rule
    if code in (_CODE.REFLECTION_GAP, _CODE.MEETING_GAP, _CODE.FAMILY_VOICE_ABSENT):
        return facilitators[signal.team_id]
    if code == _CODE.LOW_PARTNERSHIP:
        return facilitators[signal.team_id] + supervisors[signal.program_id]
    if code == _CODE.CIRCLE_LAPSE:
        return [signal.person, signal.circle.host if signal.circle_id else None]
    if code == _CODE.MI_PRACTICE:
        return [signal.person, coaches.get(signal.evidence.get("coach"))]
    return [signal.person]


# --- the supervisors' digest ---------------------------------------------------------------


def digest_period(cadence: str, local: datetime) -> str | None:
    """The period a digest written now belongs to, or None before DIGEST_HOUR on its
    first day (daily: every day; weekly: from Monday)."""
    if cadence == Cadence.WEEKLY:
        if local.weekday() == 0 and local.hour < DIGEST_HOUR:
            return None
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if local.hour < DIGEST_HOUR:
        return None
    return local.date().isoformat()


def digests_compose(*, now: datetime | None = None) -> int:
    """One digest per supervisor and period of the signals of the programs they oversee
    and of the facilitators in those programs (their own practice, prompts, circles):
    new (opened in the period's span), ongoing, resolved (in the span). Snoozed signals
    are left out; nothing is sent when there is nothing to say. A fixed number of
    queries."""
    now = now or timezone.now()
    memberships = list(
        Membership.objects.filter(role=Role.SUPERVISOR, is_active=True, user__is_active=True)
        .select_related("user")
        .annotate(programs=ArrayAgg("supervised_programs", default=[]))
    )
    memberships = [m for m in memberships if any(m.programs)]
    if not memberships:
        return 0
    chosen = {
        p.user_id: (p.email, p.cadence)
        for p in MessagePreference.objects.filter(
            user_id__in={m.user_id for m in memberships}, kind=MessageKind.DRIFT_DIGEST
        )
    }
    program_ids = {p for m in memberships for p in m.programs if p}
    # A person's own signals (MI practice, prompts, circle lapse) belong to no program:
    # a digest lists those of the facilitators the supervisor oversees (a team of theirs
    # in one of the programs, active in the organisation), as the signal list does.
    people_of = defaultdict(set)
    for program_id, person_id in (
        facilitating_in(program_ids).values_list("familyteam__program_id", "user_id").distinct()
    ):
        people_of[program_id].add(person_id)
    people = set().union(*people_of.values())
    week_ago = now - timedelta(days=7)
    signals = list(
        DriftSignal.objects.filter(
            Q(program_id__in=program_ids) | Q(program__isnull=True, person_id__in=people)
        )
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=week_ago))
        .only("pk", "organization_id", "program_id", "person_id", "opened_at", "resolved_at",
              "snoozed_until")
    )  # fmt: skip
    by_program, by_person = defaultdict(list), defaultdict(list)
    for signal in signals:
        if signal.program_id is not None:
            by_program[signal.program_id].append(signal)
        else:
            by_person[signal.organization_id, signal.person_id].append(signal)
    rows = []
    for membership in memberships:
        user = membership.user
        email_on, cadence = chosen.get(user.pk, (True, Cadence.DAILY))
        local = drift.local_time(now, user.time_zone)
        period = digest_period(cadence, local)
        if not email_on or period is None:
            continue
        since = now - timedelta(days=7 if cadence == Cadence.WEEKLY else 1)
        today = local.date()
        new, ongoing, resolved = [], [], []
        overseen = {p for program in membership.programs for p in people_of.get(program, ())}
        theirs = [s for program in membership.programs for s in by_program.get(program, [])]
        for person_id in sorted(overseen):
            theirs += by_person.get((membership.organization_id, person_id), [])
        for signal in theirs:
            if signal.resolved_at is not None:
                if signal.resolved_at >= since:
                    resolved.append(signal.pk)
            elif signal.is_snoozed(today):
                continue
            elif signal.opened_at >= since:
                new.append(signal.pk)
            else:
                ongoing.append(signal.pk)
        if not (new or ongoing or resolved):
            continue
        rows.append(
            Message(
                key=outbox.message_key("email", MessageKind.DRIFT_DIGEST,
                                       f"{membership.organization_id}:{cadence}",
                                       str(user.pk), period),
                channel=Message.Channel.EMAIL, kind=MessageKind.DRIFT_DIGEST, recipient=user,
                to_email=user.email, organization_id=membership.organization_id,
                subject_key=f"drift-digest:{cadence}",
                params={"new": sorted(new), "ongoing": sorted(ongoing),
                        "resolved": sorted(resolved), "cadence": cadence, "period": period},
                url=reverse("drift_signals"), language=user.language,
                state=Message.State.PENDING, next_attempt_at=outbox.after_quiet_hours(user, now),
            )
        )  # fmt: skip
    with transaction.atomic():
        return len(outbox.emails_queue(rows))


# --- how these messages read (registered with communities when engagement starts) -----------


def _signal_from_params(message: Message) -> DriftSignal:
    """An unsaved signal carrying what the message keeps, to put it in words."""
    params = message.params
    return DriftSignal(
        rule=params.get("rule", ""), measured=params.get("measured", {}),
        threshold=params.get("threshold", {}),
    )  # fmt: skip


def subject_line(rule: str, params: dict) -> str:
    name = params.get("team") or params.get("person") or ""
    if params.get("circle"):
        name = f"{name} · {params['circle']}"
    label = str(DriftRuleCode(rule).label) if rule in DriftRuleCode.values else rule
    return f"{label}: {name}" if name else label


def reminder_text(message: Message) -> str:
    signal = _signal_from_params(message)
    return f"{subject_line(signal.rule, message.params)} — {drift.measured_text(signal)}"


def reminder_context(message: Message) -> dict:
    signal = (
        DriftSignal.objects.select_related("team", "person", "circle")
        .filter(pk=message.params.get("signal"))
        .first()
    )
    if signal is None or not signal.is_open:
        raise outbox.NotNeeded("the signal was resolved")
    if signal.is_snoozed():
        raise outbox.NotNeeded("the signal was snoozed")
    rule = drift.RULES[signal.rule]
    return {
        "signal": signal,
        "rule": rule,
        "subject": subject_line(signal.rule, _subject_names(signal)),
        "measured": drift.measured_text(signal),
        "threshold": drift.threshold_text(signal),
        "window": drift.window_text(signal),
    }


def digest_context(message: Message) -> dict:
    params = message.params
    ids = [*params.get("new", []), *params.get("ongoing", []), *params.get("resolved", [])]
    signals = DriftSignal.objects.select_related("team", "person", "circle").in_bulk(ids)
    if not signals:
        raise outbox.NotNeeded("nothing left to summarise")

    def lines(key: str) -> list[dict]:
        return [
            {"subject": subject_line(s.rule, _subject_names(s)),
             "measured": drift.measured_text(s),
             "link": django_settings.SITE_URL + signal_url(s)}
            for s in (signals.get(pk) for pk in params.get(key, [])) if s is not None
        ]  # fmt: skip

    return {"new": lines("new"), "ongoing": lines("ongoing"), "resolved": lines("resolved"),
            "weekly": params.get("cadence") == Cadence.WEEKLY}  # fmt: skip


def digest_text(message: Message) -> str:
    from django.utils.translation import gettext as _

    params = message.params
    words = _(
        "Drift signals in your programs: %(new)s new, %(ongoing)s ongoing, %(resolved)s resolved"
    )
    return words % {
        "new": len(params.get("new", [])),
        "ongoing": len(params.get("ongoing", [])),
        "resolved": len(params.get("resolved", [])),
    }


def register() -> None:
    from communities.models import MESSAGE_TEXTS

    MESSAGE_TEXTS[MessageKind.DRIFT_REMINDER] = reminder_text
    MESSAGE_TEXTS[MessageKind.DRIFT_DIGEST] = digest_text
    outbox.EXTRA_CONTEXT[MessageKind.DRIFT_REMINDER] = reminder_context
    outbox.EXTRA_CONTEXT[MessageKind.DRIFT_DIGEST] = digest_context
