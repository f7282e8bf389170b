"""Observed practice through its pages: the live tally, transcript coding with suggested
codes, the blind second coding and its agreement, finishing, visibility, bad input,
audit, the engagement event, the coaching prompt and pinned query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from communities.models import AuditEntry, Message, Role
from engagement.models import EngagementEvent
from reflections import practice
from reflections.models import (
    PracticeObservation,
    PracticeTranscript,
    PromptDelivery,
    TallyTap,
    TranscriptCoding,
    TranscriptUtterance,
    UtteranceCode,
)
from tests import factories

TRANSCRIPT = """Facilitator: How have the mornings been this week?
Family: Hard. He won't get out of bed and I end up yelling.
Facilitator: It sounds like the mornings leave you worn out before the day starts.
Family: Exactly.
Facilitator: Do you want to start with mornings today?
Facilitator: You have kept trying, even when it felt like nothing worked.
"""

GLOBALS = {
    "cultivating_change_talk": 4,
    "softening_sustain_talk": 3,
    "partnership": 4,
    "empathy": 5,
}


def _observe(w, *, method="tally", coder=None, facilitator=None, team=None, days_ago=0):
    return practice.observation_create(
        organization=w.org,
        coded_by=coder or w.supervisor,
        data={
            "facilitator": facilitator or w.facilitator,
            "team": team,
            "observed_on": timezone.localdate() - timedelta(days=days_ago),
            "source": "live",
            "method": method,
            "segment_minutes": 20,
        },
    )


def _new_post(w, **changes):
    data = {
        "facilitator": w.facilitator.pk, "observed_on": timezone.localdate().isoformat(),
        "team": w.team.pk, "source": "live", "method": "tally", "segment_minutes": 20,
    }  # fmt: skip
    return data | changes


def _with_transcript(w, **options):
    observation = _observe(w, method="transcript", **options)
    practice.transcript_add(
        observation=observation, by=observation.coded_by, text=TRANSCRIPT,
        practitioner_labels=[], other_labels=[],
    )  # fmt: skip
    return observation


def _lines(observation):
    return list(
        TranscriptUtterance.objects.filter(
            transcript__observation=observation, practitioner=True
        ).order_by("position")
    )


# --- opening an observation -------------------------------------------------------------


def test_it_opens_an_observation_and_goes_on_to_the_tally(world, client_for):
    response = client_for(world.supervisor).post("/practice/observations/new/", _new_post(world))
    observation = PracticeObservation.objects.get()
    assert response.status_code == 302
    assert response.url == f"/practice/observations/{observation.pk}/tally/"
    assert (observation.facilitator, observation.coded_by) == (world.facilitator, world.supervisor)
    assert AuditEntry.objects.filter(subject=f"observation {observation.pk}", action="create")


def test_it_lets_a_facilitator_code_themself_only(world, client_for):
    client = client_for(world.facilitator)
    assert client.post("/practice/observations/new/", _new_post(world)).status_code == 302
    peer = _new_post(world, facilitator=world.other_facilitator.pk, team="")
    assert client.post("/practice/observations/new/", peer).status_code == 404
    assert PracticeObservation.objects.get().coded_by == world.facilitator


@pytest.mark.parametrize("who", ["outsider", "outside_programs"])
def test_it_answers_404_for_a_facilitator_outside_the_coach_s_programs(world, client_for, who):
    coach = factories.make_user("narrow.coach@rb.test", name="Nia Narrow")
    factories.make_member(coach, world.org, Role.SUPERVISOR, world.program)
    factories.give_totp(coach)
    target = world.outsider if who == "outsider" else world.other_facilitator
    client = client_for(coach)
    assert client.get(f"/practice/observations/new/?facilitator={target.pk}").status_code == 404
    response = client.post("/practice/observations/new/", _new_post(world, facilitator=target.pk))
    assert response.status_code == 404
    assert not PracticeObservation.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"segment_minutes": 0}, "from 1 to 180 minutes"),
        ({"segment_minutes": 500}, "from 1 to 180 minutes"),
        ({"observed_on": "2099-01-01"}, "cannot be in the future"),
        ({"team": "other"}, "Choose a team this facilitator facilitates"),
    ],
)
def test_it_refuses_a_bad_observation_and_keeps_what_was_typed(world, client_for, changes, message):
    if changes.get("team") == "other":
        changes = {"team": world.other_team.pk}
    response = client_for(world.supervisor).post(
        "/practice/observations/new/", _new_post(world, **changes)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PracticeObservation.objects.exists()


# --- the live tally -----------------------------------------------------------------------


def test_it_saves_every_tap_at_once_and_the_tally_reopens_where_it_was(world, client_for):
    observation = _observe(world)
    client = client_for(world.supervisor)
    tap = f"/practice/observations/{observation.pk}/tally/tap/"
    for code in ["question_open", "question_open", "question_closed", "complex_reflection"]:
        response = client.post(tap, {"code": code}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
    # Only the counts, the status and the undo button come back, out of band: the
    # buttons under the coder's fingers are never replaced mid-tap.
    fragment = response.content.decode()
    assert 'id="count-question_open" hx-swap-oob="true">2<' in fragment
    assert "<html" not in fragment and "<form" not in fragment
    # A new page load (a closed tab, a lost connection) shows the same counts.
    page = client.get(f"/practice/observations/{observation.pk}/tally/").content.decode()
    counts = dict(re.findall(r'id="count-(\w+)">(\d+)<', page))
    assert counts["question_open"] == "2"
    assert counts["question_closed"] == "1"
    assert counts["complex_reflection"] == "1"
    observation.refresh_from_db()
    assert (observation.question, observation.question_open) == (3, 2)
    assert TallyTap.objects.filter(observation=observation).count() == 4


def test_it_undoes_the_last_tap_only(world, client_for):
    observation = _observe(world)
    client = client_for(world.supervisor)
    for code in ["affirm", "question_closed"]:
        client.post(f"/practice/observations/{observation.pk}/tally/tap/", {"code": code})
    response = client.post(f"/practice/observations/{observation.pk}/tally/undo/")
    assert response.status_code == 302
    observation.refresh_from_db()
    assert (observation.affirm, observation.question, observation.question_closed) == (1, 0, 0)
    assert list(observation.taps.values_list("code", flat=True)) == ["affirm"]


def test_it_refuses_a_made_up_code_and_a_count_over_500(world, client_for):
    observation = _observe(world)
    client = client_for(world.supervisor)
    tap = f"/practice/observations/{observation.pk}/tally/tap/"
    response = client.post(tap, {"code": "lecture"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "not a behaviour code" in response.content.decode()
    PracticeObservation.objects.filter(pk=observation.pk).update(affirm=500)
    response = client.post(tap, {"code": "affirm"})
    assert response.status_code == 400
    assert "stops at 500" in response.content.decode()
    observation.refresh_from_db()
    assert observation.affirm == 500
    assert not TallyTap.objects.exists()


def test_it_keeps_the_segment_timer_on_the_server(world, client_for):
    observation = _observe(world)
    client = client_for(world.supervisor)
    client.post(f"/practice/observations/{observation.pk}/tally/timer/")
    observation.refresh_from_db()
    assert observation.timer_started_at is not None
    page = client.get(f"/practice/observations/{observation.pk}/tally/").content.decode()
    assert "data-timer" in page and 'data-minutes="20"' in page


# --- finishing and the scores ---------------------------------------------------------------


def test_it_finishes_once_as_an_engagement_event_and_shows_the_bands(world, client_for):
    observation = _observe(world, team=world.team)
    client = client_for(world.supervisor)
    for code in ["question_open", "simple_reflection", "complex_reflection"]:
        client.post(f"/practice/observations/{observation.pk}/tally/tap/", {"code": code})
    data = GLOBALS | {"notes": "Warm start.", "practise_next": "Reflect before asking"}
    response = client.post(f"/practice/observations/{observation.pk}/finish/", data)
    assert response.status_code == 302
    client.post(f"/practice/observations/{observation.pk}/finish/", data | {"empathy": 4})
    events = EngagementEvent.objects.filter(kind="practice_observed")
    assert [(e.actor, e.team, e.value) for e in events] == [(world.facilitator, world.team, 2.0)]
    page = client_for(world.facilitator).get(f"/practice/observations/{observation.pk}/")
    html = page.content.decode()
    assert "2.00" in html and "50 %" in html  # R:Q 2 / 1 is good, %CR 1 of 2 is good
    assert "good" in html and "Reflect before asking" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"empathy": 6}, "whole number from 1 to 5"),
        ({"partnership": 0}, "whole number from 1 to 5"),
        ({"empathy": ""}, "Rate each global"),
        ({"affirm": -1}, "cannot be negative"),
        ({"affirm": 501}, "stops at 500"),
        ({"question": 1, "question_open": 2}, "cannot be more than all questions"),
    ],
)
def test_it_refuses_bad_counts_and_globals_and_changes_nothing(world, client_for, changes, message):
    observation = _observe(world, method="counts")
    counts = {name: 0 for name in practice.COUNT_FIELDS}
    data = counts | GLOBALS | {"notes": "Typed notes stay"} | changes
    response = client_for(world.supervisor).post(
        f"/practice/observations/{observation.pk}/finish/", data
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "Typed notes stay" in html
    observation.refresh_from_db()
    assert observation.completed_at is None and observation.notes == ""


def test_it_refuses_to_finish_a_transcript_with_uncoded_lines(world, client_for):
    observation = _with_transcript(world)
    response = client_for(world.supervisor).post(
        f"/practice/observations/{observation.pk}/finish/", GLOBALS
    )
    assert response.status_code == 400
    assert "4 left" in response.content.decode()
    observation.refresh_from_db()
    assert observation.completed_at is None


# --- transcripts -------------------------------------------------------------------------


def test_it_splits_a_transcript_and_suggests_a_code_for_each_practitioner_line(world, client_for):
    observation = _observe(world, method="transcript")
    client = client_for(world.supervisor)
    response = client.post(
        f"/practice/observations/{observation.pk}/transcript/", {"text": TRANSCRIPT}
    )
    assert response.status_code == 302
    suggested = [line.suggested_code for line in _lines(observation)]
    assert suggested == ["question_open", "simple_reflection", "question_closed", ""]
    page = client.get(f"/practice/observations/{observation.pk}/coding/").content.decode()
    assert "Suggested: Open question" in page
    # Suggestions are not codes: nothing counts until the coder confirms.
    observation.refresh_from_db()
    assert observation.question == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Family: We talked.\nFamily: Then we left.", "No practitioner lines found"),
        ("Facilitator: " + "x" * (200 * 1024), "the limit is 200 KB"),
        ("", "This field is required"),
    ],
)
def test_it_refuses_a_transcript_too_big_or_without_practitioner_lines(
    world, client_for, text, message
):
    observation = _observe(world, method="transcript")
    response = client_for(world.supervisor).post(
        f"/practice/observations/{observation.pk}/transcript/", {"text": text}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PracticeTranscript.objects.exists()


def test_it_counts_only_confirmed_codes_and_shows_how_often_suggestions_were_kept(
    world, client_for
):
    observation = _with_transcript(world)
    lines = _lines(observation)
    client = client_for(world.supervisor)
    url = f"/practice/observations/{observation.pk}/coding/"
    # One line at a time through htmx: the row comes back, with the progress out of band.
    response = client.post(
        f"{url}{lines[0].pk}/", {f"code-{lines[0].pk}": "question_open"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and f'id="row-{lines[0].pk}"' in html
    assert 'hx-swap-oob="true"' in html and "3 of 4 lines left" in html
    # The rest without JavaScript: the whole form. The reflection becomes complex.
    codes = {
        f"code-{lines[1].pk}": "complex_reflection",
        f"code-{lines[2].pk}": "question_closed",
        f"code-{lines[3].pk}": "affirm",
    }
    assert client.post(url, codes).status_code == 302
    observation.refresh_from_db()
    assert (observation.question_open, observation.question_closed) == (1, 1)
    assert (observation.complex_reflection, observation.simple_reflection) == (1, 0)
    assert observation.affirm == 1
    assert client.post(f"{url}done/").status_code == 302
    page = client.get(f"/practice/observations/{observation.pk}/").content.decode()
    assert "Suggested codes accepted: 2 of 3 (67 %)" in page


def test_it_refuses_a_code_for_a_line_that_is_not_the_practitioner_s(world, client_for):
    observation = _with_transcript(world)
    family_line = TranscriptUtterance.objects.filter(practitioner=False).first()
    response = client_for(world.supervisor).post(
        f"/practice/observations/{observation.pk}/coding/{family_line.pk}/",
        {f"code-{family_line.pk}": "affirm"},
    )
    assert response.status_code == 400
    assert not UtteranceCode.objects.exists()


def test_it_records_each_reading_of_a_transcript_and_lets_the_coder_delete_it(world, client_for):
    observation = _with_transcript(world)
    for line in _lines(observation):
        practice.utterance_code(
            coding=TranscriptCoding.objects.get(), utterance_id=line.pk, code="affirm",
            by=world.supervisor,
        )  # fmt: skip
    client_for(world.facilitator).get(f"/practice/observations/{observation.pk}/transcript/")
    viewed = AuditEntry.objects.filter(action="view", actor=world.facilitator)
    assert [e.subject for e in viewed] == [f"transcript of observation {observation.pk}"]
    peer = client_for(world.other_facilitator)
    assert peer.post(f"/practice/observations/{observation.pk}/transcript/delete/").status_code == (
        404
    )
    reader = client_for(world.facilitator)
    url = f"/practice/observations/{observation.pk}/transcript/delete/"
    assert reader.post(url).status_code == 403
    assert client_for(world.supervisor).post(url).status_code == 302
    assert not PracticeTranscript.objects.exists() and not TranscriptUtterance.objects.exists()
    observation.refresh_from_db()
    assert observation.affirm == 4 and observation.transcript_deleted_at is not None
    assert AuditEntry.objects.filter(action="delete", subject=f"observation {observation.pk}")


# --- a second, blind coding -------------------------------------------------------------------


def test_a_second_coder_codes_blind_then_sees_the_agreement(world, client_for):
    observation = _with_transcript(world)
    lines = _lines(observation)
    first = TranscriptCoding.objects.get()
    for line, code in zip(lines, ["question_open", "simple_reflection", "question_closed",
                                  "affirm"], strict=True):  # fmt: skip
        practice.utterance_code(coding=first, utterance_id=line.pk, code=code, by=world.supervisor)
    second = client_for(world.dual)
    assert second.post(f"/practice/observations/{observation.pk}/second-coding/").status_code == 302
    # Blind: no counts or scores, no suggestions, and the transcript page sends them back.
    page = second.get(f"/practice/observations/{observation.pk}/").content.decode()
    assert "coding this transcript blind" in page and "R:Q" not in page
    coding_page = second.get(f"/practice/observations/{observation.pk}/coding/").content.decode()
    assert "Suggested:" not in coding_page
    assert "selected>" not in coding_page.split("<ol", 1)[1]
    transcript = second.get(f"/practice/observations/{observation.pk}/transcript/")
    assert transcript.status_code == 302
    codes = ["question_open", "complex_reflection", "question_closed", "affirm"]
    second.post(
        f"/practice/observations/{observation.pk}/coding/",
        {f"code-{line.pk}": code for line, code in zip(lines, codes, strict=True)},
    )
    assert second.post(f"/practice/observations/{observation.pk}/coding/done/").status_code == 302
    page = second.get(f"/practice/observations/{observation.pk}/transcript/").content.decode()
    assert "3 (75 %)" in page  # 3 of 4 lines agree
    # Cohen's kappa: po = 3/4; each coder used four codes once, sharing three, so
    # pe = 3 × (1/4 × 1/4) = 3/16 and kappa = (3/4 − 3/16) / (1 − 3/16) = 9/13 = 0.69.
    assert "0.69" in page
    observation.refresh_from_db()
    assert observation.simple_reflection == 1  # the first coding's counts, untouched


def test_it_refuses_a_second_coding_by_the_same_person_or_a_third_coder(world, client_for):
    observation = _with_transcript(world)
    response = client_for(world.supervisor).post(
        f"/practice/observations/{observation.pk}/second-coding/"
    )
    assert response.status_code == 400
    assert "a second coding needs another coder" in response.content.decode()
    client_for(world.dual).post(f"/practice/observations/{observation.pk}/second-coding/")
    again = client_for(world.dual).post(f"/practice/observations/{observation.pk}/second-coding/")
    assert again.status_code == 400 and "coding this transcript already" in again.content.decode()
    assert TranscriptCoding.objects.count() == 2


# --- who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("facilitator", 200),
        ("supervisor", 200),
        ("dual", 200),
        ("admin", 404),
        ("family", 404),
        ("outsider", 404),
        ("peer", 404),
    ],
)
def test_only_the_facilitator_the_coder_and_their_supervisors_see_an_observation(
    world, client_for, role, status
):
    # Self-coded: private to the facilitator and their supervisors.
    observation = _observe(world, coder=world.facilitator, method="counts")
    user = world.other_facilitator if role == "peer" else world.persona(role)
    client = client_for(user)
    assert client.get(f"/practice/observations/{observation.pk}/").status_code == status
    page = client.get(f"/practice/people/{world.facilitator.pk}/")
    assert page.status_code == status


def test_the_supervisor_s_list_shows_only_the_facilitators_they_supervise(world, client_for):
    coach = factories.make_user("narrow.coach@rb.test", name="Nia Narrow")
    factories.make_member(coach, world.org, Role.SUPERVISOR, world.program)
    factories.give_totp(coach)
    html = client_for(coach).get("/practice/").content.decode()
    assert world.facilitator.name in html
    assert world.other_facilitator.name not in html


# --- "one skill to practise next" as a prompt ---------------------------------------------------


def test_it_sends_what_to_practise_next_as_a_reflection_prompt_once(world, client_for):
    observation = _observe(world, method="counts")
    observation.practise_next = "One complex reflection before each question"
    observation.save()
    client = client_for(world.supervisor)
    assert client.post(f"/practice/observations/{observation.pk}/prompt/").status_code == 302
    delivery = PromptDelivery.objects.get(recipient=world.facilitator)
    assert delivery.occurrence == f"coaching:{observation.pk}" and delivery.sent_at
    assert "One complex reflection before each question" in delivery.wording.text_en
    assert Message.objects.filter(recipient=world.facilitator, kind="reflection_prompt").exists()
    answer = client_for(world.facilitator).get(f"/prompts/{delivery.pk}/")
    assert answer.status_code == 200
    again = client_for(world.supervisor).post(f"/practice/observations/{observation.pk}/prompt/")
    assert again.status_code == 400 and PromptDelivery.objects.count() == 1
    # A coaching prompt is not in the library or any rotation.
    library = client_for(world.admin).get("/prompts/library/").content.decode()
    assert "One complex reflection before each question" not in library


# --- query counts ----------------------------------------------------------------------


def _finished(world, n):
    for day in range(n):
        observation = _observe(world, method="counts", days_ago=day * 20 + 1)
        practice.observation_finish(
            observation=observation, by=world.supervisor,
            data=GLOBALS | {"question": 4, "question_open": 2, "simple_reflection": 3},
        )  # fmt: skip


@pytest.mark.parametrize("path", ["person", "home"])
def test_practice_pages_run_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries, path
):
    client = client_for(world.supervisor)
    url = f"/practice/people/{world.facilitator.pk}/" if path == "person" else "/practice/"
    expected = {"person": 8, "home": 10}[path]
    _finished(world, 2)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    _finished(world, 8)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_the_coding_page_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries
):
    small = _with_transcript(world)
    client = client_for(world.supervisor)
    with django_assert_num_queries(12):
        client.get(f"/practice/observations/{small.pk}/coding/")
    large = _observe(world, method="transcript")
    practice.transcript_add(
        observation=large, by=world.supervisor, text=TRANSCRIPT * 20, practitioner_labels=[],
        other_labels=[],
    )  # fmt: skip
    with django_assert_num_queries(12):
        client.get(f"/practice/observations/{large.pk}/coding/")
