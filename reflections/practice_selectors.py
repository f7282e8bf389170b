"""Reads for observed practice. Selectors only read; each runs a fixed number of queries
whatever the number of observations or utterances."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.urls import reverse

from communities.access import Actor
from communities.models import User
from reflections.models import (
    PracticeObservation,
    PracticeTranscript,
    TranscriptCoding,
    TranscriptUtterance,
    UtteranceCode,
)
from reflections.practice_access import supervised_facilitators
from reflections.practice_scores import NO_CODE, NO_CODE_LABEL, Code, counts_from_codes
from reflections.practice_trend import TrendPoint, trend_charts, trend_rows
from reflections.transcript import Agreement, coder_agreement, kappa_band_label, rule_explanation

CODE_LABELS = {**dict(Code.choices), NO_CODE: NO_CODE_LABEL}


def code_label(code: str) -> str:
    return str(CODE_LABELS.get(code, "")) if code else ""


def _trend(observations: list[PracticeObservation]) -> dict:
    points = [
        TrendPoint(
            observed_on=o.observed_on,
            scores=o.scores(),
            url=reverse("practice_observation", args=[o.pk]),
        )
        for o in sorted(observations, key=lambda o: (o.observed_on, o.pk))
        if o.completed_at is not None
    ]
    return {"trend_charts": trend_charts(points), "trend_rows": trend_rows(points)}


def practice_of(*, facilitator: User, organization_id: int, hidden_from: User) -> dict:
    """A facilitator's observations (newest first, with scores) and their trend over the
    finished ones. An observation `hidden_from` is coding blind (an unfinished second
    coding) shows no scores to them and stays out of their trend. Two queries."""
    observations = list(
        PracticeObservation.objects.filter(facilitator=facilitator, organization_id=organization_id)
        .select_related("coded_by", "team")
        .order_by("-observed_on", "-id")
    )
    blind = set(
        TranscriptCoding.objects.filter(
            coder=hidden_from,
            primary=False,
            completed_at__isnull=True,
            transcript__observation__facilitator=facilitator,
        ).values_list("transcript__observation_id", flat=True)
    )
    for observation in observations:
        observation.blind = observation.pk in blind
        observation.score_set = observation.scores()
    shown = [o for o in observations if not o.blind]
    return {"observations": observations, **_trend(shown)}


@dataclass(frozen=True)
class CoacheeRow:
    person: User
    observations: int
    latest: PracticeObservation | None


def coachees_of(actor: Actor) -> list[CoacheeRow]:
    """The facilitators the actor supervises, each with their number of finished
    observations and the latest one's scores (hidden where the actor is coding it blind).
    Three queries."""
    if not actor.supervised_program_ids:
        return []
    people = list(
        User.objects.filter(pk__in=supervised_facilitators(actor))
        .annotate(
            finished=Count(
                "practice_observations",
                filter=Q(
                    practice_observations__completed_at__isnull=False,
                    practice_observations__organization_id=actor.organization.pk,
                ),
            ),
        )
        .order_by("name", "email")
    )
    # The latest by date, not by id: one query over the people's finished observations.
    latest = {
        o.facilitator_id: o
        for o in PracticeObservation.objects.filter(
            facilitator__in=[p.pk for p in people],
            organization_id=actor.organization.pk,
            completed_at__isnull=False,
        )
        .order_by("facilitator_id", "-observed_on", "-id")
        .distinct("facilitator_id")
    }
    blind = set(
        TranscriptCoding.objects.filter(
            coder=actor.user, primary=False, completed_at__isnull=True
        ).values_list("transcript__observation_id", flat=True)
    )
    for observation in latest.values():
        observation.blind = observation.pk in blind
        observation.score_set = observation.scores()
    return [CoacheeRow(p, p.finished, latest.get(p.pk)) for p in people]


def coding_in_progress(user: User, organization_id: int) -> list[PracticeObservation]:
    """Observations the user is coding and has not finished."""
    return list(
        PracticeObservation.objects.filter(
            coded_by=user, organization_id=organization_id, completed_at__isnull=True
        )
        .select_related("facilitator", "team")
        .order_by("-created_at")[:20]
    )


def second_codings_of(user: User, organization_id: int) -> list[TranscriptCoding]:
    """Blind second codings the user started and has not finished."""
    return list(
        TranscriptCoding.objects.filter(
            coder=user,
            primary=False,
            completed_at__isnull=True,
            transcript__observation__organization_id=organization_id,
        )
        .select_related("transcript__observation__facilitator")
        .order_by("-created_at")[:20]
    )


# --- one observation --------------------------------------------------------------------


@dataclass(frozen=True)
class Acceptance:
    suggested: int
    accepted: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.accepted / self.suggested) if self.suggested else None


def _acceptance(coding_id: int) -> Acceptance:
    """How often the coder kept the suggested code, over the lines that had one."""
    counted = UtteranceCode.objects.filter(coding_id=coding_id).exclude(
        utterance__suggested_code=""
    ).aggregate(
        suggested=Count("pk"),
        accepted=Count("pk", filter=Q(code=F("utterance__suggested_code"))),
    )  # fmt: skip
    return Acceptance(counted["suggested"], counted["accepted"])


def observation_page(observation: PracticeObservation) -> dict:
    """Scores, and the transcript's state: its size, the codings with how far each got,
    and how often the suggestions were accepted. At most four queries."""
    context: dict = {"scores": observation.scores()}
    transcript = PracticeTranscript.objects.filter(observation=observation).first()
    context["transcript"] = transcript
    if transcript is None:
        return context
    lines = transcript.utterances.aggregate(
        all=Count("pk"), practitioner=Count("pk", filter=Q(practitioner=True))
    )
    codings = list(
        TranscriptCoding.objects.filter(transcript=transcript)
        .select_related("coder")
        .annotate(coded=Count("codes"))
    )
    primary = next((c for c in codings if c.primary), None)
    context |= {
        "lines": lines,
        "codings": codings,
        "primary_coding": primary,
        "second_coding": next((c for c in codings if not c.primary), None),
        "acceptance": _acceptance(primary.pk) if primary else None,
    }
    return context


@dataclass(frozen=True)
class CodingRow:
    utterance: TranscriptUtterance
    code: str
    suggestion_label: str
    suggestion_why: str

    @property
    def code_label(self) -> str:
        return code_label(self.code)


def coding_rows(coding: TranscriptCoding, *, suggestions: bool) -> dict:
    """Every line of the transcript, the practitioner's with the coder's code so far and
    (for the first coder) the suggestion and its rule. Two queries."""
    given = dict(UtteranceCode.objects.filter(coding=coding).values_list("utterance_id", "code"))
    rows = []
    for utterance in TranscriptUtterance.objects.filter(transcript_id=coding.transcript_id):
        suggested = utterance.suggested_code if suggestions else ""
        rows.append(
            CodingRow(
                utterance=utterance,
                code=given.get(utterance.pk, ""),
                suggestion_label=code_label(suggested),
                suggestion_why=str(rule_explanation(utterance.suggestion_rule))
                if suggested
                else "",
            )
        )
    practitioner = [r for r in rows if r.utterance.practitioner]
    return {
        "rows": rows,
        "left": sum(1 for r in practitioner if not r.code),
        "total": len(practitioner),
    }


@dataclass(frozen=True)
class AgreementRow:
    utterance: TranscriptUtterance
    first: str
    second: str

    @property
    def agree(self) -> bool:
        return self.first == self.second

    @property
    def first_label(self) -> str:
        return code_label(self.first)

    @property
    def second_label(self) -> str:
        return code_label(self.second)


def agreement_of(transcript: PracticeTranscript) -> dict:
    """The two codings line by line, their agreement (percent and Cohen's kappa over the
    lines both coded) and the two sets of counts side by side. Three queries."""
    codings = list(TranscriptCoding.objects.filter(transcript=transcript).select_related("coder"))
    first = next((c for c in codings if c.primary), None)
    second = next((c for c in codings if not c.primary), None)
    codes: dict[int, dict[int, str]] = {c.pk: {} for c in codings}
    for coding_id, utterance_id, code in UtteranceCode.objects.filter(
        coding__transcript=transcript
    ).values_list("coding_id", "utterance_id", "code"):
        codes[coding_id][utterance_id] = code
    rows = []
    for utterance in transcript.utterances.filter(practitioner=True):
        rows.append(
            AgreementRow(
                utterance,
                codes.get(first.pk, {}).get(utterance.pk, "") if first else "",
                codes.get(second.pk, {}).get(utterance.pk, "") if second else "",
            )
        )
    both = [(r.first, r.second) for r in rows if r.first and r.second]
    agreement: Agreement = coder_agreement(both)
    counts = []
    if first and second:
        first_counts = counts_from_codes(Counter(codes[first.pk].values()))
        second_counts = counts_from_codes(Counter(codes[second.pk].values()))
        for field in first_counts:
            counts.append(
                (
                    field_label(field),
                    first_counts[field],
                    second_counts[field],
                )
            )
    return {
        "first": first,
        "second": second,
        "rows": rows,
        "agreement": agreement,
        "kappa_band_label": kappa_band_label(agreement.kappa_band) if agreement.kappa_band else "",
        "count_rows": counts,
    }


def field_label(field: str) -> str:
    return str(PracticeObservation._meta.get_field(field).verbose_name)
