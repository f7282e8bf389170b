"""Each drift rule trips and resolves on hand-built data at its exact boundary: one day
(or one rating step) before the threshold, on it, and after it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from communities.models import Role
from engagement import drift
from engagement.models import DriftRuleCode as Code
from engagement.models import DriftSignal, Goal, Wording
from reflections.prompts import prompt_library_load
from tests.engagement.drift_helpers import (
    NOW,
    attendance,
    checkin,
    circle_with_sessions,
    days_ago,
    family_edit,
    meeting,
    observation,
    open_signals,
    open_team,
    prompt_sent,
    reflection,
    scan,
    set_rule,
)

pytestmark = pytest.mark.django_db


def _only_rule(world, code):
    """Turn every other rule off, so each test sees only its own."""
    for other in Code.values:
        if other != code:
            set_rule(world.org, other, enabled=False)


@pytest.fixture
def teams(world):
    open_team(world.team)
    world.other_team.closed_on = NOW.date()  # closed teams never trip
    world.other_team.save()
    return world


@pytest.mark.parametrize(("ago", "trips"), [(13, False), (14, True), (15, True)])
def test_reflection_gap_trips_from_14_days(teams, ago, trips):
    _only_rule(teams, Code.REFLECTION_GAP)
    reflection(teams.team, teams.facilitator, ago)
    scan(teams.org)
    signals = open_signals(teams.org, Code.REFLECTION_GAP)
    assert [s.team_id for s in signals] == ([teams.team.pk] if trips else [])
    if trips:
        (signal,) = signals
        assert signal.measured["days"] == ago
        assert signal.threshold == {"days": 14}
        assert signal.window_end == NOW.date()
        assert signal.evidence["reflections"]


def test_reflection_gap_resolves_when_a_reflection_is_logged_and_keeps_its_history(teams):
    _only_rule(teams, Code.REFLECTION_GAP)
    reflection(teams.team, teams.facilitator, 20)
    scan(teams.org)
    (signal,) = open_signals(teams.org, Code.REFLECTION_GAP)
    reflection(teams.team, teams.facilitator, 0)
    scan(teams.org, NOW + timedelta(hours=1))
    signal.refresh_from_db()
    assert signal.resolved_at == NOW + timedelta(hours=1)
    assert signal.duration == timedelta(hours=1)
    assert open_signals(teams.org, Code.REFLECTION_GAP) == []
    # A new gap later opens a new signal; the first stays in the history.
    scan(teams.org, NOW + timedelta(days=15))
    assert DriftSignal.objects.filter(team=teams.team, rule=Code.REFLECTION_GAP).count() == 2


def test_a_team_without_any_reflection_counts_from_the_day_it_opened(teams):
    _only_rule(teams, Code.REFLECTION_GAP)
    open_team(teams.team, days=13)
    scan(teams.org)
    assert open_signals(teams.org, Code.REFLECTION_GAP) == []
    open_team(teams.team, days=14)
    scan(teams.org)
    (signal,) = open_signals(teams.org, Code.REFLECTION_GAP)
    assert signal.measured["never"] is True


@pytest.mark.parametrize(("ago", "trips"), [(29, False), (30, True), (31, True)])
def test_meeting_gap_trips_from_30_days(teams, ago, trips):
    _only_rule(teams, Code.MEETING_GAP)
    meeting(teams.team, teams.facilitator, ago)
    scan(teams.org)
    assert bool(open_signals(teams.org, Code.MEETING_GAP)) is trips


def test_meeting_gap_uses_the_organisations_own_threshold(teams):
    _only_rule(teams, Code.MEETING_GAP)
    meeting(teams.team, teams.facilitator, 10)
    set_rule(teams.org, Code.MEETING_GAP, days=10)
    scan(teams.org)
    (signal,) = open_signals(teams.org, Code.MEETING_GAP)
    assert signal.threshold == {"days": 10}
    set_rule(teams.org, Code.MEETING_GAP, days=11)
    scan(teams.org)
    assert open_signals(teams.org, Code.MEETING_GAP) == []


@pytest.mark.parametrize(("ago", "trips"), [(44, False), (45, True), (46, True)])
def test_family_voice_absent_trips_45_days_after_the_familys_last_goal_edit(teams, ago, trips):
    _only_rule(teams, Code.FAMILY_VOICE_ABSENT)
    teams.goal.revisions.all().delete()
    family_edit(teams.goal, teams.family, ago)
    scan(teams.org)
    assert bool(open_signals(teams.org, Code.FAMILY_VOICE_ABSENT)) is trips


def test_family_voice_absent_trips_when_every_active_goal_is_worded_by_staff(teams):
    _only_rule(teams, Code.FAMILY_VOICE_ABSENT)
    family_edit(teams.goal, teams.family, 1)
    scan(teams.org)
    assert open_signals(teams.org, Code.FAMILY_VOICE_ABSENT) == []
    Goal.objects.filter(pk=teams.goal.pk).update(statement_wording=Wording.STAFF)
    scan(teams.org)
    (signal,) = open_signals(teams.org, Code.FAMILY_VOICE_ABSENT)
    assert signal.measured["all_staff"] is True
    assert signal.evidence["goals"] == [teams.goal.pk]
    # Set aside, the staff-worded goal no longer counts.
    Goal.objects.filter(pk=teams.goal.pk).update(status="set_aside", set_aside_reason="done")
    scan(teams.org)
    assert open_signals(teams.org, Code.FAMILY_VOICE_ABSENT) == []


@pytest.mark.parametrize(
    ("ratings", "trips"),
    [
        ([(3, 4, 4), (3, 4, 4), (3, 4, 4)], False),  # mean agency exactly 3: not below
        ([(3, 4, 4), (3, 4, 4), (2, 4, 4)], True),  # 8/3 < 3
        ([(5, 5, 5), (5, 5, 5), (5, 5, 2)], False),  # partnership 4
    ],
)
def test_low_partnership_trips_below_3_over_the_last_3_meetings(teams, ratings, trips):
    _only_rule(teams, Code.LOW_PARTNERSHIP)
    old = meeting(teams.team, teams.facilitator, 40)
    checkin(old, teams.family, 1, 1, 1)  # a fourth meeting back: outside the sample
    for k, (a, r, p) in enumerate(ratings):
        checkin(meeting(teams.team, teams.facilitator, 30 - k * 7), teams.family, a, r, p)
    scan(teams.org)
    signals = open_signals(teams.org, Code.LOW_PARTNERSHIP)
    assert bool(signals) is trips
    if trips:
        assert signals[0].measured["low"] == ["agency"]
        assert signals[0].measured["means"]["agency"] == pytest.approx(2.67)
        assert len(signals[0].evidence["meetings"]) == 3


def test_low_partnership_waits_for_ratings(teams):
    _only_rule(teams, Code.LOW_PARTNERSHIP)
    meeting(teams.team, teams.facilitator, 3)
    scan(teams.org)
    assert open_signals(teams.org, Code.LOW_PARTNERSHIP) == []


@pytest.mark.parametrize(
    ("marks", "trips"),
    [(["absent"], False), (["present", "absent"], False), (["absent", "absent"], True),
     (["absent", "excused"], False)],
)  # fmt: skip
def test_circle_lapse_trips_after_2_missed_sessions_in_a_row(world, marks, trips):
    _only_rule(world, Code.CIRCLE_LAPSE)
    _circle, sessions = circle_with_sessions(
        world.org, world.supervisor, [world.facilitator], count=len(marks)
    )
    for session, mark in zip(sessions, marks, strict=True):
        attendance(session, world.facilitator, mark)
    scan(world.org)
    signals = open_signals(world.org, Code.CIRCLE_LAPSE)
    assert [s.person_id for s in signals] == ([world.facilitator.pk] if trips else [])


def test_circle_lapse_resolves_when_the_member_comes_back(world):
    _only_rule(world, Code.CIRCLE_LAPSE)
    _circle, sessions = circle_with_sessions(
        world.org, world.supervisor, [world.facilitator], count=3, last_days_ago=1
    )
    attendance(sessions[0], world.facilitator, "absent")
    attendance(sessions[1], world.facilitator, "absent")
    scan(world.org, days_ago(3))  # before the third session
    assert len(open_signals(world.org, Code.CIRCLE_LAPSE)) == 1
    attendance(sessions[2], world.facilitator, "present")
    scan(world.org)
    assert open_signals(world.org, Code.CIRCLE_LAPSE) == []


@pytest.mark.parametrize(
    ("counts", "trips"),
    [
        ((10, 6, 4), False),  # R:Q 1.0 and %CR 40: on the fair line, not below it
        ((10, 6, 3), True),  # R:Q 0.9
        ((10, 7, 4), True),  # %CR 36
    ],
)
def test_mi_practice_trips_below_the_fair_thresholds(world, counts, trips):
    _only_rule(world, Code.MI_PRACTICE)
    questions, simple, complex_ = counts
    observation(world.org, world.facilitator, world.supervisor, 3, questions=questions,
                simple=simple, complex_=complex_)  # fmt: skip
    scan(world.org)
    signals = open_signals(world.org, Code.MI_PRACTICE)
    assert bool(signals) is trips
    if trips:
        assert signals[0].evidence["coach"] == world.supervisor.pk


def test_mi_practice_trips_when_rq_falls_across_the_last_3(world):
    _only_rule(world, Code.MI_PRACTICE)
    for ago, reflections in ((60, 30), (30, 25)):
        observation(world.org, world.facilitator, world.supervisor, ago, questions=10,
                    simple=reflections // 2, complex_=reflections - reflections // 2)  # fmt: skip
    observation(world.org, world.facilitator, world.supervisor, 3, questions=10, simple=10,
                complex_=10)  # fmt: skip
    scan(world.org)
    (signal,) = open_signals(world.org, Code.MI_PRACTICE)
    assert signal.measured["falling"] is True
    assert signal.measured["below"] == []
    assert signal.measured["series"] == [3.0, 2.5, 2.0]
    # A rise on the latest breaks the fall and clears the signal.
    observation(world.org, world.facilitator, world.supervisor, 1, questions=10, simple=15,
                complex_=15)  # fmt: skip
    scan(world.org)
    assert open_signals(world.org, Code.MI_PRACTICE) == []


@pytest.mark.parametrize(("age", "trips"), [(timedelta(days=7) - timedelta(minutes=1), False),
                                            (timedelta(days=7), True),
                                            (timedelta(days=8), True)])  # fmt: skip
def test_prompt_unanswered_trips_after_7_days(world, age, trips):
    prompt_library_load()
    _only_rule(world, Code.PROMPT_UNANSWERED)
    delivery = prompt_sent(world.org, world.facilitator, NOW - age)
    scan(world.org)
    signals = open_signals(world.org, Code.PROMPT_UNANSWERED)
    assert bool(signals) is trips
    if trips:
        delivery.answered_at = NOW
        delivery.save()
        scan(world.org, NOW + timedelta(minutes=5))
        assert open_signals(world.org, Code.PROMPT_UNANSWERED) == []


def test_turning_a_rule_off_resolves_its_open_signals(teams):
    _only_rule(teams, Code.MEETING_GAP)
    scan(teams.org)
    assert open_signals(teams.org, Code.MEETING_GAP)
    set_rule(teams.org, Code.MEETING_GAP, enabled=False)
    scan(teams.org)
    assert open_signals(teams.org, Code.MEETING_GAP) == []


def test_another_organisations_rules_and_teams_are_their_own(teams):
    _only_rule(teams, Code.MEETING_GAP)
    open_team(teams.outsider_team)
    scan(teams.org)
    assert {s.team_id for s in DriftSignal.objects.all()} == {teams.team.pk}


def test_the_database_allows_one_open_signal_per_rule_and_subject(teams):
    _only_rule(teams, Code.MEETING_GAP)
    scan(teams.org)
    (signal,) = open_signals(teams.org, Code.MEETING_GAP)
    with pytest.raises(IntegrityError), transaction.atomic():
        DriftSignal.objects.create(organization=teams.org, rule=Code.MEETING_GAP,
                                   subject_key=signal.subject_key, team=teams.team)  # fmt: skip
    # A resolved one beside an open one is history, and allowed.
    DriftSignal.objects.create(organization=teams.org, rule=Code.MEETING_GAP,
                               subject_key=signal.subject_key, team=teams.team,
                               resolved_at=NOW)  # fmt: skip


def test_family_members_are_never_the_subject_of_a_signal(teams):
    scan(teams.org)
    people = set(DriftSignal.objects.exclude(person=None).values_list("person_id", flat=True))
    assert teams.family.pk not in people
    assert not DriftSignal.objects.filter(person__memberships__role=Role.FAMILY).exists()


# --- the organisation's own calendar ------------------------------------------------------


def test_a_gap_is_counted_in_days_of_the_organisations_own_zone(teams):
    """NOW is Friday 20 November, noon in the server's zone (Chicago): already Saturday
    the 21st, 07:00, in Auckland. A reflection on the 7th at 09:00 Chicago time was
    written on the 8th in Auckland: 13 Auckland days ago, not 14."""
    _only_rule(teams, Code.REFLECTION_GAP)
    teams.org.time_zone = "Pacific/Auckland"
    teams.org.save(update_fields=["time_zone"])
    reflection(teams.team, teams.facilitator, 13)  # the 7th in Chicago, the 8th in Auckland
    scan(teams.org)
    assert open_signals(teams.org, Code.REFLECTION_GAP) == []
    # One Auckland day later the gap is 14 days and trips, counted on the same calendar.
    scan(teams.org, NOW + timedelta(days=1))
    (signal,) = open_signals(teams.org, Code.REFLECTION_GAP)
    assert signal.measured["days"] == 14
    assert signal.measured["since"] == "2026-11-08"
    assert signal.window_end.isoformat() == "2026-11-22"


def test_low_partnership_reads_each_organisations_meetings_up_to_its_own_today(teams):
    """One scan of two organisations in different zones: a meeting dated the 21st is
    today in Auckland and tomorrow in Chicago. Riverbend (Chicago) keeps its signal from
    its last three meetings; the meeting dated tomorrow neither joins the sample nor
    closes the signal."""
    _only_rule(teams, Code.LOW_PARTNERSHIP)
    teams.outsider_org.time_zone = "Pacific/Auckland"
    teams.outsider_org.save(update_fields=["time_zone"])
    for k in range(3):
        checkin(meeting(teams.team, teams.facilitator, 20 - k * 7), teams.family, 2, 2, 2)
    drift.scan(organization_ids=[teams.org.pk, teams.outsider_org.pk], now=NOW)
    (signal,) = open_signals(teams.org, Code.LOW_PARTNERSHIP)
    # Dated the 21st, Riverbend's tomorrow, and rated well: in the sample it would lift
    # the mean to 3 and close the signal.
    checkin(meeting(teams.team, teams.facilitator, -1), teams.family, 5, 5, 5)
    drift.scan(organization_ids=[teams.org.pk, teams.outsider_org.pk],
               now=NOW + timedelta(hours=1))  # fmt: skip
    assert open_signals(teams.org, Code.LOW_PARTNERSHIP) == [signal]
    signal.refresh_from_db()
    assert signal.measured["meetings"] == 3
