"""Family portal, goals, check-ins and dashboards.

Views: parse (a form) → authorize (communities.access) → service/selector → render. An
htmx request gets the page's named partial; a plain POST redirects (Post/Redirect/Get).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from communities.access import (
    actor_for,
    goal_for_user,
    require_family_member,
    require_role,
    revision_for_goal,
    step_for_goal,
    team_for_user,
)
from communities.models import Notification, Role
from engagement import selectors, services
from engagement.forms import (
    CommentForm,
    GoalCreateForm,
    GoalEditForm,
    MeetingCheckInForm,
    ProgressForm,
    RestoreForm,
    StepDoneForm,
    StepForm,
)

GOAL_PAGE = "engagement/goal_detail.html"


@login_required
def family_home(request: HttpRequest) -> HttpResponse:
    """The family portal: their team, goals, next meeting, facilitator, recent comments."""
    actor = actor_for(request)
    require_role(actor, Role.FAMILY)
    return render(request, "engagement/family_home.html", selectors.family_portal(actor=actor))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    return render(
        request, "engagement/dashboard.html", {"rows": selectors.program_dashboard(actor)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_for_user(request.user, team_id, write=True)
    actor = actor_for(request)
    form = GoalCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        goal = services.goal_create(
            team=team, by=request.user, role=actor.role, data=form.cleaned_data
        )
        messages.success(request, _("Goal added."))
        return redirect("goal_detail", goal_id=goal.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "engagement/goal_new.html", {"team": team, "form": form}, status=status)


@login_required
def goal_detail(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_for_user(request.user, goal_id)
    context = selectors.goal_page(actor=actor_for(request), goal=goal)
    context["comment_form"] = CommentForm()
    context["step_form"] = StepForm()
    context["progress_form"] = ProgressForm()
    return render(request, GOAL_PAGE, context)


def _edit_form_for(goal) -> GoalEditForm:
    return GoalEditForm(
        initial={
            "statement": goal.statement,
            "why_it_matters": goal.why_it_matters,
            "strengths": goal.strengths,
            "status": goal.status,
            "set_aside_reason": goal.set_aside_reason,
            "base_version": goal.version,
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_for_user(request.user, goal_id, write=True)
    actor = actor_for(request)
    partial = f"{GOAL_PAGE}#goal-form" if request.htmx else "engagement/goal_edit.html"
    if request.method == "GET":
        context = selectors.goal_for_editing(actor=actor, goal=goal)
        return render(request, partial, {**context, "form": _edit_form_for(goal)})
    form = GoalEditForm(request.POST)
    if not form.is_valid():
        return render(request, partial, {"goal": goal, "form": form}, status=400)
    try:
        goal, changed = services.goal_update(
            goal_id=goal.pk,
            by=request.user,
            role=actor.role,
            data=form.goal_data(),
            base_version=form.cleaned_data["base_version"],
        )
    except services.GoalConflict as conflict:
        context = selectors.goal_conflict(
            goal=conflict.goal,
            mine=form.goal_data(),
            base_version=form.cleaned_data["base_version"],
        )
        context["form"] = GoalEditForm(
            initial={**context["merged"], "base_version": conflict.goal.version}
        )
        template = f"{GOAL_PAGE}#goal-conflict" if request.htmx else "engagement/goal_conflict.html"
        return render(request, template, context, status=409)
    if request.htmx:
        context = selectors.goal_page(actor=actor, goal=goal)
        return render(request, f"{GOAL_PAGE}#goal-text", context)
    messages.success(request, _("Saved.") if changed else _("Nothing had changed."))
    return redirect("goal_detail", goal_id=goal.pk)


@login_required
def goal_history(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_for_user(request.user, goal_id)
    return render(
        request,
        "engagement/goal_history.html",
        selectors.goal_history(actor=actor_for(request), goal=goal),
    )


@login_required
@require_POST
def goal_restore(request: HttpRequest, goal_id: int, revision_id: int) -> HttpResponse:
    goal = goal_for_user(request.user, goal_id, write=True)
    revision = revision_for_goal(goal, revision_id)
    form = RestoreForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That restore request was incomplete. Please try again."))
        return redirect("goal_history", goal_id=goal.pk)
    try:
        services.goal_restore(
            goal_id=goal.pk,
            revision_id=revision.pk,
            by=request.user,
            role=actor_for(request).role,
            base_version=form.cleaned_data["base_version"],
        )
    except services.GoalConflict:
        messages.error(
            request,
            _("Someone changed this goal a moment ago. Look at the latest version first."),
        )
        return redirect("goal_history", goal_id=goal.pk)
    messages.success(
        request, _("Version %(v)s is back, as a new version.") % {"v": revision.version}
    )
    return redirect("goal_detail", goal_id=goal.pk)


@login_required
@require_POST
def goal_delete(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_for_user(request.user, goal_id, write=True)
    team_id = goal.team_id
    try:
        services.goal_delete(goal=goal, by=request.user, role=actor_for(request).role)
    except PermissionDenied:
        messages.error(
            request,
            _("A goal in the family's own words can't be deleted. Set it aside with a reason."),
        )
        return redirect("goal_detail", goal_id=goal.pk)
    messages.success(request, _("Goal deleted."))
    return redirect("team_detail", team_id=team_id)


@login_required
@require_POST
def step_add(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_for_user(request.user, goal_id, write=True)
    actor = actor_for(request)
    form = StepForm(request.POST)
    if form.is_valid():
        services.step_add(goal=goal, by=request.user, role=actor.role, data=form.cleaned_data)
        if not request.htmx:
            messages.success(request, _("Step added."))
    return _goal_section(request, goal, "steps", step_form=form if not form.is_valid() else None)


@login_required
@require_POST
def step_toggle(request: HttpRequest, goal_id: int, step_id: int) -> HttpResponse:
    goal = goal_for_user(request.user, goal_id, write=True)
    step = step_for_goal(goal, step_id)
    form = StepDoneForm(request.POST)
    form.is_valid()
    services.step_set_done(
        step=step, by=request.user, role=actor_for(request).role, done=form.cleaned_data["done"]
    )
    return _goal_section(request, goal, "steps")


@login_required
@require_POST
def progress_add(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_for_user(request.user, goal_id, write=True)
    require_family_member(request.user, goal.team)
    form = ProgressForm(request.POST)
    if form.is_valid():
        services.progress_checkin_create(goal=goal, by=request.user, **form.cleaned_data)
        if not request.htmx:
            messages.success(request, _("Thank you! Your progress is saved."))
    return _goal_section(
        request, goal, "progress", progress_form=form if not form.is_valid() else None
    )


@login_required
@require_POST
def comment_add(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = goal_for_user(request.user, goal_id, write=True)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.comment_create(
            goal=goal, by=request.user, role=actor_for(request).role, body=form.cleaned_data["body"]
        )
        if not request.htmx:
            messages.success(request, _("Comment added."))
    return _goal_section(
        request, goal, "comments", comment_form=form if not form.is_valid() else None
    )


def _goal_section(request: HttpRequest, goal, section: str, **bound_forms) -> HttpResponse:
    """After a small write: the section fragment for htmx, otherwise back to the goal
    page (Post/Redirect/Get), or the page with the form and its errors when invalid."""
    invalid = {name: form for name, form in bound_forms.items() if form is not None}
    if not request.htmx and not invalid:
        return redirect(reverse("goal_detail", args=[goal.pk]) + f"#{section}")
    context = selectors.goal_page(actor=actor_for(request), goal=goal)
    context.update(comment_form=CommentForm(), step_form=StepForm(), progress_form=ProgressForm())
    context.update(invalid)
    template = f"{GOAL_PAGE}#{section}" if request.htmx else GOAL_PAGE
    return render(request, template, context, status=400 if invalid else 200)


@require_http_methods(["GET", "POST"])
def meeting_checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The one-tap meeting check-in behind a signed, single-use, 7-day link."""
    user = request.user if request.user.is_authenticated else None
    try:
        checkin = services.checkin_from_token(token, user=user)
    except services.CheckInUnavailable as unavailable:
        return render(
            request, "engagement/checkin_done.html", {"message": str(unavailable)}, status=410
        )
    form = MeetingCheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_checkin_submit(
                checkin_id=checkin.pk,
                by=user,
                ratings=services.Ratings(**form.cleaned_data),
            )
        except services.CheckInUnavailable as unavailable:
            return render(
                request, "engagement/checkin_done.html", {"message": str(unavailable)}, status=410
            )
        return render(
            request,
            "engagement/checkin_done.html",
            {"message": _("Thank you! Your team will see your answers."), "thanks": True},
        )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "engagement/checkin.html", {"checkin": checkin, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("notifications")
    items = Notification.objects.filter(recipient=request.user).select_related("team")[:50]
    return render(request, "engagement/notifications.html", {"notifications": items})
