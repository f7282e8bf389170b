"""Coding a pasted transcript after MITI 4.2.1: split it into utterances, suggest a
behaviour code for each practitioner utterance, and measure how well two coders agree.

Pure Python on purpose: no models and no database, so the rules can be read, tested and
shown to coaches as they are. A suggestion is only a starting point; the coach's code is
the one that counts, which is why every rule is a row in `SUGGESTION_RULES` with the
sentence the UI shows for it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

# The behaviour codes, as the values of `reflections.practice_scores.Code`. Repeated as
# plain strings so this module stays free of models and can be read on its own.
GIVING_INFORMATION = "giving_information"
PERSUADE = "persuade"
PERSUADE_WITH_PERMISSION = "persuade_with_permission"
QUESTION_OPEN = "question_open"
QUESTION_CLOSED = "question_closed"
SIMPLE_REFLECTION = "simple_reflection"
COMPLEX_REFLECTION = "complex_reflection"
AFFIRM = "affirm"
SEEKING_COLLABORATION = "seeking_collaboration"
EMPHASIZING_AUTONOMY = "emphasizing_autonomy"
CONFRONT = "confront"
NO_CODE = "none"


class QuestionMark(StrEnum):
    """What a rule asks of the utterance's question marks.

    ANY: no condition. PRESENT: the utterance has a "?" (or a Spanish "¿") anywhere.
    ABSENT: it has neither. FINAL: the utterance ends with "?".
    """

    ANY = "any"
    PRESENT = "present"
    ABSENT = "absent"
    FINAL = "final"


@dataclass(frozen=True)
class SuggestionRule:
    """One row of the rule table. `phrases` are utterance openings, lowercase, matched
    on word boundaries; an empty `phrases` matches any opening."""

    key: str
    language: str  # "en", "es", or "" for either
    phrases: tuple[str, ...]
    code: str
    explanation: str | Promise
    question_mark: QuestionMark = QuestionMark.ANY


# The rules, tried top to bottom; the first that matches gives the suggestion.
#
# Why this order:
# - Open questions first: "How do you feel about that?" is open even though it holds
#   "do you" and ends with "?".
# - Reflections before closed questions: MITI codes "You're feeling worn out?" as a
#   reflection even with a rising voice, and "So you'd rather wait?" likewise.
# - Spanish asks yes/no questions without inverting the words, so "¿Estás cansada?" and
#   "Estás cansada." differ only by the question marks. A bare verb opening ("estás",
#   "quieres", "sientes", "te sientes", "se siente") is therefore a reflection only
#   without question marks; with them the closed-question rows (or the final "?" row)
#   take it. Framing openings ("parece que", "lo que escucho") stay reflections.
# - Spanish interrogatives typed without their accent ("que", "como", "cual") are also
#   everyday words ("como te dije", "que bueno"), so they count as open only when the
#   utterance has a question mark. "cuentame"/"cuenteme" are never anything else, so
#   they match with or without the accent.
# - Last, an utterance that ends with "?" and matched nothing above is a question,
#   suggested closed; the coach hears whether it was open.
# Rules cannot tell a complex reflection from a simple one, so a reflection is always
# suggested simple and the coach decides.
# Formatted by hand: one phrase a line would hide the table.
# fmt: off
SUGGESTION_RULES: tuple[SuggestionRule, ...] = (
    SuggestionRule(
        key="open_en",
        language="en",
        phrases=(
            "what", "how", "tell me", "describe", "in what way", "why", "walk me through",
            "help me understand",
        ),
        code=QUESTION_OPEN,
        explanation=_(
            "Starts with “what”, “how”, “why” or “tell me” (or “describe”, “in what way”, "
            "“walk me through”, “help me understand”): an open question."
        ),
    ),
    SuggestionRule(
        key="open_es",
        language="es",
        phrases=(
            "qué", "cómo", "cuéntame", "cuénteme", "cuentame", "cuenteme", "cuál", "cuáles",
            "por qué", "describe", "dime", "de qué manera", "en qué",
        ),
        code=QUESTION_OPEN,
        explanation=_(
            "Starts with “qué”, “cómo”, “cuál”, “por qué” or “cuéntame” (or “dime”, "
            "“describe”, “de qué manera”, “en qué”): an open question."
        ),
    ),
    SuggestionRule(
        key="open_es_unaccented",
        language="es",
        phrases=("que", "como", "cual", "cuales", "por que", "de que manera", "en que"),
        code=QUESTION_OPEN,
        explanation=_(
            "Starts with “que”, “como”, “cual” or “por que” written without the accent and "
            "has a question mark: an open question. Without the question mark these are "
            "everyday words, so no suggestion."
        ),
        question_mark=QuestionMark.PRESENT,
    ),
    SuggestionRule(
        key="reflection_en",
        language="en",
        phrases=(
            "it sounds like", "sounds like", "you feel", "you're feeling", "you are feeling",
            "so you", "you're", "you are", "it seems", "you've been", "you want", "you'd like",
        ),
        code=SIMPLE_REFLECTION,
        explanation=_(
            "Starts with “it sounds like”, “you feel”, “you're”, “so you” or a similar "
            "opening: a reflection, even with a rising voice. Rules cannot tell simple from "
            "complex; you decide."
        ),
    ),
    SuggestionRule(
        key="reflection_es",
        language="es",
        phrases=(
            "parece que", "suena a que", "suena como", "lo que escucho", "entonces tú",
        ),
        code=SIMPLE_REFLECTION,
        explanation=_(
            "Starts with “parece que”, “suena a que”, “suena como”, “lo que escucho” or "
            "“entonces tú”: a reflection. Rules cannot tell simple from complex; you decide."
        ),
    ),
    SuggestionRule(
        key="reflection_es_verb",
        language="es",
        phrases=("sientes", "te sientes", "se siente", "estás", "quieres"),
        code=SIMPLE_REFLECTION,
        explanation=_(
            "Starts with “sientes”, “te sientes”, “estás” or “quieres” and has no question "
            "mark: a reflection. With question marks it is a yes/no question. Rules cannot "
            "tell simple from complex; you decide."
        ),
        question_mark=QuestionMark.ABSENT,
    ),
    SuggestionRule(
        key="closed_en",
        language="en",
        phrases=(
            "do", "does", "did", "is", "are", "was", "were", "can", "could", "would", "will",
            "have", "has", "had", "should", "shall", "may", "am", "any",
        ),
        code=QUESTION_CLOSED,
        explanation=_(
            "Starts with “do”, “is”, “are”, “can”, “would”, “have” or a similar word and "
            "has a question mark: a closed (yes/no) question."
        ),
        question_mark=QuestionMark.PRESENT,
    ),
    SuggestionRule(
        key="closed_es",
        language="es",
        phrases=(
            "tienes", "tiene", "puedes", "puede", "hay", "está", "estás", "es", "quieres",
            "quiere", "has", "ha", "te", "le", "vas", "va", "hiciste", "fue",
        ),
        code=QUESTION_CLOSED,
        explanation=_(
            "Starts with “tienes”, “puedes”, “hay”, “estás”, “quieres”, “te” or a similar "
            "word and has question marks: a closed (yes/no) question."
        ),
        question_mark=QuestionMark.PRESENT,
    ),
    SuggestionRule(
        key="question_mark",
        language="",
        phrases=(),
        code=QUESTION_CLOSED,
        explanation=_(
            "Ends with a question mark and has no open opening: a question, closed unless "
            "you hear otherwise."
        ),
        question_mark=QuestionMark.FINAL,
    ),
)
# fmt: on

_RULES_BY_KEY: dict[str, SuggestionRule] = {rule.key: rule for rule in SUGGESTION_RULES}


def _opening_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    # Longest first, so "you're feeling" is not cut short by "you're"; the lookahead
    # keeps "however" from matching "how" while letting "what's" match "what".
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?:{alternatives})(?!\w)")


_OPENING_PATTERNS: dict[str, re.Pattern[str] | None] = {
    rule.key: _opening_pattern(rule.phrases) for rule in SUGGESTION_RULES
}
# Leading punctuation, quotes, dashes, "¿" and "¡": anything that is not a letter or digit.
_LEADING_NOISE = re.compile(r"^[\W_]+")
_TRAILING_QUOTES = "\"'”’»)] \t"


@dataclass(frozen=True)
class Suggestion:
    code: str
    rule: str


def _opening(text: str) -> str:
    """The utterance as the rules read it: lowercase, one kind of apostrophe, single
    spaces, leading punctuation and quotes gone. Accents stay."""
    text = " ".join(text.replace("’", "'").lower().split())
    return _LEADING_NOISE.sub("", text)


def _question_mark_holds(condition: QuestionMark, text: str) -> bool:
    has_mark = "?" in text or "¿" in text
    if condition is QuestionMark.PRESENT:
        return has_mark
    if condition is QuestionMark.ABSENT:
        return not has_mark
    if condition is QuestionMark.FINAL:
        return text.rstrip(_TRAILING_QUOTES).endswith("?")
    return True


def code_suggest(text: str) -> Suggestion | None:
    """The first rule of `SUGGESTION_RULES` that fits one practitioner utterance, or None
    when none does (e.g. "Mm-hmm.", advice, an affirmation)."""
    opening = _opening(text)
    if not opening:
        return None
    for rule in SUGGESTION_RULES:
        pattern = _OPENING_PATTERNS[rule.key]
        if pattern is not None and not pattern.match(opening):
            continue
        if not _question_mark_holds(rule.question_mark, text):
            continue
        return Suggestion(code=rule.code, rule=rule.key)
    return None


def rule_explanation(rule: str) -> str:
    """The sentence shown for a rule key, in the active language. `rule` must be a key of
    `SUGGESTION_RULES` (a `Suggestion.rule`); any other raises KeyError."""
    return str(_RULES_BY_KEY[rule].explanation)


# ---------------------------------------------------------------------------------------
# Parsing

TRANSCRIPT_MAX_BYTES = 200 * 1024

BUILT_IN_PRACTITIONER_LABELS: tuple[str, ...] = (
    "Facilitator",
    "Facilitadora",
    "Facilitador",
    "T",
    "Therapist",
    "P",
    "Practitioner",
    "Coach",
    "Interviewer",
    "I",
)
# Not needed to parse (a label that is not the practitioner's is another speaker); here
# so the form's help text can name them.
BUILT_IN_OTHER_LABELS: tuple[str, ...] = (
    "Family",
    "Familia",
    "C",
    "Client",
    "Cliente",
    "Caregiver",
    "Parent",
    "Mother",
    "Father",
    "Mom",
    "Dad",
    "Youth",
    "Madre",
    "Padre",
    "Joven",
)

# "Facilitator: text", "  Mrs. Lopez : text". A label starts with a letter (so a time
# such as "10:30" is not a speaker) and then holds letters, digits, spaces, hyphens and
# periods, 40 characters at most. "https://" is not a speaker either.
_LABELLED_LINE = re.compile(
    r"^\s*(?P<label>[^\W\d_](?:[^\W_]|[ .\-]){0,39}?)\s*:(?!//)(?P<text>.*)$"
)


@dataclass(frozen=True)
class Utterance:
    speaker: str  # the label as written in the transcript
    text: str
    practitioner: bool


@dataclass(frozen=True)
class ParsedTranscript:
    utterances: tuple[Utterance, ...]
    ignored_lines: int  # non-blank lines before the first speaker label

    @property
    def practitioner_count(self) -> int:
        return sum(1 for utterance in self.utterances if utterance.practitioner)


def _label_key(label: str) -> str:
    # "T.", "t" and " T " are one speaker; "Mrs.  Lopez" and "mrs. lopez" too.
    return " ".join(label.split()).casefold().rstrip(".")


def transcript_parse(
    text: str,
    *,
    practitioner_labels: Sequence[str] = (),
    other_labels: Sequence[str] = (),
) -> ParsedTranscript:
    """Split a pasted transcript into utterances, one per speaker label.

    Every line that starts with a label and a colon starts an utterance; a line without
    one continues the previous utterance. With `practitioner_labels` only those labels
    are the practitioner; without, the built-in practitioner labels are, and every other
    label (built-in or not) is another speaker. `other_labels` are never the
    practitioner, which settles a built-in clash such as "P:" for a parent. Utterances
    left empty (a bare "Family:") are dropped: there is nothing to code.
    """
    others = {_label_key(label) for label in other_labels}
    chosen = practitioner_labels or BUILT_IN_PRACTITIONER_LABELS
    practitioners = {_label_key(label) for label in chosen} - others

    utterances: list[Utterance] = []
    speaker: str | None = None
    parts: list[str] = []
    ignored_lines = 0

    def close() -> None:
        if speaker is None:
            return
        joined = " ".join(" ".join(parts).split())
        if joined:
            practitioner = _label_key(speaker) in practitioners
            utterances.append(Utterance(speaker=speaker, text=joined, practitioner=practitioner))

    for line in text.splitlines():
        if not line.strip():
            continue
        labelled = _LABELLED_LINE.match(line)
        if labelled:
            close()
            speaker = labelled["label"].strip()
            parts = [labelled["text"]]
        elif speaker is None:
            ignored_lines += 1
        else:
            parts.append(line)
    close()
    return ParsedTranscript(utterances=tuple(utterances), ignored_lines=ignored_lines)


def transcript_problem(
    text: str,
    *,
    practitioner_labels: Sequence[str] = (),
    other_labels: Sequence[str] = (),
) -> str | None:
    """Why this transcript cannot be coded, in the active language, or None when it can.
    The size is checked before parsing, so a huge paste is never split."""
    if not text.strip():
        return gettext("Paste the transcript to code.")
    size = len(text.encode("utf-8"))
    if size > TRANSCRIPT_MAX_BYTES:
        # Rounded up: a transcript one byte over must not read "200 KB; the limit is 200 KB".
        return gettext(
            "The transcript is %(size)s KB; the limit is %(limit)s KB. Paste one segment "
            "to code (MITI codes about 20 minutes)."
        ) % {"size": math.ceil(size / 1024), "limit": TRANSCRIPT_MAX_BYTES // 1024}
    parsed = transcript_parse(
        text, practitioner_labels=practitioner_labels, other_labels=other_labels
    )
    if not parsed.practitioner_count:
        return gettext(
            "No practitioner lines found. Start each line with a speaker label such as "
            "“Facilitator:” or “T:”, or name the practitioner's label."
        )
    return None


# ---------------------------------------------------------------------------------------
# Agreement between two coders

KAPPA_BANDS: tuple[tuple[float, str], ...] = (
    # (lowest kappa of the band, band), highest first. Cicchetti (1994).
    (0.75, "excellent"),
    (0.60, "good"),
    (0.40, "fair"),
)


def kappa_band_for(kappa: float | None) -> str | None:
    """ "poor", "fair", "good" or "excellent" after Cicchetti (1994); None for None."""
    if kappa is None:
        return None
    for lowest, band in KAPPA_BANDS:
        if kappa >= lowest:
            return band
    return "poor"


@dataclass(frozen=True)
class Agreement:
    n: int
    agreed: int
    percent: float | None  # None when nothing was coded by both
    kappa: float | None  # None when n == 0 or chance agreement is certain (pe == 1)

    @property
    def kappa_band(self) -> str | None:
        return kappa_band_for(self.kappa)


def kappa_band_label(band: str) -> str:
    """The band's name in the active language. `band` is a value of `kappa_band`."""
    # A context of their own: "fair" and "good" also name MITI proficiency levels, which
    # a translator may word differently.
    labels = {
        "poor": pgettext("coder agreement", "poor"),
        "fair": pgettext("coder agreement", "fair"),
        "good": pgettext("coder agreement", "good"),
        "excellent": pgettext("coder agreement", "excellent"),
    }
    return labels[band]


def coder_agreement(pairs: Sequence[tuple[str, str]]) -> Agreement:
    """Percent agreement and Cohen's kappa for utterances both coders coded, one
    (first coder's code, second coder's code) pair each; "none" is a category too.

    Computed with fractions, so a table that gives kappa exactly 0.40 lands in "fair"
    and not a rounding error below it. Kappa is undefined when both coders used one and
    the same single category (pe == 1): callers show "not defined", not 1.0.
    """
    n = len(pairs)
    if n == 0:
        return Agreement(n=0, agreed=0, percent=None, kappa=None)
    agreed = sum(1 for first, second in pairs if first == second)
    observed = Fraction(agreed, n)
    first_counts = Counter(first for first, _second in pairs)
    second_counts = Counter(second for _first, second in pairs)
    chance = sum(
        (Fraction(count, n) * Fraction(second_counts[code], n))
        for code, count in first_counts.items()
    )
    kappa = None if chance == 1 else float((observed - chance) / (1 - chance))
    return Agreement(n=n, agreed=agreed, percent=float(observed * 100), kappa=kappa)
