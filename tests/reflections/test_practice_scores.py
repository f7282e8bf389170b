"""The MITI 4.2.1 summary scores, worked by hand: every derived score on a realistic
conversation, the cases with nothing to divide by, each threshold exactly on and just
below it (exact fractions, not floats), and displays that round down so a shown figure
never looks past a threshold it has not reached. No database: the module is pure."""

from __future__ import annotations

from fractions import Fraction

import pytest
from django.utils import translation

from reflections.practice_scores import (
    COUNT_FIELDS,
    GLOBAL_FIELDS,
    NO_CODE,
    THRESHOLDS,
    Band,
    Code,
    Score,
    counts_from_codes,
    scores_of,
)


@pytest.fixture(autouse=True)
def prompt_library():
    """The package conftest loads the prompt library into the database; these tests
    need neither."""
    return None


def _observation(**values: int | None) -> dict[str, int | None]:
    """An observation's counts (all zero) and globals (not rated), with `values` on top."""
    unknown = set(values) - set(COUNT_FIELDS) - set(GLOBAL_FIELDS)
    assert not unknown, f"not a count or global: {unknown}"
    counts: dict[str, int | None] = {field: 0 for field in COUNT_FIELDS}
    counts.update({field: None for field in GLOBAL_FIELDS})
    counts.update(values)
    return counts


def _rq(reflections: int, questions: int) -> Score:
    return scores_of(_observation(simple_reflection=reflections, question=questions)).rq


def _pct_cr(complex_: int, reflections: int) -> Score:
    return scores_of(
        _observation(simple_reflection=reflections - complex_, complex_reflection=complex_)
    ).pct_cr


def _technical(change_talk: int, sustain_talk: int) -> Score:
    return scores_of(
        _observation(cultivating_change_talk=change_talk, softening_sustain_talk=sustain_talk)
    ).technical


def _relational(partnership: int, empathy: int) -> Score:
    return scores_of(_observation(partnership=partnership, empathy=empathy)).relational


# A realistic observed conversation ----------------------------------------------------


@pytest.fixture
def conversation() -> dict[str, int | None]:
    return _observation(
        giving_information=4,
        persuade=2,
        persuade_with_permission=1,
        question=10,
        question_open=6,
        question_closed=4,
        simple_reflection=8,
        complex_reflection=7,
        affirm=3,
        seeking_collaboration=2,
        emphasizing_autonomy=1,
        confront=1,
        cultivating_change_talk=4,
        softening_sustain_talk=3,
        partnership=4,
        empathy=5,
    )


def test_it_derives_every_score_of_a_conversation(conversation):
    scores = scores_of(conversation)

    # reflections = 8 simple + 7 complex = 15; questions = 10.
    assert scores.reflections == 15
    assert scores.questions == 10
    # technical = (4 + 3) / 2 = 3.5: at least 3, below 4 → fair.
    assert scores.technical.value == Fraction(7, 2)
    assert scores.technical.band == Band.FAIR
    assert scores.technical.display == "3.5"
    # relational = (4 + 5) / 2 = 4.5: at least 4 → good.
    assert scores.relational.value == Fraction(9, 2)
    assert scores.relational.band == Band.GOOD
    assert scores.relational.display == "4.5"
    # R:Q = 15 / 10 = 1.5: at least 1, below 2 → fair.
    assert scores.rq.value == Fraction(3, 2)
    assert scores.rq.band == Band.FAIR
    assert scores.rq.display == "1.50"
    # %CR = 7 / 15 × 100 = 46.67 %: at least 40, below 50 → fair; shown rounded down.
    assert scores.pct_cr.value == Fraction(140, 3)
    assert scores.pct_cr.band == Band.FAIR
    assert scores.pct_cr.display == "46 %"
    # MI-adherent = 2 seeking collaboration + 3 affirm + 1 emphasising autonomy = 6;
    # MI-non-adherent = 1 confront + 2 persuade = 3 (persuade with permission in neither).
    assert scores.mi_adherent == 6
    assert scores.mi_non_adherent == 3


def test_it_gives_every_score_a_number_and_no_missing_text(conversation):
    scores = scores_of(conversation)

    assert [score.key for score in scores.bands()] == ["technical", "relational", "rq", "pct_cr"]
    assert [score.number for score in scores.bands()] == [3.5, 4.5, 1.5, pytest.approx(46.6667)]
    assert all(isinstance(score.number, float) for score in scores.bands())
    assert [score.missing for score in scores.bands()] == ["", "", "", ""]
    assert [score.band_label for score in scores.bands()] == ["fair", "good", "fair", "fair"]


# Nothing to divide by, nothing rated ----------------------------------------------------


def test_it_has_no_rq_without_questions():
    scores = scores_of(_observation(simple_reflection=3, complex_reflection=2))

    assert scores.rq.value is None
    assert scores.rq.number is None
    assert scores.rq.missing == "no questions coded"
    assert scores.rq.band is None
    assert scores.rq.band_label == ""
    assert scores.rq.display == "no questions coded"
    # %CR still has its reflections: 2 / 5 × 100 = 40.
    assert scores.pct_cr.value == 40


def test_it_has_no_pct_cr_without_reflections():
    scores = scores_of(_observation(question=4))

    assert scores.pct_cr.value is None
    assert scores.pct_cr.missing == "no reflections coded"
    assert scores.pct_cr.band is None
    assert scores.pct_cr.display == "no reflections coded"
    # No reflections over 4 questions is a ratio of 0, not a missing one: below fair.
    assert scores.rq.value == 0
    assert scores.rq.band == Band.BELOW_FAIR
    assert scores.rq.display == "0.00"


def test_it_has_neither_ratio_without_questions_or_reflections():
    scores = scores_of(_observation(giving_information=5, affirm=2))

    assert scores.rq.display == "no questions coded"
    assert scores.pct_cr.display == "no reflections coded"
    assert scores.reflections == 0
    assert scores.questions == 0
    assert scores.mi_adherent == 2


def test_it_has_no_globals_before_they_are_rated():
    scores = scores_of(_observation(question=2, simple_reflection=2))

    for score in (scores.technical, scores.relational):
        assert score.value is None
        assert score.number is None
        assert score.missing == "not rated"
        assert score.band is None
        assert score.band_label == ""
        assert score.display == "not rated"


@pytest.mark.parametrize(
    "globals_",
    [
        {"cultivating_change_talk": 4},
        {"softening_sustain_talk": 4},
        {"partnership": 5},
        {"empathy": 5},
    ],
)
def test_it_has_no_global_when_one_of_its_two_ratings_is_missing(globals_):
    scores = scores_of(_observation(**globals_))

    assert scores.technical.value is None
    assert scores.relational.value is None
    assert scores.technical.display == "not rated"
    assert scores.relational.display == "not rated"


def test_it_scores_an_empty_mapping_as_nothing_coded():
    scores = scores_of({})

    assert scores.technical.display == "not rated"
    assert scores.relational.display == "not rated"
    assert scores.rq.display == "no questions coded"
    assert scores.pct_cr.display == "no reflections coded"
    assert [score.band for score in scores.bands()] == [None, None, None, None]
    assert (scores.mi_adherent, scores.mi_non_adherent) == (0, 0)
    assert (scores.reflections, scores.questions) == (0, 0)


def test_it_counts_a_missing_count_as_zero():
    counts = _observation(
        question=4,
        simple_reflection=None,
        complex_reflection=2,
        affirm=None,
        seeking_collaboration=1,
        emphasizing_autonomy=None,
        confront=None,
        persuade=1,
    )

    scores = scores_of(counts)

    # reflections = 0 (None) + 2 = 2; R:Q = 2 / 4; %CR = 2 / 2 × 100.
    assert scores.reflections == 2
    assert scores.rq.value == Fraction(1, 2)
    assert scores.pct_cr.value == 100
    assert scores.mi_adherent == 1
    assert scores.mi_non_adherent == 1


def test_it_counts_missing_questions_as_none_coded():
    scores = scores_of(_observation(question=None, simple_reflection=3))

    assert scores.questions == 0
    assert scores.rq.display == "no questions coded"


# Thresholds: exactly on one is on its right side ------------------------------------


@pytest.mark.parametrize(
    ("change_talk", "sustain_talk", "value", "band"),
    [
        (4, 4, Fraction(4), Band.GOOD),  # exactly good
        (4, 3, Fraction(7, 2), Band.FAIR),  # half a point below good
        (3, 3, Fraction(3), Band.FAIR),  # exactly fair
        (3, 2, Fraction(5, 2), Band.BELOW_FAIR),  # half a point below fair
        (1, 1, Fraction(1), Band.BELOW_FAIR),
        (5, 5, Fraction(5), Band.GOOD),
    ],
)
def test_it_bands_technical_at_3_and_4(change_talk, sustain_talk, value, band):
    score = _technical(change_talk, sustain_talk)

    assert score.value == value
    assert score.band == band


@pytest.mark.parametrize(
    ("partnership", "empathy", "value", "band"),
    [
        (4, 4, Fraction(4), Band.GOOD),  # exactly good
        (4, 3, Fraction(7, 2), Band.FAIR),  # exactly fair: 3.5
        (3, 3, Fraction(3), Band.BELOW_FAIR),  # half a point below fair
        (5, 2, Fraction(7, 2), Band.FAIR),
    ],
)
def test_it_bands_relational_at_3_5_and_4(partnership, empathy, value, band):
    score = _relational(partnership, empathy)

    assert score.value == value
    assert score.band == band


@pytest.mark.parametrize(
    ("reflections", "questions", "band"),
    [
        (10, 5, Band.GOOD),  # exactly 2
        (199, 100, Band.FAIR),  # 1.99, just below good
        (5, 5, Band.FAIR),  # exactly 1
        (19, 20, Band.BELOW_FAIR),  # 0.95, just below fair
        (999, 1000, Band.BELOW_FAIR),  # 0.999
    ],
)
def test_it_bands_rq_at_1_and_2(reflections, questions, band):
    score = _rq(reflections, questions)

    assert score.value == Fraction(reflections, questions)
    assert score.band == band


def test_it_bands_rq_of_3_to_3_as_fair():
    # 1/3 reflections over 1/3 questions: exactly 1, in lowest terms or not.
    assert _rq(3, 3).band == Band.FAIR
    assert _rq(30, 30).value == 1


@pytest.mark.parametrize(
    ("complex_", "reflections", "value", "band"),
    [
        (1, 2, Fraction(50), Band.GOOD),  # exactly 50 %
        (49, 100, Fraction(49), Band.FAIR),  # just below good
        (2, 5, Fraction(40), Band.FAIR),  # exactly 40 %: 0.4 × 100 in floats is not 40
        (39, 100, Fraction(39), Band.BELOW_FAIR),  # just below fair
        (399, 1000, Fraction(399, 10), Band.BELOW_FAIR),  # 39.9 %
        (0, 3, Fraction(0), Band.BELOW_FAIR),
        (3, 3, Fraction(100), Band.GOOD),
    ],
)
def test_it_bands_pct_cr_at_40_and_50(complex_, reflections, value, band):
    score = _pct_cr(complex_, reflections)

    assert score.value == value
    assert score.band == band


def test_it_puts_a_third_of_reflections_complex_below_fair_and_two_of_five_on_fair():
    # Exact arithmetic: 1/3 × 100 = 33.3…, and 2/5 × 100 is 40 exactly, not 39.999….
    assert _pct_cr(1, 3).band == Band.BELOW_FAIR
    assert _pct_cr(2, 5).value == 40
    assert _pct_cr(4, 10).band == Band.FAIR
    assert _pct_cr(6, 15).band == Band.FAIR


def test_it_keeps_the_miti_thresholds():
    assert {key: (t.fair, t.good) for key, t in THRESHOLDS.items()} == {
        "technical": (3, 4),
        "relational": (Fraction(7, 2), 4),
        "rq": (1, 2),
        "pct_cr": (40, 50),
    }


# Displays round down --------------------------------------------------------------


@pytest.mark.parametrize(
    ("reflections", "questions", "shown"),
    [
        (199, 100, "1.99"),  # not "2.00": it is fair, not good
        (999, 1000, "0.99"),  # not "1.00": it is below fair
        (1999, 1000, "1.99"),
        (2, 1, "2.00"),
        (1, 1, "1.00"),
        (2, 3, "0.66"),
        (29, 100, "0.29"),
        (57, 100, "0.57"),
        (7, 2, "3.50"),
    ],
)
def test_it_shows_rq_rounded_down_to_two_places(reflections, questions, shown):
    assert _rq(reflections, questions).display == shown


@pytest.mark.parametrize(
    ("complex_", "reflections", "shown"),
    [
        (399, 1000, "39 %"),  # not "40 %": it is below fair
        (499, 1000, "49 %"),  # not "50 %": it is fair, not good
        (2, 5, "40 %"),
        (1, 2, "50 %"),
        (2, 3, "66 %"),
        (3, 3, "100 %"),
        (0, 4, "0 %"),
        (57, 100, "57 %"),  # 0.57 × 100 in floats is 56.99…
        (29, 100, "29 %"),
    ],
)
def test_it_shows_pct_cr_as_whole_percent_rounded_down(complex_, reflections, shown):
    assert _pct_cr(complex_, reflections).display == shown


@pytest.mark.parametrize(
    ("first", "second", "shown"),
    [(4, 3, "3.5"), (3, 2, "2.5"), (3, 3, "3.0"), (5, 4, "4.5"), (1, 2, "1.5")],
)
def test_it_shows_a_global_to_one_place(first, second, shown):
    assert _technical(first, second).display == shown
    assert _relational(first, second).display == shown


# Counts from codes ----------------------------------------------------------------------


def test_it_counts_open_and_closed_questions_as_questions():
    counts = counts_from_codes({Code.QUESTION_OPEN: 6, Code.QUESTION_CLOSED: 4})

    assert counts["question"] == 10
    assert counts["question_open"] == 6
    assert counts["question_closed"] == 4


def test_it_counts_every_code_and_ignores_what_is_not_one():
    counts = counts_from_codes(
        {
            Code.GIVING_INFORMATION: 4,
            Code.PERSUADE: 2,
            Code.PERSUADE_WITH_PERMISSION: 1,
            Code.SIMPLE_REFLECTION: 8,
            Code.COMPLEX_REFLECTION: 7,
            Code.AFFIRM: 3,
            Code.SEEKING_COLLABORATION: 2,
            Code.EMPHASIZING_AUTONOMY: 1,
            Code.CONFRONT: 1,
            NO_CODE: 9,
            "mm_hmm": 5,
            "cultivating_change_talk": 4,
        }
    )

    assert counts == {
        "giving_information": 4,
        "persuade": 2,
        "persuade_with_permission": 1,
        "question": 0,
        "question_open": 0,
        "question_closed": 0,
        "simple_reflection": 8,
        "complex_reflection": 7,
        "affirm": 3,
        "seeking_collaboration": 2,
        "emphasizing_autonomy": 1,
        "confront": 1,
    }


def test_it_counts_nothing_from_no_codes():
    assert counts_from_codes({}) == {field: 0 for field in COUNT_FIELDS}


def test_it_counts_every_code_of_the_tally():
    # Every code can be tapped and each lands in its own count.
    counts = counts_from_codes({code: 1 for code in Code.values})

    assert counts == {field: 1 for field in COUNT_FIELDS} | {"question": 2}


def test_it_scores_counts_made_from_codes():
    counts = counts_from_codes(
        {Code.QUESTION_OPEN: 3, Code.QUESTION_CLOSED: 2, Code.SIMPLE_REFLECTION: 3}
    )

    scores = scores_of(counts)

    # Globals are not in counts made from codes: not rated yet.
    assert scores.questions == 5
    assert scores.rq.value == Fraction(3, 5)
    assert scores.technical.display == "not rated"


# MI-adherent and non-adherent ---------------------------------------------------------


def test_it_sums_mi_adherent_behaviour():
    scores = scores_of(_observation(seeking_collaboration=2, affirm=5, emphasizing_autonomy=3))

    assert scores.mi_adherent == 10
    assert scores.mi_non_adherent == 0


def test_it_sums_mi_non_adherent_behaviour():
    scores = scores_of(_observation(confront=4, persuade=3))

    assert scores.mi_non_adherent == 7
    assert scores.mi_adherent == 0


def test_it_counts_persuading_with_permission_as_neither():
    scores = scores_of(_observation(persuade_with_permission=6, giving_information=4))

    assert scores.mi_adherent == 0
    assert scores.mi_non_adherent == 0


# Words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "numbers"),
    [
        ("technical", ("3", "4")),
        ("relational", ("3.5", "4")),
        ("rq", ("1", "2")),
        ("pct_cr", ("40 %", "50 %")),
    ],
)
def test_it_states_both_numbers_of_a_threshold(key, numbers):
    text = Score(key, None).threshold_text

    assert isinstance(text, str)
    fair, good = numbers
    assert text == f"fair from {fair}, good from {good}"


@pytest.mark.parametrize(
    ("value", "label"),
    [(Fraction(1, 2), "below fair"), (Fraction(1), "fair"), (Fraction(2), "good")],
)
def test_it_labels_each_band_in_words(value, label):
    assert Score("rq", value).band_label == label


def test_it_labels_a_band_in_spanish():
    with translation.override("es"):
        label = Score("pct_cr", Fraction(45)).band_label
        threshold_text = Score("pct_cr", Fraction(45)).threshold_text
        missing = scores_of({}).rq.display

    assert isinstance(label, str)
    assert label
    assert isinstance(threshold_text, str)
    assert "40 %" in threshold_text
    assert "50 %" in threshold_text
    assert isinstance(missing, str)
    assert missing
