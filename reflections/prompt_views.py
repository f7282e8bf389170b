"""Reflection prompts: my prompts, answering one, and for admins the library, their own
prompts and the schedules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from communities.access import actor_for, organization_for_admin, person_for, require_role
from communities.audit import family_data_viewed
from communities.models import Role
from reflections import prompt_selectors, prompts, services
from reflections.forms import PromptAnswerForm, draft_data
from reflections.models import PromptSchedule
from reflections.prompt_access import delivery_for_recipient, prompt_for_admin, schedule_for_admin
from reflections.prompt_forms import PromptForm, PromptScheduleForm
from reflections.selectors import draft_for


@login_required
@require_safe
def my_prompts(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)
    context = prompt_selectors.my_prompts(request.user, actor.organization.pk)
    return render(request, "reflections/my_prompts.html", context)


def _answer_page(request, delivery, *, form=None, status=200):
    subject = prompts.answer_draft_subject(delivery)
    draft = draft_for(author=request.user, subject=subject)
    if form is None:
        initial = {"principles": [delivery.wording.prompt.tag]}
        form = PromptAnswerForm(initial={**initial, **(draft.data if draft else {})})
    if delivery.team is not None and request.method == "GET":
        family_data_viewed(request, team=delivery.team, subject=f"prompt {delivery.pk}")
    context = {"delivery": delivery, "form": form, "draft": draft}
    return render(request, "reflections/prompt_answer.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def prompt_answer(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """The link in the prompt's email and notification: answering is reflecting."""
    delivery = delivery_for_recipient(person_for(request), delivery_id)
    if delivery.answered_at is not None:
        reflection = getattr(delivery, "reflection", None)
        if reflection is not None:
            messages.info(request, _("You answered this prompt already. Here is your answer."))
            return redirect("reflection_detail", reflection_id=reflection.pk)
    if request.method == "GET":
        return _answer_page(request, delivery)
    form = PromptAnswerForm(request.POST)
    if not form.is_valid():
        services.draft_save(
            author=request.user,
            subject=prompts.answer_draft_subject(delivery),
            data=draft_data(request.POST),
        )
        return _answer_page(request, delivery, form=form, status=400)
    reflection = prompts.prompt_answer(
        delivery=delivery, author=request.user, data=form.reflection_data()
    )
    messages.success(request, _("Answer saved as a reflection. Thank you for taking the time."))
    return redirect("reflection_detail", reflection_id=reflection.pk)


@login_required
@require_POST
def prompt_draft(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """Autosave of an answer (htmx), kept on the server like every reflection draft."""
    delivery = delivery_for_recipient(person_for(request), delivery_id)
    draft = services.draft_save(
        author=request.user,
        subject=prompts.answer_draft_subject(delivery),
        data=draft_data(request.POST),
    )
    if request.htmx:
        context = {"draft": draft, "delivery": delivery}
        return render(request, "reflections/prompt_answer.html#draft-status", context)
    messages.success(request, _("Draft saved."))
    return redirect("prompt_answer", delivery_id=delivery.pk)


# --- admins ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def prompt_library(request: HttpRequest) -> HttpResponse:
    """The built-in library (read-only) and the organisation's own prompts; add one."""
    organization = organization_for_admin(actor_for(request))
    form = PromptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        prompts.prompt_add(
            organization=organization, by=request.user, tag=data["tag"],
            text_en=data["text_en"], text_es=data["text_es"],
        )  # fmt: skip
        messages.success(request, _("Prompt added. Schedules can send it from now on."))
        return redirect("prompt_library")
    context = {"form": form, **prompt_selectors.prompt_library(organization.pk)}
    status = 400 if request.method == "POST" else 200
    return render(request, "reflections/prompt_library.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def prompt_edit(request: HttpRequest, prompt_id: int) -> HttpResponse:
    """Change an own prompt's words (a new version; earlier answers keep theirs), its
    tag, or take it out of use."""
    prompt = prompt_for_admin(actor_for(request), prompt_id)
    current = prompt.wordings.order_by("-version").first()
    initial = {"tag": prompt.tag, "active": prompt.active}
    if current is not None:
        initial |= {"text_en": current.text_en, "text_es": current.text_es}
    form = PromptForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        prompts.prompt_reword(
            prompt=prompt, by=request.user, tag=data["tag"], text_en=data["text_en"],
            text_es=data["text_es"], active=data["active"],
        )  # fmt: skip
        messages.success(request, _("Prompt saved."))
        return redirect("prompt_library")
    context = {"form": form, "prompt": prompt, "wordings": prompt.wordings.order_by("-version")}
    status = 400 if request.method == "POST" else 200
    return render(request, "reflections/prompt_edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_list(request: HttpRequest) -> HttpResponse:
    """The organisation's prompt schedules; add one."""
    organization = organization_for_admin(actor_for(request))
    form = PromptScheduleForm(
        request.POST or None,
        instance=PromptSchedule(organization=organization),
        organization=organization,
    )
    if request.method == "POST" and form.is_valid():
        prompts.schedule_save(schedule=form.save(commit=False), by=request.user)
        messages.success(request, _("Schedule saved."))
        return redirect("prompt_schedules")
    context = {"form": form, "schedules": prompt_selectors.schedules_of(organization.pk)}
    status = 400 if request.method == "POST" else 200
    return render(request, "reflections/prompt_schedules.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request: HttpRequest, schedule_id: int) -> HttpResponse:
    actor = actor_for(request)
    schedule = schedule_for_admin(actor, schedule_id)
    form = PromptScheduleForm(
        request.POST or None, instance=schedule, organization=actor.organization
    )
    if request.method == "POST" and form.is_valid():
        prompts.schedule_save(schedule=form.save(commit=False), by=request.user)
        messages.success(request, _("Schedule saved."))
        return redirect("prompt_schedules")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "schedule": schedule}
    return render(request, "reflections/prompt_schedule_edit.html", context, status=status)
