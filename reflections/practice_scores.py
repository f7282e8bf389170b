"""The MITI 4.2.1 codes of an observed conversation and the scores derived from them,
defined once, with the proficiency thresholds. Pages, the trend chart, demo data and the
drift rules all read scores from here, so no two screens disagree.

Behaviour codes (one per practitioner utterance): giving information, persuade, persuade
with permission, question (split into open and closed, a supplementary split), simple
and complex reflection, affirm, seeking collaboration, emphasising autonomy, confront.
Global ratings 1–5: cultivating change talk, softening sustain talk, partnership,
empathy.

Summary scores (MITI 4.2.1):
- technical global = mean of cultivating change talk and softening sustain talk;
- relational global = mean of partnership and empathy;
- reflection-to-question ratio R:Q = (simple + complex reflections) / questions;
- percent complex reflections %CR = complex / (simple + complex) × 100;
- MI-adherent = seeking collaboration + affirm + emphasising autonomy;
- MI-non-adherent = confront + persuade (persuading with permission is adherent to
  neither).

Arithmetic is exact (fractions), so a score exactly on a threshold is on the right side
of it (40 % is fair: 2 of 5 reflections complex)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

COUNT_MAX = 500
GLOBAL_MIN, GLOBAL_MAX = 1, 5


class Code(models.TextChoices):
    """A behaviour code, as tapped on the tally or given to one utterance."""

    GIVING_INFORMATION = "giving_information", _("Giving information")
    PERSUADE = "persuade", _("Persuade")
    PERSUADE_WITH_PERMISSION = "persuade_with_permission", _("Persuade with permission")
    QUESTION_OPEN = "question_open", _("Open question")
    QUESTION_CLOSED = "question_closed", _("Closed question")
    SIMPLE_REFLECTION = "simple_reflection", _("Simple reflection")
    COMPLEX_REFLECTION = "complex_reflection", _("Complex reflection")
    AFFIRM = "affirm", _("Affirm")
    SEEKING_COLLABORATION = "seeking_collaboration", _("Seeking collaboration")
    EMPHASIZING_AUTONOMY = "emphasizing_autonomy", _("Emphasising autonomy")
    CONFRONT = "confront", _("Confront")


# An utterance the coder gives no behaviour code ("Mm-hmm", a greeting).
NO_CODE = "none"
NO_CODE_LABEL = _("No code")

# The key that codes each behaviour on the tally and the transcript coder (a laptop);
# the same keys on both screens, shown on every button.
SHORTCUTS: dict[str, str] = {
    Code.GIVING_INFORMATION: "g",
    Code.PERSUADE: "p",
    Code.PERSUADE_WITH_PERMISSION: "w",
    Code.QUESTION_OPEN: "o",
    Code.QUESTION_CLOSED: "c",
    Code.SIMPLE_REFLECTION: "s",
    Code.COMPLEX_REFLECTION: "x",
    Code.AFFIRM: "a",
    Code.SEEKING_COLLABORATION: "k",
    Code.EMPHASIZING_AUTONOMY: "u",
    Code.CONFRONT: "f",
    NO_CODE: "n",
}

# The counts an observation keeps: each code's own count, and `question` (the total of
# questions) with its open/closed split. Field names on PracticeObservation.
COUNT_FIELDS = (
    "giving_information",
    "persuade",
    "persuade_with_permission",
    "question",
    "question_open",
    "question_closed",
    "simple_reflection",
    "complex_reflection",
    "affirm",
    "seeking_collaboration",
    "emphasizing_autonomy",
    "confront",
)
GLOBAL_FIELDS = ("cultivating_change_talk", "softening_sustain_talk", "partnership", "empathy")


def counts_from_codes(codes: Mapping[str, int]) -> dict[str, int]:
    """The observation's counts from how often each code was given (tally taps or
    confirmed utterance codes): a question is open or closed, and counts as a question."""
    counts = {field: 0 for field in COUNT_FIELDS}
    for code, n in codes.items():
        if code in counts:
            counts[code] += n
    counts["question"] = counts["question_open"] + counts["question_closed"]
    return counts


class Band(models.TextChoices):
    BELOW_FAIR = "below_fair", _("below fair")
    FAIR = "fair", _("fair")
    GOOD = "good", _("good")


@dataclass(frozen=True)
class Threshold:
    """MITI 4.2.1 proficiency: a score at or above `fair` is fair, at or above `good`
    is good."""

    fair: Fraction
    good: Fraction

    def band(self, value: Fraction | None) -> Band | None:
        if value is None:
            return None
        if value >= self.good:
            return Band.GOOD
        if value >= self.fair:
            return Band.FAIR
        return Band.BELOW_FAIR


THRESHOLDS: dict[str, Threshold] = {
    "technical": Threshold(fair=Fraction(3), good=Fraction(4)),
    "relational": Threshold(fair=Fraction(7, 2), good=Fraction(4)),
    "rq": Threshold(fair=Fraction(1), good=Fraction(2)),
    "pct_cr": Threshold(fair=Fraction(40), good=Fraction(50)),
}

SCORE_LABELS = {
    "technical": _("Technical global"),
    "relational": _("Relational global"),
    "rq": _("Reflections to questions (R:Q)"),
    "pct_cr": _("Complex reflections (%CR)"),
}


@dataclass(frozen=True)
class Score:
    """One summary score: its value (None when it cannot be computed), its band against
    the threshold, and why there is no value."""

    key: str
    value: Fraction | None
    missing: str = ""

    @property
    def label(self) -> str:
        return str(SCORE_LABELS[self.key])

    @property
    def threshold(self) -> Threshold:
        return THRESHOLDS[self.key]

    @property
    def band(self) -> Band | None:
        return self.threshold.band(self.value)

    @property
    def band_label(self) -> str:
        return str(Band(self.band).label) if self.band else ""

    @property
    def threshold_text(self) -> str:
        """ "fair from 1, good from 2" in the reader's language."""
        unit = " %" if self.key == "pct_cr" else ""

        def shown(value: Fraction) -> str:
            places = 0 if value.denominator == 1 else 1
            return f"{number_format(Decimal(value.numerator) / value.denominator, places)}{unit}"

        return _("fair from %(fair)s, good from %(good)s") % {
            "fair": shown(self.threshold.fair),
            "good": shown(self.threshold.good),
        }

    @property
    def number(self) -> float | None:
        return None if self.value is None else float(self.value)

    @property
    def display(self) -> str:
        """The value as people read it ("1.50", "3.5", "45 %"), or why there is none.
        Rounded down, so a shown figure never looks past a threshold it has not reached."""
        if self.value is None:
            return str(self.missing)
        if self.key == "pct_cr":
            return f"{math.floor(self.value)} %"
        if self.key == "rq":
            return number_format(Decimal(math.floor(self.value * 100)) / 100, 2)
        return number_format(Decimal(math.floor(self.value * 10)) / 10, 1)


@dataclass(frozen=True)
class Scores:
    technical: Score
    relational: Score
    rq: Score
    pct_cr: Score
    mi_adherent: int
    mi_non_adherent: int
    reflections: int
    questions: int

    def bands(self) -> list[Score]:
        return [self.technical, self.relational, self.rq, self.pct_cr]


def _mean(a: int | None, b: int | None) -> Fraction | None:
    if a is None or b is None:
        return None
    return Fraction(a + b, 2)


def scores_of(counts: Mapping[str, int | None]) -> Scores:
    """Every summary score of one observation's counts and globals (a mapping with the
    COUNT_FIELDS and GLOBAL_FIELDS; a global not rated yet is None)."""

    def count(field: str) -> int:
        return int(counts.get(field) or 0)

    reflections = count("simple_reflection") + count("complex_reflection")
    questions = count("question")
    if questions:
        rq = Score("rq", Fraction(reflections, questions))
    else:
        rq = Score("rq", None, _("no questions coded"))
    if reflections:
        pct_cr = Score("pct_cr", Fraction(count("complex_reflection") * 100, reflections))
    else:
        pct_cr = Score("pct_cr", None, _("no reflections coded"))
    technical = _mean(counts.get("cultivating_change_talk"), counts.get("softening_sustain_talk"))
    relational = _mean(counts.get("partnership"), counts.get("empathy"))
    return Scores(
        technical=Score("technical", technical, "" if technical is not None else _("not rated")),
        relational=Score(
            "relational", relational, "" if relational is not None else _("not rated")
        ),
        rq=rq,
        pct_cr=pct_cr,
        mi_adherent=count("seeking_collaboration")
        + count("affirm")
        + count("emphasizing_autonomy"),
        mi_non_adherent=count("confront") + count("persuade"),
        reflections=reflections,
        questions=questions,
    )
