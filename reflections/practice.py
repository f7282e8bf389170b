"""Writes for observed practice: opening an observation, the live tally, transcripts and
their codings, finishing, deleting a transcript, and sending "one skill to practise next"
as a reflection prompt.

Preconditions (the access layer, reflections.practice_access): the person writing may;
data passed its form. Every write leaves an audit entry (transcripts are family data).
A finished observation is sent once as the `practice_observed` signal; engagement
records it as an event (reflections never imports engagement)."""

from __future__ import annotations

from datetime import datetime

import django.dispatch
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.audit import audit_entry_create
from communities.models import CircleFocus, Organization, User
from reflections.models import (
    PracticeObservation,
    PracticeTranscript,
    Prompt,
    PromptDelivery,
    PromptWording,
    TallyTap,
    TranscriptCoding,
    TranscriptUtterance,
    UtteranceCode,
)
from reflections.practice_scores import (
    COUNT_FIELDS,
    COUNT_MAX,
    GLOBAL_FIELDS,
    NO_CODE,
    Code,
    counts_from_codes,
)
from reflections.prompts import delivery_send
from reflections.transcript import code_suggest, transcript_parse

# Arguments: observation (finished for the first time).
practice_observed = django.dispatch.Signal()

OBSERVATION_FIELDS = ("facilitator", "team", "observed_on", "source", "method", "segment_minutes")


class PracticeRefused(Exception):
    """A write the rules refuse; the message says why, for the person."""


# What each write is, in the audit trail's terms (create, change, delete).
AUDIT_ACTIONS = {
    "practice_observation_created": "create",
    "practice_observation_finished": "change",
    "practice_observation_edited": "change",
    "practice_transcript_added": "create",
    "practice_transcript_coded": "change",
    "practice_second_coding_started": "create",
    "practice_coding_completed": "change",
    "practice_transcript_deleted": "delete",
    "practice_prompt_sent": "create",
}


def _audit(observation: PracticeObservation, by: User, what: str, detail: dict | None = None):
    audit_entry_create(
        actor=by, action=AUDIT_ACTIONS[what], subject=f"observation {observation.pk}",
        team=observation.team, organization=observation.organization,
        detail={"what": what, "facilitator": observation.facilitator_id, **(detail or {})},
    )  # fmt: skip


@transaction.atomic
def observation_create(
    *, organization: Organization, coded_by: User, data: dict
) -> PracticeObservation:
    """Open an observation of `data["facilitator"]` (the access layer checked that
    `coded_by` may code them, and the form that the team is theirs)."""
    observation = PracticeObservation.objects.create(
        organization=organization,
        coded_by=coded_by,
        **{name: data.get(name) for name in OBSERVATION_FIELDS if name in data},
    )
    _audit(observation, coded_by, "practice_observation_created", {"method": observation.method})
    return observation


def _locked(observation: PracticeObservation) -> PracticeObservation:
    return PracticeObservation.objects.select_for_update().get(pk=observation.pk)


def _tally_field(code: str) -> str:
    if code not in Code.values:
        raise PracticeRefused(_("That is not a behaviour code."))
    return code


@transaction.atomic
def tally_tap(*, observation: PracticeObservation, code: str, by: User) -> PracticeObservation:
    """One tap: saved at once, its count and (for a question) the question total go up."""
    field = _tally_field(code)
    observation = _locked(observation)
    if observation.completed_at is not None:
        raise PracticeRefused(_("This observation is finished; its tally is closed."))
    if getattr(observation, field) >= COUNT_MAX:
        raise PracticeRefused(_("A count stops at %(max)s.") % {"max": COUNT_MAX})
    TallyTap.objects.create(observation=observation, code=code)
    updates = {field: F(field) + 1, "updated_at": timezone.now()}
    if field in (Code.QUESTION_OPEN, Code.QUESTION_CLOSED):
        updates["question"] = F("question") + 1
    PracticeObservation.objects.filter(pk=observation.pk).update(**updates)
    observation.refresh_from_db()
    return observation


@transaction.atomic
def tally_undo(*, observation: PracticeObservation, by: User) -> str | None:
    """Take back the last tap (returns its code; None when there was none)."""
    observation = _locked(observation)
    if observation.completed_at is not None:
        raise PracticeRefused(_("This observation is finished; its tally is closed."))
    tap = observation.taps.order_by("-id").first()
    if tap is None:
        return None
    tap.delete()
    updates = {tap.code: F(tap.code) - 1, "updated_at": timezone.now()}
    if tap.code in (Code.QUESTION_OPEN, Code.QUESTION_CLOSED):
        updates["question"] = F("question") - 1
    PracticeObservation.objects.filter(pk=observation.pk).update(**updates)
    return tap.code


def tally_timer_start(*, observation: PracticeObservation, by: User, now: datetime | None = None):
    """Start (or restart) the segment timer; kept on the observation."""
    observation.timer_started_at = now or timezone.now()
    observation.save(update_fields=["timer_started_at"])


@transaction.atomic
def observation_finish(
    *, observation: PracticeObservation, by: User, data: dict
) -> PracticeObservation:
    """Save the globals, notes and what to practise next (and, when coded from a tally
    sheet, the counts). The first finish makes it count: the trend, and the
    `practice_observed` signal (an engagement event)."""
    observation = _locked(observation)
    fields = [*GLOBAL_FIELDS, "notes", "practise_next"]
    if observation.method == PracticeObservation.Method.COUNTS:
        fields += list(COUNT_FIELDS)
    elif observation.method == PracticeObservation.Method.TRANSCRIPT:
        transcript = getattr(observation, "transcript", None)
        left = _uncoded(transcript.codings.get(primary=True)) if transcript else 0
        if left:
            raise PracticeRefused(
                _("Code every practitioner line first: %(n)s left.") % {"n": left}
            )
    for name in fields:
        if name in data:
            setattr(observation, name, data[name])
    now = timezone.now()
    first = observation.completed_at is None
    if first:
        observation.completed_at = now
    observation.updated_at = now
    observation.save()
    _audit(
        observation, by, "practice_observation_finished" if first else "practice_observation_edited"
    )
    if first:
        practice_observed.send(sender=PracticeObservation, observation=observation)
    return observation


# --- transcripts ------------------------------------------------------------------------


@transaction.atomic
def transcript_add(
    *,
    observation: PracticeObservation,
    by: User,
    text: str,
    practitioner_labels: list[str],
    other_labels: list[str],
) -> PracticeTranscript:
    """Keep the transcript, one row per speaker's turn with a suggested code for each of
    the practitioner's, and the coder's own (primary) coding. Precondition: the form
    found practitioner lines and the size within the limit."""
    observation = _locked(observation)
    if hasattr(observation, "transcript"):
        raise PracticeRefused(_("This observation has a transcript already."))
    parsed = transcript_parse(
        text, practitioner_labels=practitioner_labels, other_labels=other_labels
    )
    transcript = PracticeTranscript.objects.create(
        observation=observation, text=text, practitioner_labels=practitioner_labels
    )
    rows = []
    for position, utterance in enumerate(parsed.utterances, start=1):
        suggestion = code_suggest(utterance.text) if utterance.practitioner else None
        rows.append(
            TranscriptUtterance(
                transcript=transcript,
                position=position,
                speaker=utterance.speaker[:60],
                text=utterance.text,
                practitioner=utterance.practitioner,
                suggested_code=suggestion.code if suggestion else "",
                suggestion_rule=suggestion.rule if suggestion else "",
            )
        )
    TranscriptUtterance.objects.bulk_create(rows)
    TranscriptCoding.objects.create(transcript=transcript, coder=observation.coded_by)
    _audit(observation, by, "practice_transcript_added", {"utterances": len(rows)})
    return transcript


def _uncoded(coding: TranscriptCoding) -> int:
    practitioner = TranscriptUtterance.objects.filter(
        transcript_id=coding.transcript_id, practitioner=True
    ).count()
    return practitioner - coding.codes.count()


def _counts_from_primary(coding: TranscriptCoding) -> None:
    """The observation's counts are the primary coder's confirmed codes."""
    given = dict(coding.codes.values_list("code").annotate(n=Count("pk")).values_list("code", "n"))
    counts = counts_from_codes(given)
    PracticeObservation.objects.filter(transcript__codings=coding).update(
        **counts, updated_at=timezone.now()
    )


@transaction.atomic
def utterance_code(
    *, coding: TranscriptCoding, utterance_id: int, code: str, by: User
) -> UtteranceCode:
    """Confirm (or change) one practitioner utterance's code in the coder's coding."""
    coding = TranscriptCoding.objects.select_for_update().get(pk=coding.pk)
    given = _code_one(coding, utterance_id, code)
    if coding.primary:
        _counts_from_primary(coding)
    return given


def _code_one(coding: TranscriptCoding, utterance_id: int, code: str) -> UtteranceCode:
    """One line's code in a locked coding (the counts are the caller's to recompute)."""
    if code != NO_CODE and code not in Code.values:
        raise PracticeRefused(_("That is not a behaviour code."))
    utterance = TranscriptUtterance.objects.filter(
        pk=utterance_id, transcript_id=coding.transcript_id, practitioner=True
    ).first()
    if utterance is None:
        raise PracticeRefused(_("That line is not one of the practitioner's."))
    if coding.completed_at is not None and not coding.primary:
        raise PracticeRefused(_("Your coding is finished; it can no longer change."))
    given, _created = UtteranceCode.objects.update_or_create(
        coding=coding, utterance=utterance, defaults={"code": code, "coded_at": timezone.now()}
    )
    return given


@transaction.atomic
def utterance_codes_save(*, coding: TranscriptCoding, codes: dict[int, str], by: User) -> int:
    """Save several codes at once (the transcript coder without JavaScript): one lock,
    and the observation's counts recomputed once."""
    if not codes:
        return 0
    coding = TranscriptCoding.objects.select_for_update().get(pk=coding.pk)
    for utterance_id, code in codes.items():
        _code_one(coding, utterance_id, code)
    if coding.primary:
        _counts_from_primary(coding)
    observation = PracticeObservation.objects.get(transcript__codings=coding)
    _audit(observation, by, "practice_transcript_coded", {"codes": len(codes)})
    return len(codes)


@transaction.atomic
def coding_second_start(*, observation: PracticeObservation, coder: User) -> TranscriptCoding:
    """A second, blind coding of the transcript by another supervisor of the facilitator
    (the access layer checked who). One second coding per transcript and coder."""
    transcript = getattr(observation, "transcript", None)
    if transcript is None:
        raise PracticeRefused(_("This observation has no transcript to code."))
    if coder.pk == observation.coded_by_id:
        raise PracticeRefused(_("You coded this transcript; a second coding needs another coder."))
    existing = TranscriptCoding.objects.filter(transcript=transcript, primary=False).first()
    if existing is not None:
        if existing.coder_id == coder.pk:
            raise PracticeRefused(_("You are coding this transcript already."))
        raise PracticeRefused(_("This transcript has a second coder already."))
    try:
        with transaction.atomic():
            coding = TranscriptCoding.objects.create(
                transcript=transcript, coder=coder, primary=False
            )
    except IntegrityError:
        raise PracticeRefused(_("This transcript has a second coder already.")) from None
    _audit(observation, coder, "practice_second_coding_started")
    return coding


@transaction.atomic
def coding_complete(*, coding: TranscriptCoding, by: User) -> TranscriptCoding:
    """Finish a coding: every practitioner line must have its code."""
    coding = TranscriptCoding.objects.select_for_update().get(pk=coding.pk)
    left = _uncoded(coding)
    if left:
        raise PracticeRefused(_("Code every practitioner line first: %(n)s left.") % {"n": left})
    if coding.completed_at is None:
        coding.completed_at = timezone.now()
        coding.save(update_fields=["completed_at"])
        observation = PracticeObservation.objects.get(transcript__codings=coding)
        _audit(observation, by, "practice_coding_completed", {"primary": coding.primary})
    return coding


@transaction.atomic
def transcript_delete(*, observation: PracticeObservation, by: User) -> None:
    """Delete the transcript, its lines and codings; the observation keeps its counts."""
    observation = _locked(observation)
    transcript = getattr(observation, "transcript", None)
    if transcript is None:
        return
    transcript.delete()
    observation.transcript_deleted_at = timezone.now()
    observation.save(update_fields=["transcript_deleted_at"])
    _audit(observation, by, "practice_transcript_deleted")


# --- "one skill to practise next" as a reflection prompt -------------------------------------


@transaction.atomic
def practise_next_send(
    *, observation: PracticeObservation, by: User, now: datetime | None = None
) -> PromptDelivery:
    """Send the observation's "one skill to practise next" to the facilitator as a
    reflection prompt, through the outbox (in-app and email). Once per observation."""
    now = now or timezone.now()
    observation = _locked(observation)
    if not observation.practise_next.strip():
        raise PracticeRefused(_("Write the one skill to practise next first."))
    if observation.self_coded:
        raise PracticeRefused(_("A prompt from your own coding would go to yourself."))
    if observation.prompt_sent_at is not None:
        raise PracticeRefused(_("This was sent already."))
    skill = observation.practise_next.strip().rstrip(".")
    day_en = observation.observed_on.isoformat()
    prompt = Prompt.objects.create(
        organization=observation.organization,
        tag=CircleFocus.REFLECTIONS,
        coaching=True,
        created_by=by,
    )
    wording = PromptWording.objects.create(
        prompt=prompt, version=1,
        text_en=(
            f"From your coaching on {day_en}, one skill to practise next: “{skill}”. "
            "Where did you try it this week, and what happened?"
        )[:500],
        text_es=(
            f"De tu sesión de coaching del {day_en}, una habilidad para practicar: “{skill}”. "
            "¿Dónde la probaste esta semana y qué pasó?"
        )[:500],
    )  # fmt: skip
    delivery = PromptDelivery.objects.create(
        organization=observation.organization, recipient=observation.facilitator,
        wording=wording, occurrence=f"coaching:{observation.pk}", team=observation.team,
        due_at=now,
    )  # fmt: skip
    delivery_send(delivery, now=now)
    observation.prompt_sent_at = now
    observation.save(update_fields=["prompt_sent_at"])
    _audit(observation, by, "practice_prompt_sent", {"delivery": delivery.pk})
    return delivery
