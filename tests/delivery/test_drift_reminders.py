"""Drift reminders end to end: beat's hourly scan, run by a real Celery worker, reaches
each facilitator once per signal (however often it runs), the supervisor once with the
day's digest, nobody for a snoozed signal; a worker killed while it sends loses nothing
and doubles nothing (the one message in flight comes again with the same Message-ID)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from communities import outbox
from communities.models import Message, MessageKind
from engagement import drift
from engagement.models import DriftSignal, Goal
from engagement.tasks import drift_scan_hourly
from tests.engagement.drift_helpers import meeting, open_team, reflection

from .conftest import settled, wait_until


def _zone_where_it_is_noon() -> str:
    """A fixed-offset zone where it is about noon now: the digest hour has passed."""
    offset = 12 - timezone.now().hour
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


def _drifting(world):
    """Rivera: no meeting for 40 days. Nguyen: no reflection ever, no meeting for 40."""
    for team in (world.team, world.other_team):
        open_team(team)
        meeting(team, team.facilitators.first(), 40)
    reflection(world.team, world.facilitator, 1)
    # Northside's goal in the family's words: nothing there trips.
    Goal.objects.filter(pk=world.outsider_goal.pk).update(statement_wording="family")
    for person in (world.supervisor, world.dual):
        person.time_zone = _zone_where_it_is_noon()
        person.save()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_each_signal_reminds_once_and_the_supervisor_gets_one_digest(
    world, broker, smtp, processes
):
    _drifting(world)
    world.other_facilitator.language = "es"
    world.other_facilitator.save()
    processes.worker()
    for _ in range(3):  # beat runs on; runs may even overlap
        drift_scan_hourly.delay()
    smtp.wait_for(5)
    drift_scan_hourly.delay()
    settled(broker)

    signals = DriftSignal.objects.filter(organization=world.org, resolved_at=None)
    assert sorted(signals.values_list("rule", flat=True)) == [
        "meeting_gap", "meeting_gap", "reflection_gap",
    ]  # fmt: skip
    received = smtp.messages
    assert smtp.message_ids == {m: 1 for m in smtp.message_ids}
    reminders = [m for m in received if "Drift signal" in m["Subject"]
                 or "Señal de desvío" in m["Subject"]]  # fmt: skip
    assert sorted(m["To"] for m in reminders) == sorted(
        [world.facilitator.email] + [world.other_facilitator.email] * 2
    )
    spanish = [m.get_body(preferencelist=("plain",)).get_content() for m in reminders
               if m["To"] == world.other_facilitator.email]  # fmt: skip
    assert all("Por qué recibes esto" in body for body in spanish)
    assert any("Sin reuniones durante" in body for body in spanish)
    english = next(m for m in reminders if m["To"] == world.facilitator.email)
    body = english.get_body(preferencelist=("plain",)).get_content()
    assert "Rule: Meeting gap — An active team has had no meeting for 30 days." in body
    assert "Ask the family when and where a meeting would work for them" in body
    digests = [m for m in received if "drift signals in your programs" in m["Subject"]]
    # Sol oversees both programs (three signals); Dee only Rivera's (one).
    assert sorted(m["To"] for m in digests) == sorted([world.supervisor.email, world.dual.email])
    assert len(received) == 5

    # A week on, still open: each signal reminds a second time, once; a snoozed one not.
    snoozed = signals.get(team=world.other_team, rule="reflection_gap")
    drift.snooze(signal=snoozed, until=timezone.localdate() + timedelta(days=30),
                 reason="Family away", by=world.supervisor)  # fmt: skip
    DriftSignal.objects.update(last_reminded_at=timezone.now() - timedelta(days=7, minutes=1))
    drift_scan_hourly.delay()
    drift_scan_hourly.delay()
    smtp.wait_for(7)
    settled(broker)
    assert len(smtp.messages) == 7
    assert smtp.message_ids == {m: 1 for m in smtp.message_ids}
    assert DriftSignal.objects.get(pk=snoozed.pk).reminders_sent == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_reminders_loses_and_doubles_nothing(
    world, broker, smtp, processes, settings
):
    settings.OUTBOX_LEASE_SECONDS = 2
    lease = {"OUTBOX_LEASE_SECONDS": "2"}
    smtp.handler.delay = 0.5
    _drifting(world)
    for n in range(6):  # more teams of Fay's, each with a meeting gap
        from tests.factories import make_team

        team = make_team(world.program, facilitator=world.facilitator, name=f"Extra {n}")
        open_team(team)
    first = processes.worker("first", **lease)
    drift_scan_hourly.delay()
    smtp.wait_for(3, timeout=60)
    processes.kill(first)  # in the middle of sending: one email is at the server, unanswered
    in_flight = list(Message.objects.filter(state="sending"))

    processes.worker("second", **lease)
    wait_until(lambda: not Message.objects.filter(channel="email", state="pending").exists(),
               timeout=60, what="the second worker to send the rest")  # fmt: skip
    wait_until(lambda: not Message.objects.filter(state="sending",
                                                  lease_until__gt=timezone.now()).exists(),
               timeout=10, what="the leases to run out")  # fmt: skip
    outbox.outbox_sweep()
    settled(broker)

    emails = Message.objects.filter(channel="email", organization=world.org)
    assert not emails.exclude(state="sent").exists()
    expected = {outbox.message_id_for(m) for m in emails}
    received = smtp.message_ids
    assert set(received) == expected  # nothing lost
    twice = {m for m, n in received.items() if n > 1}
    assert twice <= {outbox.message_id_for(m) for m in in_flight}  # only the one in flight
    reminders = emails.filter(kind=MessageKind.DRIFT_REMINDER)
    # One reminder per signal: the scan wrote them and counted them in one transaction.
    assert reminders.count() == DriftSignal.objects.filter(organization=world.org).count()
    assert set(DriftSignal.objects.values_list("reminders_sent", flat=True)) == {1}
