"""The scan as a whole: a fixed number of queries whatever the number of teams, no
duplicate when two scans run at once, reminders once per signal and interval, snoozed
signals silent, the supervisors' digests once per period in their own time zone."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import Cadence, FamilyTeam, Message, MessageKind, MessagePreference
from engagement import drift, drift_reminders
from engagement.models import DriftRuleCode as Code
from engagement.models import DriftScan, DriftSignal
from tests import factories
from tests.engagement.drift_helpers import NOW, meeting, open_signals, open_team, reflection, scan

pytestmark = pytest.mark.django_db


def _reminders(signal=None):
    rows = Message.objects.filter(kind=MessageKind.DRIFT_REMINDER)
    if signal is not None:
        rows = rows.filter(params__signal=signal.pk)
    return rows


@pytest.fixture
def gap(world):
    """Rivera has had no meeting for 40 days (and nothing else trips)."""
    open_team(world.team)
    world.other_team.closed_on = NOW.date()
    world.other_team.save()
    reflection(world.team, world.facilitator, 1)
    meeting(world.team, world.facilitator, 40)
    world.supervisor.time_zone = settings.TIME_ZONE  # the zone NOW is written in
    world.supervisor.save()
    return world


def test_a_signal_reminds_its_facilitator_once_then_again_after_the_interval(gap):
    scan(gap.org, remind=True)
    (signal,) = open_signals(gap.org, Code.MEETING_GAP)
    app, email = (
        _reminders(signal).filter(channel="app").get(),
        _reminders(signal).filter(channel="email").get(),
    )
    assert app.recipient == email.recipient == gap.facilitator
    assert app.params["measured"]["days"] == 40
    assert email.url == f"/drift/{signal.pk}/"
    # Hourly scans within the interval: nothing more.
    for hours in (1, 2, 24 * 7 - 1):
        scan(gap.org, NOW + timedelta(hours=hours), remind=True)
    assert _reminders(signal).count() == 2
    scan(gap.org, NOW + timedelta(days=7), remind=True)
    assert _reminders(signal).filter(channel="email").count() == 2
    signal.refresh_from_db()
    assert signal.reminders_sent == 2


def test_the_interval_is_the_organisations_own(gap):
    from tests.engagement.drift_helpers import set_rule

    set_rule(gap.org, Code.MEETING_GAP, remind_every_days=2)
    scan(gap.org, remind=True)
    scan(gap.org, NOW + timedelta(days=2), remind=True)
    assert _reminders().filter(channel="email").count() == 2


def test_a_snoozed_signal_is_silent_and_left_out_of_the_digest(gap):
    scan(gap.org, remind=False)
    (signal,) = open_signals(gap.org, Code.MEETING_GAP)
    drift.snooze(signal=signal, until=NOW.date() + timedelta(days=10), reason="family away",
                 by=gap.supervisor)  # fmt: skip
    scan(gap.org, remind=True)
    assert not _reminders().exists()
    assert not Message.objects.filter(kind=MessageKind.DRIFT_DIGEST).exists()
    # Awake again after the date: it reminds.
    scan(gap.org, NOW + timedelta(days=11), remind=True)
    assert _reminders(signal).filter(channel="email").count() == 1


def test_low_partnership_also_goes_to_the_programs_supervisors(world):
    from tests.engagement.drift_helpers import checkin

    open_team(world.team)
    for k in range(3):
        checkin(meeting(world.team, world.facilitator, 3 + k), world.family, 1, 2, 2)
    scan(world.org, remind=True)
    (signal,) = open_signals(world.org, Code.LOW_PARTNERSHIP)
    recipients = set(_reminders(signal).filter(channel="app").values_list("recipient", flat=True))
    # The facilitator, and both supervisors of Rivera's program (Sol, and Dee at Riverbend).
    assert recipients == {world.facilitator.pk, world.supervisor.pk, world.dual.pk}


def test_the_supervisor_digest_comes_once_a_day_after_seven_in_their_time_zone(gap):
    early = NOW.replace(hour=6, minute=30)
    scan(gap.org, early, remind=True)
    assert not Message.objects.filter(kind=MessageKind.DRIFT_DIGEST, recipient=gap.supervisor)
    for hour in (7, 8, 12):
        scan(gap.org, NOW.replace(hour=hour), remind=True)
    (digest,) = Message.objects.filter(kind=MessageKind.DRIFT_DIGEST, recipient=gap.supervisor)
    signal = open_signals(gap.org, Code.MEETING_GAP)[0]
    # Opened at 06:30 today: new in today's digest.
    assert digest.params["new"] == [signal.pk] and digest.params["ongoing"] == []
    assert digest.params["period"] == NOW.date().isoformat()
    scan(gap.org, NOW + timedelta(days=1), remind=True)
    assert Message.objects.filter(kind=MessageKind.DRIFT_DIGEST,
                                  recipient=gap.supervisor).count() == 2  # fmt: skip


def test_a_weekly_digest_comes_once_a_week(gap):
    MessagePreference.objects.create(user=gap.supervisor, kind=MessageKind.DRIFT_DIGEST,
                                     cadence=Cadence.WEEKLY)  # fmt: skip
    monday = NOW - timedelta(days=NOW.weekday())  # 2026-11-16, noon
    for day in range(7):
        scan(gap.org, monday + timedelta(days=day), remind=True)
    assert Message.objects.filter(kind=MessageKind.DRIFT_DIGEST,
                                  recipient=gap.supervisor).count() == 1  # fmt: skip


def test_a_digest_lists_new_and_resolved_signals(gap):
    scan(gap.org, NOW.replace(hour=8), remind=True)
    (first,) = Message.objects.filter(kind=MessageKind.DRIFT_DIGEST, recipient=gap.supervisor)
    (signal,) = open_signals(gap.org, Code.MEETING_GAP)
    assert first.params["new"] == [signal.pk]
    meeting(gap.team, gap.facilitator, -1)
    scan(gap.org, NOW.replace(hour=8) + timedelta(days=1), remind=True)
    digests = Message.objects.filter(kind=MessageKind.DRIFT_DIGEST, recipient=gap.supervisor)
    second = digests.exclude(pk=first.pk).get()
    assert second.params["resolved"] == [signal.pk]


def test_reminder_and_digest_read_in_the_app_in_the_readers_language(gap):
    from django.utils import translation

    scan(gap.org, remind=True)
    app = _reminders().filter(channel="app").get()
    assert app.text == "Meeting gap: Rivera — No meeting for 40 days (since Oct. 11, 2026)."
    with translation.override("es"):
        assert app.text.startswith("Brecha de reuniones: Rivera — Sin reuniones durante 40 días")


def test_the_hourly_scan_records_itself_and_finishes_an_admins_waiting_scan(gap):
    waiting = DriftScan.objects.create(
        organization=gap.org, rules_total=8, created_at=NOW - timedelta(minutes=1)
    )
    row = drift.scan_run(now=NOW)
    assert row.state == DriftScan.State.DONE and row.rules_done == row.rules_total == 8
    assert row.opened == DriftSignal.objects.count()  # every organisation's
    assert DriftSignal.objects.filter(organization=gap.org).count() == 1
    waiting.refresh_from_db()
    assert waiting.state == DriftScan.State.DONE


def test_an_admins_scan_runs_once_however_often_its_task_comes(gap):
    row = DriftScan.objects.create(organization=gap.org, rules_total=8)
    assert drift.scan_run(row.pk, now=NOW).state == DriftScan.State.DONE
    assert drift.scan_run(row.pk, now=NOW) is None


def _teams(world, count: int, org=None):
    """`count` more active teams of a new organisation, each with a facilitator and a
    supervisor, none with a meeting or reflection: every gap rule trips for each."""
    org = org or factories.make_org()
    program = factories.make_program(org)
    facilitator = factories.make_user()
    factories.make_member(facilitator, org, "facilitator")
    factories.make_member(factories.make_user(), org, "supervisor", program)
    teams = FamilyTeam.objects.bulk_create(
        FamilyTeam(program=program, name=f"Team {n}", opened_on=NOW.date() - timedelta(days=400))
        for n in range(count)
    )
    FamilyTeam.facilitators.through.objects.bulk_create(
        FamilyTeam.facilitators.through(familyteam_id=t.pk, user_id=facilitator.pk) for t in teams
    )
    return org


def _queries(org, now) -> int:
    with CaptureQueriesContext(connection) as captured:
        scan(org, now, remind=True)
    return len(captured)


def test_the_scan_runs_the_same_number_of_queries_for_10_and_1000_teams(world):
    small, large = _teams(world, 10), _teams(world, 1000)
    first = (_queries(small, NOW), _queries(large, NOW))
    assert DriftSignal.objects.filter(organization=large).count() == 3000
    assert first[0] == first[1]
    again = (_queries(small, NOW + timedelta(hours=1)), _queries(large, NOW + timedelta(hours=1)))
    assert again[0] == again[1]
    reminded = (_queries(small, NOW + timedelta(days=8)), _queries(large, NOW + timedelta(days=8)))
    assert reminded[0] == reminded[1]
    assert _reminders().filter(channel="email", organization=large).count() == 6000


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_open_no_duplicate(world):
    org = _teams(world, 200)
    errors = []
    start = threading.Barrier(2)

    def run():
        try:
            start.wait()
            drift.scan(organization_ids=[org.pk], now=NOW)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert DriftSignal.objects.filter(organization=org).count() == 600
    reminded = Message.objects.filter(kind=MessageKind.DRIFT_REMINDER, channel="email")
    assert reminded.count() == 600
    assert set(DriftSignal.objects.values_list("reminders_sent", flat=True)) == {1}


def test_signals_words_show_rule_threshold_value_and_window(gap):
    scan(gap.org)
    (signal,) = open_signals(gap.org, Code.MEETING_GAP)
    assert drift.threshold_text(signal) == "An active team has had no meeting for 30 days."
    assert drift.measured_text(signal) == "No meeting for 40 days (since Oct. 11, 2026)."
    assert drift.window_text(signal) == "Oct. 21, 2026 to Nov. 20, 2026"
    message = Message(kind=MessageKind.DRIFT_REMINDER, params={"signal": signal.pk})
    context = drift_reminders.reminder_context(message)
    assert context["rule"].next_step.startswith("Ask the family when and where")


def test_a_digest_lists_the_own_signals_of_the_facilitators_the_supervisor_oversees(world):
    """A person's signal belongs to no program: it reaches the supervisors of a program the
    person facilitates in, at their own organisation, and nobody else's digest."""
    for person in (world.supervisor, world.dual):
        person.time_zone = settings.TIME_ZONE
        person.save()

    def person_signal(org, person, rule):
        return DriftSignal.objects.create(organization=org, rule=rule, person=person,
                                          subject_key=f"person:{person.pk}",
                                          opened_at=NOW - timedelta(hours=2))  # fmt: skip

    fay = person_signal(world.org, world.facilitator, Code.MI_PRACTICE)  # Wraparound
    otto = person_signal(world.org, world.other_facilitator, Code.PROMPT_UNANSWERED)  # Youth
    person_signal(world.outsider_org, world.outsider, Code.MI_PRACTICE)  # Northside
    # Dee is a family member at Northside; her digest of Riverbend must not list it.
    person_signal(world.outsider_org, world.facilitator, Code.MI_PRACTICE)

    drift_reminders.digests_compose(now=NOW.replace(hour=8))
    digests = {
        m.recipient_id: m.params
        for m in Message.objects.filter(kind=MessageKind.DRIFT_DIGEST, channel="email")
    }
    assert sorted(digests[world.supervisor.pk]["new"]) == sorted([fay.pk, otto.pk])
    assert digests[world.dual.pk]["new"] == [fay.pk]
    assert set(digests) == {world.supervisor.pk, world.dual.pk}
