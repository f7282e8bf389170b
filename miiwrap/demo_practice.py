"""Demo content for observed practice (MITI 4.2.1): nine months of coaching of the demo
facilitator, coded by her supervisor, showing growth (R:Q from 0.5 to 1.8, complex
reflections from 20 % to 55 %, both globals rising); one observation she coded herself;
an English transcript coded line by line and coded again, blind, by a second coach; a
Spanish transcript; two colleagues, one drifting and one doing well; and a live tally
still open today. Called by `seed_demo`; written through the services of
reflections.practice, so audit entries, engagement events, the coaching prompt and its
notifications are all there. Then the timestamps are moved back to when the coaching
happened.

Idempotent: nothing is added once the demo facilitator has an observation in the
organisation."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from communities.models import FamilyTeam, Organization, User
from engagement.models import EngagementEvent
from reflections.models import (
    PracticeObservation,
    PracticeTranscript,
    TallyTap,
    TranscriptCoding,
    UtteranceCode,
)
from reflections.practice import (
    coding_complete,
    coding_second_start,
    observation_create,
    observation_finish,
    practise_next_send,
    tally_tap,
    tally_timer_start,
    transcript_add,
    utterance_code,
)
from reflections.practice_scores import Code, counts_from_codes

Method = PracticeObservation.Method
Source = PracticeObservation.Source

OPEN, CLOSED = Code.QUESTION_OPEN.value, Code.QUESTION_CLOSED.value
SIMPLE, COMPLEX = Code.SIMPLE_REFLECTION.value, Code.COMPLEX_REFLECTION.value
INFO, AFFIRM = Code.GIVING_INFORMATION.value, Code.AFFIRM.value
COLLABORATION = Code.SEEKING_COLLABORATION.value


@dataclass(frozen=True)
class Transcript:
    """A transcript and each practitioner line's code, as the first and second coder
    gave them (in the order of the lines)."""

    text: str
    practitioner_labels: list[str]
    other_labels: list[str]
    codes: list[str]
    second_codes: list[str] | None = None


@dataclass(frozen=True)
class Observed:
    """One observation: how many days before today, how it was coded, the codes (how
    often each was tapped or counted; a transcript's come from its lines), the four
    globals (cultivating change talk, softening sustain talk, partnership, empathy) and
    the coach's words (what to practise has no final period: the coaching prompt quotes
    it and ends the sentence itself). `team` is the name of one of the facilitator's
    teams (none when the team did not exist yet)."""

    days_ago: int
    method: str
    source: str
    globals: tuple[int, int, int, int]
    notes: str
    practise_next: str
    codes: dict[str, int] | None = None
    transcript: Transcript | None = None
    team: str | None = None
    segment_minutes: int = 20


# A caregiver on school mornings and her son; 25 turns, 13 of the facilitator's. The
# coach changes four suggestions (the opening question is open; two reflections are
# complex; asking permission is seeking collaboration); the second coach, coding blind,
# differs on three lines (kappa about 0.72).
MORNINGS = Transcript(
    text="""\
Facilitator: Thanks for letting me come by before your shift. What feels most important to talk about today?
Family: Mornings. Honestly, mornings are a disaster. Jayden won't get out of bed, and by the time he's up I'm already yelling.
Facilitator: Mornings have turned into a battle, and you don't like who you become before eight o'clock.
Family: No, I don't. My mom yelled at us every single morning. I swore I would never do that to my kids.
Facilitator: You're holding on to a promise you made to yourself a long time ago.
Family: Yeah. And then I break it every day before the bus comes.
Facilitator: How do the mornings go when they go a little better?
Family: When I lay out his clothes the night before, it's better. And when he has music on. He likes to pick the song.
Facilitator: So you already know two things that help: clothes ready the night before, and Jayden picking the music.
Family: I guess. But I'm so tired at night that I don't always do the clothes.
Facilitator: You're worn out by the time the evening comes.
Family: I work until six, then it's dinner, then homework. By nine I'm done.
Facilitator: Working until six and still sitting down with him for homework every night: that takes real commitment.
Family: Thanks. Most days I don't feel like I'm doing a good job.
Facilitator: Is the bus the hard deadline, or does he walk?
Family: The bus. 7:40. If he misses it I have to drive him and then I'm late for work.
Facilitator: Would it be okay if I shared what some other families have tried for mornings?
Family: Sure, go ahead.
Facilitator: Some parents set their own alarm fifteen minutes earlier, just to have a coffee before waking the kids. Others make a picture checklist with their child, so the child keeps track of the steps instead of the parent.
Family: A checklist could work. He loves checking things off in his games.
Facilitator: What do you make of those ideas for Jayden?
Family: I think he'd like the checklist if he got to draw it. The coffee thing, I don't know. I'm not a morning person.
Facilitator: It sounds like a checklist he makes himself could take you out of the referee role, and let him be in charge of his own morning.
Family: That would be a relief. Maybe we can make it this weekend.
Facilitator: So you and Jayden will draw his morning checklist together this weekend, and see how the first week goes.
""",  # noqa: E501
    practitioner_labels=["Facilitator"],
    other_labels=["Family"],
    codes=[OPEN, COMPLEX, COMPLEX, OPEN, SIMPLE, SIMPLE, AFFIRM, CLOSED, COLLABORATION, INFO,
           OPEN, COMPLEX, SIMPLE],
    second_codes=[OPEN, COMPLEX, SIMPLE, OPEN, SIMPLE, COMPLEX, AFFIRM, CLOSED, CLOSED, INFO,
                  OPEN, COMPLEX, SIMPLE],
)  # fmt: skip

# A Spanish-speaking father on his son's mornings before school; 14 turns.
MATEO = Transcript(
    text="""\
T: Gracias por recibirme en su casa. ¿Cómo han estado las cosas desde la última reunión?
C: Más o menos. Mateo sigue sin querer ir a la escuela. Dice que le duele el estómago todas las mañanas.
T: Le preocupa que algo le esté pasando en la escuela y que él no se lo cuente.
C: Sí, exacto. Antes le gustaba ir. Ahora llora en la puerta.
T: ¿Qué ha notado usted en los días en que sí quiere ir?
C: Los jueves va sin problema. Los jueves tiene fútbol después de clase.
T: Parece que el fútbol le da una razón para ir.
C: Sí, el entrenador es muy bueno con él. Lo hace sentir importante.
T: Usted se ha fijado en esos detalles aunque las mañanas sean tan difíciles. Eso dice mucho de lo atento que está a su hijo.
C: Gracias. A veces siento que nadie me escucha en la escuela.
T: Parece que usted quiere que la escuela lo tome en cuenta, como el papá que conoce a Mateo mejor que nadie.
C: Eso es. Quiero hablar con la maestra, pero con alguien que me traduzca, y que el entrenador también esté.
T: Lo que escucho es que usted quiere una reunión donde lo escuchen primero, con intérprete y con el entrenador de Mateo presente.
C: Sí. Así sí iría con confianza.
""",  # noqa: E501
    practitioner_labels=["T"],
    other_labels=["C"],
    codes=[OPEN, COMPLEX, OPEN, SIMPLE, AFFIRM, COMPLEX, SIMPLE],
)


def _codes(**counts: int) -> dict[str, int]:
    return {code: n for code, n in counts.items() if n}


# The demo facilitator, coded by her supervisor: R:Q 0.5 → 1.8 (fair from the fourth),
# %CR 20 → 56 (good from the sixth), technical 2.5 → 4, relational 3 → 4.5.
GROWTH = [
    Observed(248, Method.COUNTS, Source.AUDIO, (3, 2, 3, 3), codes=_codes(
        question_open=8, question_closed=12, simple_reflection=8, complex_reflection=2,
        giving_information=6, persuade=2, affirm=1, seeking_collaboration=1, confront=1),
        notes="Warm start, and Mom clearly trusts you. Most of the twenty minutes were "
              "questions, mostly closed, and twice you told her what she should do about "
              "bedtime before she asked.",
        practise_next="After each answer, reflect what you heard before you ask anything "
                      "else"),
    Observed(206, Method.TALLY, Source.LIVE, (3, 2, 3, 3), codes=_codes(
        question_open=9, question_closed=11, simple_reflection=10, complex_reflection=3,
        giving_information=7, persuade=2, affirm=1, seeking_collaboration=1, confront=1),
        notes="More reflections than last time. When Dad pushed back on the school plan you "
              "argued the case for it; that is where the conversation stalled.",
        practise_next="When you hear pushback, reflect it instead of answering it"),
    Observed(171, Method.COUNTS, Source.AUDIO, (3, 3, 4, 3), team="Johnson family", codes=_codes(
        question_open=8, question_closed=7, simple_reflection=9, complex_reflection=3,
        giving_information=5, persuade=1, affirm=2, seeking_collaboration=2),
        notes="Half your questions were open now. You let a silence sit after the question "
              "about work, and Grace filled it with the thing that matters most to her.",
        practise_next="Turn two closed questions into open ones: start with “what” or "
                      "“how”"),
    Observed(129, Method.TALLY, Source.LIVE, (3, 3, 3, 4), team="Begay family", codes=_codes(
        question_open=11, question_closed=8, simple_reflection=13, complex_reflection=7,
        giving_information=5, persuade=1, affirm=3, seeking_collaboration=2,
        emphasizing_autonomy=1),
        notes="R:Q past 1 for the first time: as many reflections as questions. Your complex "
              "reflection about Tom wanting to be a different dad than his own landed; he "
              "talked for two minutes after it.",
        practise_next="Add meaning to one reflection in three: say what the family might be "
                      "hoping for, not only what they said"),
    Observed(87, Method.COUNTS, Source.AUDIO, (4, 3, 4, 4), team="Nguyen family", codes=_codes(
        question_open=11, question_closed=5, simple_reflection=12, complex_reflection=8,
        giving_information=4, affirm=3, seeking_collaboration=3, emphasizing_autonomy=2),
        notes="Strong partnership: you asked before giving information every time. Luis "
              "set the agenda and you followed it.",
        practise_next="Listen for change talk and reflect it back; let the sustain talk go "
                      "by"),
    Observed(52, Method.TRANSCRIPT, Source.TRANSCRIPT, (4, 3, 4, 4), team="Rivera family",
        transcript=MORNINGS,
        notes="A lovely excerpt to code. You asked permission before the ideas, then asked "
              "what Rosa made of them instead of selling them. The affirmation was specific "
              "and earned.",
        practise_next="End with a summary that Rosa makes, not you: ask her what she is "
                      "taking away"),
    Observed(10, Method.TALLY, Source.LIVE, (4, 4, 5, 4), team="Hernández family", codes=_codes(
        question_open=11, question_closed=4, simple_reflection=12, complex_reflection=15,
        giving_information=3, persuade_with_permission=1, affirm=4, seeking_collaboration=3,
        emphasizing_autonomy=2),
        notes="Your best session yet: nearly two reflections for every question, and more "
              "than half of them complex. Mei named her own next step without being asked.",
        practise_next="Reflect the family's values, not only their feelings: what matters "
                      "to them underneath what they say"),
]  # fmt: skip

# Coded by the demo facilitator herself, from a recording of her own.
SELF_CODED = Observed(
    61, Method.COUNTS, Source.AUDIO, (3, 3, 4, 4), team="Johnson family",
    codes=_codes(question_open=8, question_closed=4, simple_reflection=10,
                 complex_reflection=6, giving_information=4, affirm=2,
                 seeking_collaboration=2, emphasizing_autonomy=1),
    notes="Coding my own recording: more reflections than questions, but I rushed the "
          "summary at the end.",
    practise_next="Slow down at the end; let the family summarise",
)  # fmt: skip

# A colleague drifting: fair, then a crisis call with no reflections, then below fair.
DRIFTING = [
    Observed(140, Method.COUNTS, Source.AUDIO, (3, 3, 4, 3), team="Kowalski family", codes=_codes(
        question_open=9, question_closed=9, simple_reflection=16, complex_reflection=4,
        giving_information=6, persuade=1, affirm=2, seeking_collaboration=1),
        notes="Solid: slightly more reflections than questions. Good affirmation of the "
              "youth's work at the garage.",
        practise_next="Try one complex reflection after each open question"),
    Observed(75, Method.COUNTS, Source.LIVE, (2, 3, 3, 3), team="Thompson family",
        segment_minutes=10,
        codes=_codes(question_open=2, question_closed=10, giving_information=9, persuade=2),
        notes="A crisis call about safety at home, so the ten minutes were mostly closed "
              "questions and information, which was right for the moment. No reflections "
              "were coded.",
        practise_next="After a crisis call, one reflection of how hard it was before you "
                      "move to the plan"),
    Observed(20, Method.COUNTS, Source.AUDIO, (3, 2, 3, 3), team="Lee family", codes=_codes(
        question_open=7, question_closed=9, simple_reflection=10, complex_reflection=2,
        giving_information=7, persuade=3, affirm=1, confront=1),
        notes="Questions outnumber reflections again, and you argued for the plan twice. "
              "You said yourself you have missed the last labs; let's talk about what "
              "would help you get back.",
        practise_next="Two reflections before each question, as you did in the lab"),
]  # fmt: skip

# A colleague doing well, in English and in Spanish.
STEADY = [
    Observed(150, Method.COUNTS, Source.AUDIO, (4, 3, 4, 4), team="Walker family", codes=_codes(
        question_open=9, question_closed=3, simple_reflection=11, complex_reflection=9,
        giving_information=3, affirm=3, seeking_collaboration=2, emphasizing_autonomy=2),
        notes="The youth led half of the conversation. Clear asking of permission.",
        practise_next="Keep the same pace; add a collecting summary halfway through"),
    Observed(80, Method.COUNTS, Source.LIVE, (4, 4, 5, 4), team="Ali family", codes=_codes(
        question_open=8, question_closed=2, simple_reflection=8, complex_reflection=10,
        giving_information=2, affirm=4, seeking_collaboration=3, emphasizing_autonomy=3),
        notes="R:Q 1.8, and more than half of the reflections complex. Dad set the goal in "
              "his own words.",
        practise_next="Bring one of these reflections to the lab as an example for others"),
    Observed(35, Method.TRANSCRIPT, Source.TRANSCRIPT, (4, 4, 5, 5), team="García family",
        transcript=MATEO,
        notes="En español y con mucho respeto: la reflexión sobre el papá que conoce a "
              "Mateo mejor que nadie cambió la conversación.",
        practise_next="Pregúntale al papá qué quiere decirle primero a la maestra"),
]  # fmt: skip

# Taps already made on the live tally open today.
TODAY_TAPS = [OPEN, SIMPLE, CLOSED, OPEN, COMPLEX, SIMPLE, AFFIRM, OPEN, CLOSED, SIMPLE,
              INFO, COMPLEX]  # fmt: skip


@transaction.atomic
def demo_practice_seed(
    *,
    organization: Organization,
    supervisor: User,
    coach: User,
    facilitators: Sequence[User],
    now: datetime,
) -> None:
    """Observations of `facilitators` (the demo facilitator first, then a colleague who
    drifts and one who does well), coded by `supervisor` (a supervisor of all three);
    `coach`, another supervisor of the demo facilitator, codes one transcript a second
    time. Run after the teams exist."""
    maya = facilitators[0]
    if PracticeObservation.objects.filter(organization=organization, facilitator=maya).exists():
        return
    seeding = _Seeding(organization=organization, now=now)
    for observed in GROWTH:
        observation = seeding.observe(observed, facilitator=maya, coder=supervisor)
        if observed.transcript is not None:
            seeding.second_coding(observation, observed, coder=coach)
    latest = observation
    # The coaching conversation a week later, when the coach sent the skill as a prompt.
    talked = seeding.working_day(latest.observed_on, 6)
    sent = min(seeding.at(talked, 10), now - timedelta(hours=1))
    practise_next_send(observation=latest, by=supervisor, now=sent)

    seeding.observe(SELF_CODED, facilitator=maya, coder=maya)
    for colleague, history in zip(facilitators[1:], (DRIFTING, STEADY), strict=False):
        for observed in history:
            seeding.observe(observed, facilitator=colleague, coder=supervisor)
    seeding.tally_open(facilitator=maya, coder=supervisor)


class _Seeding:
    def __init__(self, *, organization: Organization, now: datetime) -> None:
        self.organization = organization
        self.now = now
        self.today = timezone.localdate(now)
        self.zone = timezone.get_current_timezone()
        self.rng = random.Random(20260412)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone)

    def observed_on(self, days_ago: int) -> date:
        day = self.today - timedelta(days=days_ago)
        # Coaching happens on weekdays: Saturday moves back to Friday, Sunday to Monday.
        if day.weekday() == 5:
            day -= timedelta(days=1)
        elif day.weekday() == 6:
            day += timedelta(days=1)
        return min(day, self.today)

    @staticmethod
    def working_day(day: date, days: int) -> date:
        """`days` working days after `day` (Monday to Friday)."""
        while days:
            day += timedelta(days=1)
            days -= day.weekday() < 5
        return day

    def team(self, facilitator: User, name: str | None, day: date) -> FamilyTeam | None:
        """The facilitator's team of that name, if it was open on `day`."""
        if name is None:
            return None
        return FamilyTeam.objects.filter(
            facilitators=facilitator, program__organization=self.organization, name=name,
            opened_on__lte=day,
        ).first()  # fmt: skip

    def observe(self, observed: Observed, *, facilitator: User, coder: User) -> PracticeObservation:
        """Open, code and finish one observation through the services, then move its
        timestamps (and its engagement event) back to the day it was observed."""
        day = self.observed_on(observed.days_ago)
        began = self.at(day, self.rng.choice([9, 10, 11, 13, 14]), self.rng.choice([0, 15, 30]))
        observation = observation_create(
            organization=self.organization,
            coded_by=coder,
            data={
                "facilitator": facilitator,
                "team": self.team(facilitator, observed.team, day),
                "observed_on": day,
                "source": observed.source,
                "method": observed.method,
                "segment_minutes": observed.segment_minutes,
            },
        )
        data = {
            "cultivating_change_talk": observed.globals[0],
            "softening_sustain_talk": observed.globals[1],
            "partnership": observed.globals[2],
            "empathy": observed.globals[3],
            "notes": observed.notes,
            "practise_next": observed.practise_next,
        }
        segment = timedelta(minutes=observed.segment_minutes)
        if observed.method == Method.TALLY:
            tally_timer_start(observation=observation, by=coder, now=began)
            self.taps(observation, observed.codes or {}, coder=coder, began=began)
            completed = began + segment + timedelta(minutes=25)
        elif observed.method == Method.COUNTS:
            data |= counts_from_codes(observed.codes or {})
            # Coded from the recording or the paper tally sheet the next working day.
            completed = self.at(self.working_day(day, 1), 15, 30)
        else:
            completed = self.first_coding(observation, observed.transcript, coder=coder, day=day)
        observation = observation_finish(observation=observation, by=coder, data=data)
        PracticeObservation.objects.filter(pk=observation.pk).update(
            created_at=began - timedelta(minutes=5), updated_at=completed, completed_at=completed
        )
        event = (
            EngagementEvent.objects.filter(
                actor=facilitator,
                kind=EngagementEvent.Kind.PRACTICE_OBSERVED,
                organization=self.organization,
            )
            .order_by("-id")
            .first()
        )
        EngagementEvent.objects.filter(pk=event.pk).update(occurred_at=self.at(day, 17))
        observation.refresh_from_db()
        return observation

    def taps(
        self, observation: PracticeObservation, codes: dict[str, int], *, coder: User,
        began: datetime,
    ) -> None:  # fmt: skip
        """Tap each code as often as counted, in a shuffled order, spread over the
        segment."""
        sequence = [code for code, n in codes.items() for _ in range(n)]
        self.rng.shuffle(sequence)
        for code in sequence:
            tally_tap(observation=observation, code=code, by=coder)
        seconds = observation.segment_minutes * 60
        offsets = sorted(self.rng.uniform(5, seconds - 5) for _ in sequence)
        taps = list(observation.taps.order_by("id"))
        for tap, offset in zip(taps, offsets, strict=True):
            tap.tapped_at = began + timedelta(seconds=round(offset))
        TallyTap.objects.bulk_update(taps, ["tapped_at"])

    def first_coding(
        self, observation: PracticeObservation, transcript: Transcript, *, coder: User, day: date
    ) -> datetime:
        """Paste the transcript, code every practitioner line, finish the coding;
        returns when it was finished (two working days after the conversation)."""
        pasted = transcript_add(
            observation=observation, by=coder, text=transcript.text,
            practitioner_labels=transcript.practitioner_labels,
            other_labels=transcript.other_labels,
        )  # fmt: skip
        coding = pasted.codings.get(primary=True)
        self.code_lines(coding, pasted, transcript.codes, coder=coder)
        coding_complete(coding=coding, by=coder)
        started = self.at(self.working_day(day, 2), 14)
        completed = started + timedelta(minutes=35)
        PracticeTranscript.objects.filter(pk=pasted.pk).update(created_at=started)
        self.backdate(coding, started, completed)
        return completed

    def second_coding(
        self, observation: PracticeObservation, observed: Observed, *, coder: User
    ) -> None:
        """A blind second coding by another coach, three working days after the first."""
        coding = coding_second_start(observation=observation, coder=coder)
        self.code_lines(coding, observation.transcript, observed.transcript.second_codes,
                        coder=coder)  # fmt: skip
        coding_complete(coding=coding, by=coder)
        started = self.at(self.working_day(observation.observed_on, 5), 11)
        self.backdate(coding, started, started + timedelta(minutes=40))

    def code_lines(
        self, coding: TranscriptCoding, transcript: PracticeTranscript, codes: list[str], *,
        coder: User,
    ) -> None:  # fmt: skip
        lines = list(transcript.utterances.filter(practitioner=True).order_by("position"))
        if len(lines) != len(codes):
            raise ValueError(f"{len(lines)} practitioner lines, {len(codes)} codes")
        for line, code in zip(lines, codes, strict=True):
            utterance_code(coding=coding, utterance_id=line.pk, code=code, by=coder)

    def backdate(self, coding: TranscriptCoding, started: datetime, completed: datetime) -> None:
        TranscriptCoding.objects.filter(pk=coding.pk).update(
            created_at=started, completed_at=completed
        )
        UtteranceCode.objects.filter(coding=coding).update(coded_at=completed)

    def tally_open(self, *, facilitator: User, coder: User) -> None:
        """Today's live tally, begun a few minutes ago and not finished."""
        began = self.now - timedelta(minutes=7)
        observation = observation_create(
            organization=self.organization,
            coded_by=coder,
            data={
                "facilitator": facilitator,
                "team": self.team(facilitator, "Nguyen family", self.today),
                "observed_on": self.today,
                "source": Source.LIVE,
                "method": Method.TALLY,
                "segment_minutes": 20,
            },
        )
        PracticeObservation.objects.filter(pk=observation.pk).update(
            created_at=began - timedelta(minutes=2)
        )
        tally_timer_start(observation=observation, by=coder, now=began)
        for code in TODAY_TAPS:
            tally_tap(observation=observation, code=code, by=coder)
        step = timedelta(minutes=6) / len(TODAY_TAPS)
        taps = list(observation.taps.order_by("id"))
        for number, tap in enumerate(taps, start=1):
            tap.tapped_at = began + step * number
        TallyTap.objects.bulk_update(taps, ["tapped_at"])
