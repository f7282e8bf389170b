"""Coding a pasted transcript: splitting it into utterances, the suggested code of each
practitioner utterance (rules in English and Spanish), and how two coders agree. Pure
Python: nothing here touches the database."""

from __future__ import annotations

import pytest

from reflections.transcript import (
    NO_CODE,
    QUESTION_CLOSED,
    QUESTION_OPEN,
    SIMPLE_REFLECTION,
    SUGGESTION_RULES,
    TRANSCRIPT_MAX_BYTES,
    Agreement,
    QuestionMark,
    Suggestion,
    Utterance,
    code_suggest,
    coder_agreement,
    kappa_band_label,
    rule_explanation,
    transcript_parse,
    transcript_problem,
)


@pytest.fixture(autouse=True)
def prompt_library():
    """Stands in for the package's autouse fixture of the same name, which loads the
    prompt library into the database: these tests need no database."""


ENGLISH = """\
Home visit, 3 May. Recorded with the family's consent.

Facilitator: How do you feel about that?
Family: Tired, mostly.
Facilitator: Tell me more.
Family: The school keeps calling
    and I can't keep up.
Facilitator: It sounds like you're worn out.
Family: Yes.
Facilitator: You're feeling   worn out?
Facilitator: Do you want to talk about
  school?
Family: Maybe.
Facilitator: So you'd rather wait?
facilitator: I think you should call the school.
FAMILY : OK.
Facilitator: Mm-hmm.
"""

SPANISH = """\
T: ¿Cómo te fue?
C: Más o menos.
T: ¿Tienes tiempo el martes?
C: No sé.
T: Parece que esto te importa mucho.
C: Sí, mucho.
T: Sientes que nadie te escucha.
C: Nadie.
T: ¿Estás cansada?
C: Un poco.
"""


def _suggested(text: str) -> tuple[str, str] | None:
    suggestion = code_suggest(text)
    return None if suggestion is None else (suggestion.code, suggestion.rule)


def test_it_splits_an_english_transcript_and_suggests_a_code_for_each_practitioner_line():
    parsed = transcript_parse(ENGLISH)

    assert parsed.ignored_lines == 1
    assert [u for u in parsed.utterances if not u.practitioner] == [
        Utterance(speaker="Family", text="Tired, mostly.", practitioner=False),
        Utterance(
            speaker="Family",
            text="The school keeps calling and I can't keep up.",
            practitioner=False,
        ),
        Utterance(speaker="Family", text="Yes.", practitioner=False),
        Utterance(speaker="Family", text="Maybe.", practitioner=False),
        Utterance(speaker="FAMILY", text="OK.", practitioner=False),
    ]
    practitioner = [
        (u.speaker, u.text, _suggested(u.text)) for u in parsed.utterances if u.practitioner
    ]
    assert practitioner == [
        ("Facilitator", "How do you feel about that?", (QUESTION_OPEN, "open_en")),
        ("Facilitator", "Tell me more.", (QUESTION_OPEN, "open_en")),
        (
            "Facilitator",
            "It sounds like you're worn out.",
            (SIMPLE_REFLECTION, "reflection_en"),
        ),
        ("Facilitator", "You're feeling worn out?", (SIMPLE_REFLECTION, "reflection_en")),
        ("Facilitator", "Do you want to talk about school?", (QUESTION_CLOSED, "closed_en")),
        ("Facilitator", "So you'd rather wait?", (SIMPLE_REFLECTION, "reflection_en")),
        ("facilitator", "I think you should call the school.", None),
        ("Facilitator", "Mm-hmm.", None),
    ]
    assert parsed.practitioner_count == 8


def test_it_splits_a_spanish_transcript_and_suggests_a_code_for_each_practitioner_line():
    parsed = transcript_parse(SPANISH)

    assert parsed.ignored_lines == 0
    assert [u.speaker for u in parsed.utterances] == ["T", "C"] * 5
    practitioner = [(u.text, _suggested(u.text)) for u in parsed.utterances if u.practitioner]
    assert practitioner == [
        ("¿Cómo te fue?", (QUESTION_OPEN, "open_es")),
        ("¿Tienes tiempo el martes?", (QUESTION_CLOSED, "closed_es")),
        ("Parece que esto te importa mucho.", (SIMPLE_REFLECTION, "reflection_es")),
        ("Sientes que nadie te escucha.", (SIMPLE_REFLECTION, "reflection_es_verb")),
        # Spanish asks yes/no without inverting: with question marks, a closed question.
        ("¿Estás cansada?", (QUESTION_CLOSED, "closed_es")),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Word boundaries: "however" is not "how", "whatever" is not "what".
        ("However, that's up to you.", None),
        ("Whatever works for you.", None),
        ("However you look at it, it's hard?", (QUESTION_CLOSED, "question_mark")),
        ("What's been hardest?", (QUESTION_OPEN, "open_en")),
        ("WHY NOT?", (QUESTION_OPEN, "open_en")),
        # Leading quotes, dashes and spaces, and a typographic apostrophe.
        ("  “— What happened then?”", (QUESTION_OPEN, "open_en")),
        ("You’re feeling stuck.", (SIMPLE_REFLECTION, "reflection_en")),
        ("Are you feeling stuck?", (QUESTION_CLOSED, "closed_en")),
        # A closed opening needs a question mark.
        ("Do what feels right.", None),
        ("Isn't that hard?", (QUESTION_CLOSED, "question_mark")),
        # The last row wants the "?" at the end, not somewhere inside.
        ("Okay? Let's move on.", None),
        ("Estás cansada.", (SIMPLE_REFLECTION, "reflection_es_verb")),
        ("Quieres volver a la escuela.", (SIMPLE_REFLECTION, "reflection_es_verb")),
        ("¿Quieres volver a la escuela?", (QUESTION_CLOSED, "closed_es")),
        ("¿Te sientes sola?", (QUESTION_CLOSED, "closed_es")),
        ("¿Sientes que nadie te escucha?", (QUESTION_CLOSED, "question_mark")),
        ("¿Parece que esto te importa?", (SIMPLE_REFLECTION, "reflection_es")),
        # Without the accent, an interrogative counts only with a question mark.
        ("¿Como te fue?", (QUESTION_OPEN, "open_es_unaccented")),
        ("Por que no vino?", (QUESTION_OPEN, "open_es_unaccented")),
        ("Como te dije, el martes vamos.", None),
        ("Porque no quiso.", None),
        ("Cuentame más.", (QUESTION_OPEN, "open_es")),
        ("¡Cuéntame!", (QUESTION_OPEN, "open_es")),
        ("", None),
        ("...", None),
    ],
)
def test_it_suggests_by_the_rules_in_order(text, expected):
    assert _suggested(text) == expected


def test_it_matches_every_phrase_of_the_table_to_its_code():
    # A phrase another row reads first with the same code (e.g. "describe", "has") is
    # fine; one that lands on a different code means the table contradicts itself.
    for rule in SUGGESTION_RULES:
        ending = {QuestionMark.PRESENT: " ahora?", QuestionMark.FINAL: " ahora?"}.get(
            rule.question_mark, " ahora."
        )
        for phrase in rule.phrases:
            assert phrase == " ".join(phrase.lower().split()), phrase
            suggestion = code_suggest(phrase.capitalize() + ending)
            assert suggestion is not None, phrase
            assert suggestion.code == rule.code, (phrase, suggestion)


def test_it_explains_every_rule():
    keys = [rule.key for rule in SUGGESTION_RULES]
    assert len(keys) == len(set(keys))
    for key in keys:
        assert rule_explanation(key).strip(), key
    assert rule_explanation("question_mark") == (
        "Ends with a question mark and has no open opening: a question, closed unless you "
        "hear otherwise."
    )
    assert {rule.code for rule in SUGGESTION_RULES} == {
        QUESTION_OPEN,
        QUESTION_CLOSED,
        SIMPLE_REFLECTION,
    }


def test_it_returns_a_frozen_suggestion():
    suggestion = code_suggest("Tell me more.")
    assert suggestion == Suggestion(code=QUESTION_OPEN, rule="open_en")
    with pytest.raises(AttributeError):
        suggestion.code = NO_CODE  # type: ignore[misc]


def test_it_uses_only_the_chosen_labels_for_the_practitioner():
    text = "Rosa: How was the week?\nMr. Diaz: Long.\nT: Noted.\nFacilitator: Hi.\n"

    parsed = transcript_parse(text, practitioner_labels=["rosa"], other_labels=["Mr. Diaz"])

    assert [(u.speaker, u.practitioner) for u in parsed.utterances] == [
        ("Rosa", True),
        ("Mr. Diaz", False),
        ("T", False),
        ("Facilitator", False),
    ]
    assert parsed.practitioner_count == 1


def test_it_counts_unknown_labels_as_other_speakers():
    parsed = transcript_parse("Grandma: He sleeps late.\nCoach: What helps?\n")

    assert [(u.speaker, u.practitioner) for u in parsed.utterances] == [
        ("Grandma", False),
        ("Coach", True),
    ]


def test_it_lets_other_labels_overrule_a_built_in_practitioner_label():
    # "P" is a built-in practitioner label, but here it is the parent.
    parsed = transcript_parse("I: What matters most?\nP: My son.\n", other_labels=["p"])

    assert [(u.speaker, u.practitioner) for u in parsed.utterances] == [
        ("I", True),
        ("P", False),
    ]


def test_it_reads_labels_with_spaces_periods_accents_and_any_case():
    text = (
        "   FACILITADORA : ¿Qué pasó?\n"
        "Mrs. Lopez: Nothing   much.\n"
        "Señora Pérez-Gil: Bien.\n"
        "t.: Okay.\n"
    )

    parsed = transcript_parse(text)

    assert parsed.utterances == (
        Utterance(speaker="FACILITADORA", text="¿Qué pasó?", practitioner=True),
        Utterance(speaker="Mrs. Lopez", text="Nothing much.", practitioner=False),
        Utterance(speaker="Señora Pérez-Gil", text="Bien.", practitioner=False),
        Utterance(speaker="t.", text="Okay.", practitioner=True),
    )


def test_it_ignores_text_before_the_first_label_and_skips_blank_lines():
    text = (
        "Session 4\n"
        "10:30 start of recording\n"
        "\n"
        "   \n"
        "T: First\n"
        "\n"
        "   line\twith   gaps.  \n"
        "C:\n"
        "https://example.org/form is the link\n"
        "Family:\n"
    )

    parsed = transcript_parse(text)

    # A time and a web address are not speakers; a bare label with no words is dropped.
    assert parsed.ignored_lines == 2
    assert parsed.utterances == (
        Utterance(speaker="T", text="First line with gaps.", practitioner=True),
        Utterance(speaker="C", text="https://example.org/form is the link", practitioner=False),
    )


def test_it_parses_nothing_from_text_without_labels():
    parsed = transcript_parse("Just some notes.\nNo speakers here.")

    assert parsed.utterances == ()
    assert parsed.ignored_lines == 2
    assert parsed.practitioner_count == 0


def test_it_says_when_the_transcript_is_empty():
    assert transcript_problem("") == "Paste the transcript to code."
    assert transcript_problem("  \n\t\n") == "Paste the transcript to code."


def test_it_accepts_a_transcript_of_exactly_the_limit():
    text = "T: What now? " + "a" * (TRANSCRIPT_MAX_BYTES - len("T: What now? "))
    assert len(text.encode()) == TRANSCRIPT_MAX_BYTES

    assert transcript_problem(text) is None


def test_it_refuses_a_transcript_one_byte_over_the_limit_counting_utf8_bytes():
    # 'é' is two bytes: fewer characters than the limit, one byte over it.
    prefix = "T: Qué "
    text = prefix + "a" * (TRANSCRIPT_MAX_BYTES - len(prefix.encode()) - 1) + "é"
    assert len(text) < TRANSCRIPT_MAX_BYTES
    assert len(text.encode()) == TRANSCRIPT_MAX_BYTES + 1

    assert transcript_problem(text) == (
        "The transcript is 201 KB; the limit is 200 KB. Paste one segment to code (MITI "
        "codes about 20 minutes)."
    )


def test_it_says_when_no_practitioner_line_is_found():
    expected = (
        "No practitioner lines found. Start each line with a speaker label such as "
        "“Facilitator:” or “T:”, or name the practitioner's label."
    )

    assert transcript_problem("Family: Hello.\nC: Hi.") == expected
    assert transcript_problem("Notes without any speaker.") == expected
    assert transcript_problem("T: Hello.", practitioner_labels=["Rosa"]) == expected
    assert transcript_problem("Rosa: Hello.", practitioner_labels=["Rosa"]) is None


# --- Agreement ------------------------------------------------------------------------


def _table(**cells: int) -> list[tuple[str, str]]:
    """Pairs from a table: `open__closed=2` is two utterances the first coder coded open
    and the second closed."""
    pairs: list[tuple[str, str]] = []
    for cell, count in cells.items():
        first, second = cell.split("__")
        pairs += [(first, second)] * count
    return pairs


def test_it_computes_kappa_for_a_hand_worked_example():
    # 10 utterances, three codes (O open, C closed, R reflection):
    #
    #                second coder
    #                 O   C   R | first
    #   first    O    3   1   0 |  4
    #   coder    C    0   2   1 |  3
    #            R    1   0   2 |  3
    #   second        4   3   3 | 10
    #
    # po = (3 + 2 + 2) / 10 = 0.70
    # pe = (4*4 + 3*3 + 3*3) / 100 = 34/100 = 0.34
    # kappa = (0.70 - 0.34) / (1 - 0.34) = 0.36 / 0.66 = 0.545454...
    pairs = _table(O__O=3, O__C=1, C__C=2, C__R=1, R__O=1, R__R=2)

    agreement = coder_agreement(pairs)

    assert agreement.n == 10
    assert agreement.agreed == 7
    assert agreement.percent == pytest.approx(70.0)
    assert round(agreement.kappa, 4) == 0.5455
    assert agreement.kappa_band == "fair"


def test_it_gives_kappa_one_for_perfect_agreement():
    agreement = coder_agreement(_table(open__open=3, none__none=2, affirm__affirm=1))

    assert agreement.percent == 100.0
    assert agreement.kappa == 1.0
    assert agreement.kappa_band == "excellent"


def test_it_leaves_kappa_undefined_when_both_coders_used_one_single_code():
    agreement = coder_agreement(_table(none__none=4))

    assert agreement.percent == 100.0
    assert agreement.kappa is None
    assert agreement.kappa_band is None


def test_it_leaves_percent_and_kappa_undefined_with_nothing_coded():
    assert coder_agreement([]) == Agreement(n=0, agreed=0, percent=None, kappa=None)


def test_it_gives_a_negative_kappa_when_coders_agree_less_than_chance():
    # po = 1/3; pe = (2/3)(2/3) + (1/3)(1/3) = 5/9; kappa = (3/9 - 5/9) / (4/9) = -0.5
    agreement = coder_agreement(_table(open__open=1, open__closed=1, closed__open=1))

    assert agreement.kappa == pytest.approx(-0.5)
    assert agreement.kappa_band == "poor"


@pytest.mark.parametrize(
    ("cells", "kappa", "band"),
    [
        # Two codes used half the time by each coder: pe = 1/2, kappa = 2 * po - 1.
        ({"a__a": 7, "a__b": 3, "b__a": 3, "b__b": 7}, 0.40, "fair"),  # po = 14/20
        ({"a__a": 4, "a__b": 1, "b__a": 1, "b__b": 4}, 0.60, "good"),  # po = 8/10
        ({"a__a": 7, "a__b": 1, "b__a": 1, "b__b": 7}, 0.75, "excellent"),  # po = 14/16
    ],
)
def test_it_puts_a_kappa_on_a_band_boundary_in_the_higher_band(cells, kappa, band):
    agreement = coder_agreement(_table(**cells))

    assert agreement.kappa == kappa
    assert agreement.kappa_band == band


@pytest.mark.parametrize(
    ("kappa", "band"),
    [(-0.2, "poor"), (0.3999, "poor"), (0.5999, "fair"), (0.7499, "good"), (1.0, "excellent")],
)
def test_it_puts_a_kappa_just_below_a_boundary_in_the_lower_band(kappa, band):
    assert Agreement(n=10, agreed=5, percent=50.0, kappa=kappa).kappa_band == band


def test_it_names_each_band():
    assert [kappa_band_label(b) for b in ("poor", "fair", "good", "excellent")] == [
        "poor",
        "fair",
        "good",
        "excellent",
    ]
