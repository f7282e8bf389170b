"""The demo's observed practice (miiwrap.demo_practice, run by seed_demo)."""

from django.core.management import call_command

from communities.models import User
from engagement.models import EngagementEvent
from reflections.models import PracticeObservation, PracticeTranscript, PromptDelivery
from reflections.practice_scores import Band
from reflections.practice_selectors import agreement_of


def test_it_seeds_a_believable_history_of_observed_practice_once(db):
    call_command("seed_demo", force=True, verbosity=0)
    maya = User.objects.get(email="facilitator@riverbend.example")
    sam = User.objects.get(email="supervisor@riverbend.example")
    lena = User.objects.get(email="coach@riverbend.example")

    # Maya grows: R:Q rises from below fair to fair or good, as coded by Sam.
    coached = list(
        PracticeObservation.objects.filter(
            facilitator=maya, coded_by=sam, completed_at__isnull=False
        ).order_by("observed_on")
    )
    assert len(coached) >= 7
    rq = [o.scores().rq.value for o in coached]
    assert rq == sorted(rq)
    assert coached[0].scores().rq.band == Band.BELOW_FAIR
    assert coached[-1].scores().rq.band in (Band.FAIR, Band.GOOD)
    assert coached[-1].scores().pct_cr.band == Band.GOOD
    assert {o.method for o in coached} == {"counts", "tally", "transcript"}
    assert all(o.completed_at.date() >= o.observed_on for o in coached)
    assert PracticeObservation.objects.filter(facilitator=maya, coded_by=maya).count() == 1
    # Each finished observation is an engagement event, on the day it was observed.
    events = EngagementEvent.objects.filter(actor=maya, kind="practice_observed")
    days = sorted(e.occurred_at.date() for e in events)
    assert days == sorted(
        o.observed_on
        for o in PracticeObservation.objects.filter(facilitator=maya, completed_at__isnull=False)
    )

    # A live tally Sam can open right away: its taps are its counts.
    live = PracticeObservation.objects.get(coded_by=sam, completed_at__isnull=True)
    assert live.method == "tally" and live.facilitator == maya
    assert live.taps.count() == 12
    assert live.taps.count() == sum(
        getattr(live, f)
        for f in (
            "giving_information", "persuade", "persuade_with_permission", "question",
            "simple_reflection", "complex_reflection", "affirm", "seeking_collaboration",
            "emphasizing_autonomy", "confront",
        )
    )  # fmt: skip

    # A transcript coded twice, the second time blind by Lena, agreeing well.
    transcript = PracticeTranscript.objects.get(
        observation__facilitator=maya, codings__coder=lena, codings__completed_at__isnull=False
    )
    assert transcript.codings.filter(completed_at__isnull=False).count() == 2
    assert 0.4 < agreement_of(transcript)["agreement"].kappa < 0.95
    # Priya's Spanish transcript; Jordan's observation without reflections.
    assert PracticeTranscript.objects.filter(
        observation__facilitator__email="priya.shah@riverbend.example", text__startswith="T: "
    ).exists()
    jordan = PracticeObservation.objects.filter(facilitator__email="jordan.lee@riverbend.example")
    assert jordan.count() == 3
    assert any(o.scores().pct_cr.value is None for o in jordan)

    # The latest coaching's skill to practise waits in Maya's reflection prompts.
    delivery = PromptDelivery.objects.get(recipient=maya, occurrence=f"coaching:{coached[-1].pk}")
    assert delivery.sent_at is not None
    assert maya.notifications.filter(subject_key=f"prompt:{delivery.pk}").exists()

    observations = PracticeObservation.objects.count()
    call_command("seed_demo", force=True, verbosity=0)
    assert PracticeObservation.objects.count() == observations
