"""Observed practice: a coach's list, a facilitator's practice page with their trend,
opening an observation, the live tally, the transcript coder (first and blind second
coding, agreement), finishing, and sending what to practise next as a prompt."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from communities.access import actor_for, person_for, require_role
from communities.audit import family_data_viewed, family_words_viewed
from reflections import practice, practice_selectors
from reflections.models import PracticeObservation, TranscriptCoding
from reflections.practice_access import (
    CODERS,
    ObservationAccess,
    coachable_people,
    coding_for_person,
    facilitator_for_coach,
    observation_for_coder,
    observation_for_person,
    practice_person_for,
)
from reflections.practice_forms import (
    FinishForm,
    ObservationForm,
    TallyTapForm,
    TranscriptForm,
    UtteranceCodeForm,
    label_list,
)
from reflections.practice_scores import COUNT_FIELDS, GLOBAL_FIELDS, NO_CODE, SHORTCUTS, Code
from reflections.transcript import SUGGESTION_RULES

TALLY = "reflections/practice_tally.html"
CODING = "reflections/practice_coding.html"


def _family_data_viewed(request: HttpRequest, observation: PracticeObservation, subject: str):
    """A transcript (and a coding of it) is family data: each read leaves an entry."""
    family_words_viewed(
        request, organization=observation.organization, team=observation.team,
        subject=f"{subject} of observation {observation.pk}",
    )  # fmt: skip


def _blind(user, observation: PracticeObservation) -> bool:
    """The person is the second coder and has not finished: they must not see the first
    coding's counts and scores yet."""
    return TranscriptCoding.objects.filter(
        transcript__observation=observation, coder=user, primary=False, completed_at__isnull=True
    ).exists()


@login_required
@require_safe
def practice_home(request: HttpRequest) -> HttpResponse:
    """A facilitator goes to their own practice page; a coach sees the facilitators they
    supervise, each with their latest scores, and what they are coding."""
    actor = actor_for(request)
    require_role(actor, *CODERS)
    if not actor.supervised_program_ids:
        return redirect("practice_person", user_id=request.user.pk)
    context = {
        "coachees": practice_selectors.coachees_of(actor),
        "in_progress": practice_selectors.coding_in_progress(request.user, actor.organization.pk),
        "second_codings": practice_selectors.second_codings_of(request.user, actor.organization.pk),
    }
    return render(request, "reflections/practice_home.html", context)


@login_required
@require_safe
def practice_person(request: HttpRequest, user_id: int) -> HttpResponse:
    """A facilitator's observations and their trend: for them and their supervisors."""
    person = person_for(request)
    facilitator = practice_person_for(person, user_id)
    actor = person.current
    context = practice_selectors.practice_of(
        facilitator=facilitator,
        organization_id=actor.organization.pk,
        hidden_from=request.user,
    )
    context |= {"facilitator": facilitator, "is_self": facilitator.pk == request.user.pk}
    return render(request, "reflections/practice_person.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def observation_new(request: HttpRequest) -> HttpResponse:
    """Open an observation of a facilitator one may code (or of oneself)."""
    person = person_for(request)
    actor = person.current
    require_role(actor, *CODERS)
    people = coachable_people(actor)
    # Someone outside the coach's programs or organisation looks missing (404), whether
    # asked for in the address or posted.
    chosen = request.POST.get("facilitator") or request.GET.get("facilitator")
    initial = {"facilitator": facilitator_for_coach(person, chosen) if chosen else request.user}
    form = ObservationForm(
        request.POST or None, people=people, organization=actor.organization, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        observation = practice.observation_create(
            organization=actor.organization, coded_by=request.user, data=form.cleaned_data
        )
        return redirect(_next_step(observation))
    status = 400 if request.method == "POST" else 200
    return render(request, "reflections/practice_new.html", {"form": form}, status=status)


def _next_step(observation: PracticeObservation) -> str:
    step = {
        PracticeObservation.Method.TALLY: "practice_tally",
        PracticeObservation.Method.TRANSCRIPT: "practice_transcript",
    }.get(observation.method, "practice_finish")
    return reverse(step, args=[observation.pk])


def _observation_page(
    request: HttpRequest, access: ObservationAccess, *, refusal: str = "", status: int = 200
) -> HttpResponse:
    observation = access.observation
    blind = _blind(request.user, observation)
    context = {"access": access, "observation": observation, "blind": blind, "refusal": refusal}
    if not blind:
        context |= practice_selectors.observation_page(observation)
    return render(request, "reflections/practice_observation.html", context, status=status)


def _refused(request: HttpRequest, access: ObservationAccess, refused: Exception) -> HttpResponse:
    """A write the rules refuse: the observation with the reason; nothing changed."""
    return _observation_page(request, access, refusal=str(refused), status=400)


@login_required
@require_safe
def observation_detail(request: HttpRequest, observation_id: int) -> HttpResponse:
    access = observation_for_person(person_for(request), observation_id)
    observation = access.observation
    if observation.team_id is not None:
        family_data_viewed(request, team=observation.team, subject=f"observation {observation.pk}")
    return _observation_page(request, access)


# --- finishing: globals, notes, what to practise next -----------------------------------------


def _finish_initial(observation: PracticeObservation) -> dict:
    names = (*GLOBAL_FIELDS, *COUNT_FIELDS, "notes", "practise_next")
    return {name: getattr(observation, name) for name in names}


@login_required
@require_http_methods(["GET", "POST"])
def observation_finish(request: HttpRequest, observation_id: int) -> HttpResponse:
    access = observation_for_coder(person_for(request), observation_id)
    observation = access.observation
    with_counts = observation.method == PracticeObservation.Method.COUNTS
    form = FinishForm(
        request.POST or None, with_counts=with_counts, initial=_finish_initial(observation)
    )
    refusal = ""
    if request.method == "POST" and form.is_valid():
        try:
            practice.observation_finish(
                observation=observation, by=request.user, data=form.cleaned_data
            )
        except practice.PracticeRefused as refused:
            refusal = str(refused)
        else:
            messages.success(request, _("Observation saved. Here are the scores."))
            return redirect("practice_observation", observation_id=observation.pk)
    context = {
        "observation": observation,
        "form": form,
        "refusal": refusal,
        "scores": observation.scores(),
        "count_names": COUNT_FIELDS,
        "global_names": GLOBAL_FIELDS,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "reflections/practice_finish.html", context, status=status)


# --- the live tally ------------------------------------------------------------------------


def _tally_context(observation: PracticeObservation, **extra) -> dict:
    buttons = [
        {"code": code, "label": label, "key": SHORTCUTS[code], "count": getattr(observation, code)}
        for code, label in Code.choices
    ]
    last = observation.taps.order_by("-id").first()
    return {
        "observation": observation,
        "buttons": buttons,
        "last": last,
        "last_label": practice_selectors.code_label(last.code) if last else "",
        "scores": observation.scores(),
        **extra,
    }


def _open_tally(access: ObservationAccess) -> PracticeObservation:
    observation = access.observation
    if observation.method != PracticeObservation.Method.TALLY:
        raise PermissionDenied("This observation is not coded on the tally.")
    return observation


@login_required
@require_safe
def observation_tally(request: HttpRequest, observation_id: int) -> HttpResponse:
    """The tally reopens where it was: every tap is on the server."""
    observation = _open_tally(observation_for_coder(person_for(request), observation_id))
    return render(request, TALLY, _tally_context(observation))


def _tally_answer(request, observation, *, refusal: str = "", status: int = 200, part="tally-oob"):
    """htmx: the counts, the status and the undo button, swapped out of band, so the
    buttons under the coder's fingers are never replaced mid-tap."""
    observation.refresh_from_db()
    context = _tally_context(observation, refusal=refusal, oob=True)
    if request.htmx:
        return render(request, f"{TALLY}#{part}", context, status=status)
    if refusal:
        return render(request, TALLY, context, status=status)
    return redirect("practice_tally", observation_id=observation.pk)


@login_required
@require_POST
def tally_tap(request: HttpRequest, observation_id: int) -> HttpResponse:
    observation = _open_tally(observation_for_coder(person_for(request), observation_id))
    form = TallyTapForm(request.POST)
    if not form.is_valid():
        return _tally_answer(
            request, observation, refusal=_("That is not a behaviour code."), status=400
        )
    try:
        practice.tally_tap(observation=observation, code=form.cleaned_data["code"], by=request.user)
    except practice.PracticeRefused as refused:
        return _tally_answer(request, observation, refusal=str(refused), status=400)
    return _tally_answer(request, observation)


@login_required
@require_POST
def tally_undo(request: HttpRequest, observation_id: int) -> HttpResponse:
    observation = _open_tally(observation_for_coder(person_for(request), observation_id))
    try:
        practice.tally_undo(observation=observation, by=request.user)
    except practice.PracticeRefused as refused:
        return _tally_answer(request, observation, refusal=str(refused), status=400)
    return _tally_answer(request, observation)


@login_required
@require_POST
def tally_timer(request: HttpRequest, observation_id: int) -> HttpResponse:
    observation = _open_tally(observation_for_coder(person_for(request), observation_id))
    practice.tally_timer_start(observation=observation, by=request.user)
    return _tally_answer(request, observation, part="timer")


# --- transcripts ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def observation_transcript(request: HttpRequest, observation_id: int) -> HttpResponse:
    """Before a transcript: the coder pastes it. After: the transcript as coded, with the
    agreement of the two codings once the second is finished (for every reader)."""
    person = person_for(request)
    access = observation_for_person(person, observation_id)
    observation = access.observation
    transcript = getattr(observation, "transcript", None)
    if transcript is None:
        return _transcript_paste(request, access)
    if request.method == "POST":
        return _refused(request, access, _("This observation has a transcript already."))
    if _blind(request.user, observation):
        messages.info(request, _("Finish your blind coding first; then the agreement shows."))
        return redirect("practice_coding", observation_id=observation.pk)
    _family_data_viewed(request, observation, "transcript")
    context = {
        "access": access,
        "observation": observation,
        "transcript": transcript,
        **practice_selectors.agreement_of(transcript),
    }
    return render(request, "reflections/practice_transcript.html", context)


def _transcript_paste(request: HttpRequest, access: ObservationAccess) -> HttpResponse:
    observation = access.observation
    if not access.is_coder:
        raise PermissionDenied("Only the coder adds the transcript.")
    if observation.transcript_deleted_at is not None:
        return _refused(request, access, _("The transcript of this observation was deleted."))
    form = TranscriptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            practice.transcript_add(
                observation=observation,
                by=request.user,
                text=data["text"],
                practitioner_labels=label_list(data["practitioner_labels"]),
                other_labels=label_list(data["other_labels"]),
            )
        except practice.PracticeRefused as refused:
            return _refused(request, access, refused)
        return redirect("practice_coding", observation_id=observation.pk)
    context = {"observation": observation, "form": form, "rules": SUGGESTION_RULES}
    status = 400 if request.method == "POST" else 200
    return render(request, "reflections/practice_transcript_paste.html", context, status=status)


def _coding_context(access: ObservationAccess, coding: TranscriptCoding, **extra) -> dict:
    context = practice_selectors.coding_rows(coding, suggestions=coding.primary)
    choices = [
        {"code": code, "label": label, "key": SHORTCUTS[code]}
        for code, label in (*Code.choices, (NO_CODE, practice_selectors.code_label(NO_CODE)))
    ]
    return {
        "access": access,
        "observation": access.observation,
        "coding": coding,
        "choices": choices,
        **context,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def transcript_coding(request: HttpRequest, observation_id: int) -> HttpResponse:
    """The person's own coding: one row per practitioner line. Without JavaScript the
    whole form posts here; with it each key saves one row (utterance_code)."""
    access, coding = coding_for_person(person_for(request), observation_id)
    if request.method == "POST":
        codes = {}
        for name, value in request.POST.items():
            if name.startswith("code-") and value:
                try:
                    codes[int(name.removeprefix("code-"))] = value
                except ValueError:
                    continue
        try:
            saved = practice.utterance_codes_save(coding=coding, codes=codes, by=request.user)
        except practice.PracticeRefused as refused:
            context = _coding_context(access, coding, refusal=str(refused))
            return render(request, CODING, context, status=400)
        text = ngettext("%(n)s code saved.", "%(n)s codes saved.", saved)
        messages.success(request, text % {"n": saved})
        return redirect("practice_coding", observation_id=access.observation.pk)
    _family_data_viewed(request, access.observation, "transcript coding")
    return render(request, CODING, _coding_context(access, coding))


@login_required
@require_POST
def utterance_code(request: HttpRequest, observation_id: int, utterance_id: int) -> HttpResponse:
    """One line's code, saved at once (htmx); the answer is the row and the progress."""
    access, coding = coding_for_person(person_for(request), observation_id)
    # The whole coding form posts (htmx includes it): this line's menu is the one.
    form = UtteranceCodeForm({"code": request.POST.get(f"code-{utterance_id}", "")})
    refusal = ""
    if form.is_valid():
        try:
            practice.utterance_code(
                coding=coding,
                utterance_id=utterance_id,
                code=form.cleaned_data["code"],
                by=request.user,
            )
        except practice.PracticeRefused as refused:
            refusal = str(refused)
    else:
        refusal = _("That is not a behaviour code.")
    if not request.htmx:
        if refusal:
            return render(
                request, CODING, _coding_context(access, coding, refusal=refusal), status=400
            )
        return redirect(reverse("practice_coding", args=[access.observation.pk]))
    context = _coding_context(access, coding, refusal=refusal, saved_row=utterance_id)
    row = next((r for r in context["rows"] if r.utterance.pk == utterance_id), None)
    if row is None:
        return render(request, f"{CODING}#progress", context, status=400)
    context["row"] = row
    return render(request, f"{CODING}#coded-row", context, status=400 if refusal else 200)


@login_required
@require_POST
def coding_done(request: HttpRequest, observation_id: int) -> HttpResponse:
    """Finish one's coding (every line coded). The first coder goes on to the globals; a
    second coder to the agreement."""
    access, coding = coding_for_person(person_for(request), observation_id)
    try:
        practice.coding_complete(coding=coding, by=request.user)
    except practice.PracticeRefused as refused:
        return render(
            request, CODING, _coding_context(access, coding, refusal=str(refused)), status=400
        )
    if coding.primary:
        return redirect("practice_finish", observation_id=access.observation.pk)
    messages.success(request, _("Your coding is finished. Here is how the two codings agree."))
    return redirect("practice_transcript", observation_id=access.observation.pk)


@login_required
@require_POST
def second_coding_start(request: HttpRequest, observation_id: int) -> HttpResponse:
    access = observation_for_person(person_for(request), observation_id)
    if not access.is_other_supervisor and not access.is_coder:
        raise PermissionDenied("Only another supervisor of the facilitator codes a second time.")
    try:
        practice.coding_second_start(observation=access.observation, coder=request.user)
    except practice.PracticeRefused as refused:
        return _refused(request, access, refused)
    messages.info(request, _("Code each line on your own; the first coding stays hidden."))
    return redirect("practice_coding", observation_id=access.observation.pk)


@login_required
@require_POST
def transcript_delete(request: HttpRequest, observation_id: int) -> HttpResponse:
    access = observation_for_coder(person_for(request), observation_id)
    practice.transcript_delete(observation=access.observation, by=request.user)
    messages.success(request, _("The transcript is deleted. The observation keeps its counts."))
    return redirect("practice_observation", observation_id=access.observation.pk)


@login_required
@require_POST
def practise_next_send(request: HttpRequest, observation_id: int) -> HttpResponse:
    access = observation_for_coder(person_for(request), observation_id)
    try:
        practice.practise_next_send(observation=access.observation, by=request.user)
    except practice.PracticeRefused as refused:
        return _refused(request, access, refused)
    facilitator = access.observation.facilitator
    name = facilitator.name or facilitator.email
    messages.success(request, _("Sent to %(name)s as a reflection prompt.") % {"name": name})
    return redirect("practice_observation", observation_id=access.observation.pk)
