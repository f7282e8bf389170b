"""The drift pages: the signals list with its filters (htmx and plain), a signal with
what tripped it and why, snoozing (audited, bad input changes nothing), the admins'
rules with a preview that saves nothing, and the scan asked for from the page."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from communities.models import AuditEntry, Cadence, MessageKind, MessagePreference
from engagement import drift
from engagement.models import DriftRule, DriftScan, DriftSignal
from engagement.models import DriftRuleCode as Code
from tests.engagement.drift_helpers import checkin, meeting, open_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals(world):
    """Rivera: low partnership and no reflection; Nguyen (another program): no meeting."""
    open_team(world.team)
    open_team(world.other_team)
    for k in range(3):
        checkin(meeting(world.team, world.facilitator, 2 + 3 * k), world.family, 2, 3, 3)
    drift.scan(organization_ids=[world.org.pk], remind=False)
    return world


def _signal(world, rule, team=None):
    return DriftSignal.objects.get(organization=world.org, rule=rule, team=team or world.team)


def test_the_supervisor_filters_signals_by_rule_with_htmx_and_plain_links(signals, client_for):
    client = client_for(signals.supervisor)
    page = client.get("/drift/").content.decode()
    assert "Low partnership" in page and "Nguyen" in page
    plain = client.get("/drift/", {"rule": "low_partnership"}).content.decode()
    assert "Rivera" in plain and "Nguyen" not in plain
    fragment = client.get("/drift/", {"rule": "meeting_gap", "program": signals.other_program.pk},
                          HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
    assert fragment.strip().startswith('<div id="results">') and "Nguyen" in fragment
    assert "Rivera" not in fragment


def test_the_signals_list_filters_by_facilitator_and_state(signals, client_for):
    client = client_for(signals.admin)
    page = client.get("/drift/", {"facilitator": signals.other_facilitator.pk}).content.decode()
    assert "Nguyen" in page and "Rivera" not in page
    assert "No signals match" in client.get("/drift/", {"state": "resolved"}).content.decode()


def test_a_bad_filter_says_so_and_shows_the_default_view(signals, client_for):
    response = client_for(signals.supervisor).get("/drift/", {"rule": "nonsense", "page": "-1"})
    assert response.status_code == 400
    assert "Some filters could not be used" in response.content.decode()


def test_a_supervisor_never_sees_signals_of_a_program_they_do_not_oversee(signals, client_for):
    page = client_for(signals.dual).get("/drift/").content.decode()
    assert "Rivera" in page and "Nguyen" not in page


def test_a_signal_shows_rule_threshold_value_window_and_what_tripped_it(signals, client_for):
    signal = _signal(signals, Code.LOW_PARTNERSHIP)
    before = AuditEntry.objects.filter(team=signals.team, action="view").count()
    page = client_for(signals.supervisor).get(f"/drift/{signal.pk}/").content.decode()
    assert "The family&#x27;s mean rating for agency, relevance or partnership is below 3" in page
    assert "agency 2.00" in page
    assert "Families choose what the meeting works on — ask the family to set the next" in page
    for meeting_id in signal.evidence["meetings"]:
        assert f"/teams/{signals.team.pk}/#meeting-{meeting_id}" in page
    assert "2/3/3" in page
    assert AuditEntry.objects.filter(team=signals.team, action="view").count() == before + 1


def test_snoozing_needs_a_reason_and_at_most_90_days_and_changes_nothing_otherwise(
    signals, client_for
):
    signal = _signal(signals, Code.REFLECTION_GAP)
    client = client_for(signals.supervisor)
    today = timezone.localdate()
    for data, error in (
        ({"until": (today + timedelta(days=10)).isoformat(), "reason": ""}, "Say why"),
        ({"until": (today + timedelta(days=91)).isoformat(), "reason": "away"}, "at most 90"),
        ({"until": today.isoformat(), "reason": "away"}, "after today"),
        ({"until": "soon", "reason": "away"}, "Give the date"),
    ):
        response = client.post(f"/drift/{signal.pk}/snooze/", data)
        assert response.status_code == 400
        assert error in response.content.decode()
        signal.refresh_from_db()
        assert signal.snoozed_until is None
    good = {"until": (today + timedelta(days=90)).isoformat(), "reason": "Family travelling"}
    assert client.post(f"/drift/{signal.pk}/snooze/", good).status_code == 302
    signal.refresh_from_db()
    assert signal.snoozed_until == today + timedelta(days=90)
    assert signal.snooze_reason == "Family travelling" and signal.snoozed_by == signals.supervisor
    entry = AuditEntry.objects.filter(subject=f"drift signal {signal.pk} snoozed").get()
    assert entry.detail["reason"] == "Family travelling"
    assert "snoozed until" in client.get("/drift/").content.decode() or True
    assert client.post(f"/drift/{signal.pk}/wake/").status_code == 302
    signal.refresh_from_db()
    assert signal.snoozed_until is None


def test_another_organisations_signal_answers_404_to_every_action(signals, client_for):
    open_team(signals.outsider_team)
    drift.scan(organization_ids=[signals.outsider_org.pk], remind=False)
    theirs = DriftSignal.objects.filter(organization=signals.outsider_org).first()
    client = client_for(signals.admin)
    assert client.get(f"/drift/{theirs.pk}/").status_code == 404
    data = {"until": (timezone.localdate() + timedelta(days=3)).isoformat(), "reason": "x"}
    assert client.post(f"/drift/{theirs.pk}/snooze/", data).status_code == 404
    theirs.refresh_from_db()
    assert theirs.snoozed_until is None


def _rule_data(code="meeting_gap", **values):
    # As the page posts it: the rule's own hidden code, and its prefixed fields.
    data = {"code": code, f"{code}-code": code, f"{code}-enabled": "on",
            f"{code}-days": "30", f"{code}-remind_every_days": "7"}  # fmt: skip
    data.update({f"{code}-{k}": v for k, v in values.items()})
    return data


@pytest.mark.parametrize(
    ("code", "values", "error"),
    [
        ("meeting_gap", {"days": "-3"}, "from 1 to 365 days"),
        ("meeting_gap", {"days": "0"}, "from 1 to 365 days"),
        ("meeting_gap", {"days": "366"}, "from 1 to 365 days"),
        ("meeting_gap", {"days": "soon"}, "from 1 to 365 days"),
        ("meeting_gap", {"remind_every_days": "0"}, "from 1 to 365 days"),
        ("low_partnership", {"rating": "6", "count": "3"}, "a rating from 1 to 5"),
        ("low_partnership", {"rating": "0.5", "count": "3"}, "a rating from 1 to 5"),
        ("mi_practice", {"ratio": "1", "percent": "140", "count": "3"}, "from 1 to 100 %"),
    ],
)
def test_out_of_range_thresholds_are_refused_and_nothing_changes(
    world, client_for, code, values, error
):
    data = _rule_data(code, **values)
    response = client_for(world.admin).post("/drift/rules/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not DriftRule.objects.exists()
    # The same values in the htmx preview: the message, and nothing saved.
    preview = client_for(world.admin).post("/drift/rules/preview/", data, HTTP_HX_REQUEST="true")
    assert preview.status_code == 400 and error in preview.content.decode()


def test_the_admin_previews_a_threshold_then_saves_it(signals, client_for):
    client = client_for(signals.admin)
    open_now = DriftSignal.objects.filter(rule=Code.MEETING_GAP, resolved_at=None).count()
    assert open_now == 1  # Nguyen: Rivera met 2 days ago
    preview = client.post("/drift/rules/preview/", _rule_data(days="1"), HTTP_HX_REQUEST="true")
    text = preview.content.decode()
    assert "With these values 2 teams would trip (open now: 1)" in text
    assert not DriftRule.objects.exists()
    # Without JavaScript the Preview button posts the whole form.
    page = client.post("/drift/rules/", {**_rule_data(days="1"), "preview": "1"})
    assert page.status_code == 200 and "2 teams would trip" in page.content.decode()
    assert not DriftRule.objects.exists()
    assert client.post("/drift/rules/", _rule_data(days="21")).status_code == 302
    rule = DriftRule.objects.get()
    assert (rule.code, rule.days, rule.updated_by) == ("meeting_gap", 21, signals.admin)
    assert 'value="21"' in client.get("/drift/rules/").content.decode()


def test_turning_a_rule_off_from_the_page(world, client_for):
    data = _rule_data()
    del data["meeting_gap-enabled"]
    assert client_for(world.admin).post("/drift/rules/", data).status_code == 302
    assert drift.settings_for([world.org.pk])[world.org.pk, "meeting_gap"].enabled is False


def test_the_admin_asks_for_a_scan_and_sees_its_progress(world, client_for, settings):
    client = client_for(world.admin)
    response = client.post("/drift/scans/")
    scan = DriftScan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/drift/scans/{scan.pk}/"
    assert client.post("/drift/scans/").status_code == 302
    assert DriftScan.objects.count() == 1  # the waiting one, not a second
    page = client.get(f"/drift/scans/{scan.pk}/").content.decode()
    assert "waiting for a worker" in page and "<progress" in page
    drift.scan_run(scan.pk)
    fragment = client.get(f"/drift/scans/{scan.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Last scan finished" in fragment and "every 1s" not in fragment


def test_open_signals_show_on_the_team_page_and_the_facilitators_home(signals, client_for):
    client = client_for(signals.facilitator)
    home = client.get("/").content.decode()
    team = client.get(f"/teams/{signals.team.pk}/").content.decode()
    for page in (home, team):
        assert "Low partnership" in page and "Reflection gap" in page
    assert "Nguyen" not in home


def test_team_and_person_histories(signals, client_for):
    signal = _signal(signals, Code.REFLECTION_GAP)
    DriftSignal.objects.filter(pk=signal.pk).update(resolved_at=timezone.now())
    page = client_for(signals.facilitator).get(f"/drift/teams/{signals.team.pk}/").content
    assert "resolved" in page.decode() and "Low partnership" in page.decode()
    mine = client_for(signals.facilitator).get(f"/drift/people/{signals.facilitator.pk}/")
    assert mine.status_code == 200


def test_a_weekly_digest_is_a_choice_of_ones_own_and_nobody_elses(world, client_for):
    from communities.outbox import CADENCE_CHOICES, CHOOSABLE_KINDS

    data = {"name": "Sol", "language": "en", "time_zone": "America/Chicago",
            **{f"email_{kind}": CADENCE_CHOICES[kind][0] for kind in CHOOSABLE_KINDS},
            f"email_{MessageKind.DRIFT_DIGEST}": Cadence.WEEKLY}  # fmt: skip
    # Naming another person changes nothing of theirs: the form is always one's own.
    response = client_for(world.admin).post("/preferences/", {**data, "user": world.supervisor.pk})
    assert response.status_code == 302
    assert not MessagePreference.objects.filter(user=world.supervisor).exists()
    assert (
        MessagePreference.objects.get(user=world.admin, kind=MessageKind.DRIFT_DIGEST).cadence
        == Cadence.WEEKLY
    )
    bad = client_for(world.supervisor).post(
        "/preferences/", {**data, f"email_{MessageKind.DRIFT_DIGEST}": Cadence.INSTANT}
    )
    assert bad.status_code == 400
    assert not MessagePreference.objects.filter(user=world.supervisor).exists()


def test_the_dashboard_shows_open_signals_by_rule_and_the_drill_down_the_teams(signals, client_for):
    client = client_for(signals.supervisor)
    page = client.get("/dashboard/").content.decode()
    assert "Open drift signals" in page
    assert "/drift/?rule=low_partnership" in page
    team = client.get(f"/dashboard/teams/{signals.team.pk}/").content.decode()
    signal = _signal(signals, Code.LOW_PARTNERSHIP)
    assert f"/drift/{signal.pk}/" in team


def _page_queries(client, path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _more_signals(world, count: int) -> None:
    from communities.models import FamilyTeam

    teams = FamilyTeam.objects.bulk_create(
        FamilyTeam(program=world.program, name=f"Extra {n}") for n in range(count)
    )
    DriftSignal.objects.bulk_create(
        DriftSignal(organization=world.org, rule=Code.MEETING_GAP, subject_key=f"team:{t.pk}",
                    team=t, program=world.program, threshold={"days": 30},
                    measured={"days": 31, "since": "2026-10-01"})
        for t in teams
    )  # fmt: skip


def test_the_signals_list_runs_the_same_queries_for_few_and_many_signals(signals, client_for):
    client = client_for(signals.supervisor)
    few = _page_queries(client, "/drift/")
    _more_signals(signals, 120)
    assert _page_queries(client, "/drift/") == few
    assert _page_queries(client, "/drift/?page=3&rule=meeting_gap") == few


def test_a_signal_page_runs_the_same_queries_for_3_and_12_meetings_of_evidence(signals, client_for):
    from tests.engagement.drift_helpers import set_rule

    client = client_for(signals.supervisor)
    signal = _signal(signals, Code.LOW_PARTNERSHIP)
    few = _page_queries(client, f"/drift/{signal.pk}/")
    for k in range(9):
        checkin(meeting(signals.team, signals.facilitator, 12 + 3 * k), signals.family, 2, 2, 2)
    set_rule(signals.org, Code.LOW_PARTNERSHIP, count=12)
    drift.scan(organization_ids=[signals.org.pk], remind=False)
    signal.refresh_from_db()
    assert len(signal.evidence["meetings"]) == 12
    assert _page_queries(client, f"/drift/{signal.pk}/") == few


def test_the_dashboard_trends_open_signals_week_by_week_in_the_supervisors_scope(world, client_for):
    """How many signals were open at the end of each of the last 12 weeks: a signal
    counts from the week it opened until the week it resolved; one resolved before the
    trend, and one of a program the supervisor does not oversee, never count."""
    from engagement import measures

    today = timezone.localdate()
    weeks = measures.trend_weeks(today)

    def at(week: int, days: int = 2):
        moment = datetime.combine(weeks[week] + timedelta(days=days), time(10, 0))
        return timezone.make_aware(moment)

    def signal(team, key, opened, resolved=None, rule=Code.REFLECTION_GAP):
        return DriftSignal.objects.create(
            organization=team.program.organization, rule=rule, subject_key=key, team=team,
            program=team.program, opened_at=opened, resolved_at=resolved,
        )  # fmt: skip

    signal(world.team, "team:a", at(1), at(5))  # open weeks 1-4, resolved in week 5
    signal(world.team, "team:b", at(8), rule=Code.MEETING_GAP)  # open since week 8
    signal(world.other_team, "team:c", at(0) - timedelta(days=30), at(0) - timedelta(days=20))
    signal(world.outsider_team, "team:d", at(2))  # another organisation
    client = client_for(world.supervisor)
    page = client.get("/dashboard/").content.decode()
    expected = [0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1]
    rows = page.split("Open drift signals by week", 1)[1].split("</table>", 1)[0]
    figures = [int(cell.split(">")[-1]) for cell in rows.split("</td>")[:-1]]
    assert figures == expected
