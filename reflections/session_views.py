"""Reflecting on a learning-circle session, with the follow-through of what the member
said they would try after the circle's previous session."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from communities.access import person_for, session_for_person
from reflections import services
from reflections.forms import SessionReflectionForm, draft_data
from reflections.selectors import draft_for


def _session_for_reflecting(request, session_id):
    """A session of a circle the person belongs to or hosts (other staff: 403)."""
    session, access = session_for_person(person_for(request), session_id)
    if not (access.is_member or access.can_manage):
        raise PermissionDenied
    return session


def _draft_subject(session) -> str:
    return f"session:{session.pk}"


@login_required
@require_http_methods(["GET", "POST"])
def session_reflection_new(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session_for_reflecting(request, session_id)
    follow_up = services.previous_try_next(author=request.user, circle=session.circle)
    draft = draft_for(author=request.user, subject=_draft_subject(session))
    if request.method == "POST":
        form = SessionReflectionForm(request.POST, follow_up=follow_up)
        if form.is_valid():
            reflection = services.session_reflection_create(
                author=request.user, session=session, data=form.reflection_data(),
                follow_through=form.follow_through(), draft_subject=_draft_subject(session),
            )  # fmt: skip
            messages.success(
                request, _("Reflection saved. Thank you for taking the time to learn.")
            )
            return redirect("reflection_detail", reflection_id=reflection.pk)
        draft = services.draft_save(
            author=request.user, subject=_draft_subject(session), data=draft_data(request.POST)
        )
        status = 400
    else:
        form = SessionReflectionForm(initial=draft.data if draft else None, follow_up=follow_up)
        status = 200
    context = {"session": session, "form": form, "follow_up": follow_up, "draft": draft}
    return render(request, "reflections/session_reflection_new.html", context, status=status)


@login_required
@require_POST
def session_reflection_draft(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session_for_reflecting(request, session_id)
    draft = services.draft_save(
        author=request.user, subject=_draft_subject(session), data=draft_data(request.POST)
    )
    if request.htmx:
        context = {"draft": draft, "session": session}
        return render(request, "reflections/session_reflection_new.html#draft-status", context)
    messages.success(request, _("Draft saved."))
    return redirect("session_reflection_new", session_id=session.pk)
