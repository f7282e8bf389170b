"""Family portal, goals, check-ins and dashboards.

Views: parse (a form) → authorize (communities.access) → service/selector → render. An
htmx request gets the page's named partial; a plain POST redirects (Post/Redirect/Get).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from communities.access import (
    actor_for,
    person_for,
    require_role,
    team_for_facilitator,
    team_for_person,
)
from communities.audit import family_data_viewed, family_data_viewed_in
from communities.models import Message, Role
from communities.selectors import organization_setup
from engagement import drift_selectors, selectors, services
from engagement.access import (
    goal_for_deleting,
    goal_for_person,
    goal_for_progress,
    revision_for_goal,
    step_for_goal,
)
from engagement.drift_access import signals_in_scope
from engagement.forms import (
    CommentForm,
    GoalCreateForm,
    GoalEditForm,
    MeetingCheckInForm,
    ProgressForm,
    RestoreForm,
    StepDoneForm,
    StepForm,
    TeamMeetingForm,
)
from reflections import selectors as reflection_selectors
from reflections import services as reflection_services
from reflections.forms import ReflectionForm, draft_data

GOAL_PAGE = "engagement/goal_detail.html"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Each role's first page, in the organisation the person is working in now."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    actor = actor_for(request)
    if actor.role == Role.FAMILY:
        return redirect("family_home")
    if actor.role == Role.FACILITATOR:
        context = {
            "teams": selectors.teams_for_actor(actor),
            "recent_checkins": selectors.recent_family_checkins(actor),
            "drift_signals": drift_selectors.open_signals_of(signals_in_scope(actor)),
        }
        return render(request, "engagement/home_facilitator.html", context)
    if actor.role == Role.SUPERVISOR:
        context = {
            "programs": selectors.supervisor_programs(actor),
            "drift_signals": drift_selectors.open_signals_of(signals_in_scope(actor)),
        }
        return render(request, "engagement/home_supervisor.html", context)
    if actor.role == Role.ADMIN:
        context = organization_setup(actor.organization)
        return render(request, "engagement/home_admin.html", context)
    return render(request, "engagement/home_no_membership.html")


@login_required
@require_safe
def team_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)
    return render(request, "engagement/team_list.html", {"teams": selectors.teams_for_actor(actor)})


@login_required
@require_safe
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    access = team_for_person(person_for(request), team_id)
    if access.is_family_member:
        return redirect(reverse("family_home") + f"#team-{access.team.pk}")
    family_data_viewed(request, team=access.team, subject="team page")
    context = selectors.team_page(access=access)
    context |= reflection_selectors.team_reflections(person_for(request), access.team)
    return render(request, "engagement/team_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest, team_id: int) -> HttpResponse:
    """Record a family-team meeting in a few taps; the family gets check-in links."""
    team = team_for_facilitator(person_for(request), team_id).team
    form = TeamMeetingForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        meeting = services.team_meeting_record(
            team=team,
            by=request.user,
            held_on=form.cleaned_data["held_on"],
            duration_minutes=form.cleaned_data["duration_minutes"],
            family_present=form.cleaned_data["family_present"],
            agenda_set_by=form.cleaned_data["agenda_set_by"],
            attendees=list(form.cleaned_data["attendees"]),
        )
        messages.success(
            request,
            _("Meeting recorded. The family will get a quick check-in. Now, while it is fresh:"),
        )
        return redirect(reverse("reflection_new", args=[team.pk]) + f"?meeting={meeting.pk}")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "engagement/meeting_new.html", {"team": team, "form": form}, status=status
    )


@login_required
@require_safe
def family_home(request: HttpRequest) -> HttpResponse:
    """The family portal: every team of theirs, goals, meetings, facilitators, comments."""
    actor = actor_for(request)
    require_role(actor, Role.FAMILY)
    context = selectors.family_portal(actor=actor)
    teams = [page["team"] for page in context["pages"]]
    family_data_viewed_in(request, teams=teams, subject="family portal")
    return render(request, "engagement/family_home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest, team_id: int) -> HttpResponse:
    access = team_for_person(person_for(request), team_id, write=True)
    team = access.team
    form = GoalCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        goal = services.goal_create(
            team=team, by=request.user, role=access.role, data=form.cleaned_data
        )
        messages.success(request, _("Goal added."))
        return redirect("goal_detail", goal_id=goal.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "engagement/goal_new.html", {"team": team, "form": form}, status=status)


@login_required
@require_safe
def goal_detail(request: HttpRequest, goal_id: int) -> HttpResponse:
    access = goal_for_person(person_for(request), goal_id)
    family_data_viewed(request, team=access.goal.team, subject=f"goal {access.goal.pk}")
    context = selectors.goal_page(access=access)
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
    access = goal_for_person(person_for(request), goal_id, write=True)
    goal = access.goal
    partial = f"{GOAL_PAGE}#goal-form" if request.htmx else "engagement/goal_edit.html"
    if request.method == "GET":
        family_data_viewed(request, team=goal.team, subject=f"goal {goal.pk}")
        return render(request, partial, {"goal": goal, "form": _edit_form_for(goal)})
    form = GoalEditForm(request.POST)
    if not form.is_valid():
        return render(request, partial, {"goal": goal, "form": form}, status=400)
    try:
        goal, changed = services.goal_update(
            goal_id=goal.pk,
            by=request.user,
            role=access.role,
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
        context = selectors.goal_page(access=access.reloaded(goal))
        context["saved_message"] = _("Saved.") if changed else _("Nothing had changed.")
        return render(request, f"{GOAL_PAGE}#goal-text", context)
    messages.success(request, _("Saved.") if changed else _("Nothing had changed."))
    return redirect("goal_detail", goal_id=goal.pk)


@login_required
@require_safe
def goal_history(request: HttpRequest, goal_id: int) -> HttpResponse:
    access = goal_for_person(person_for(request), goal_id)
    family_data_viewed(request, team=access.goal.team, subject=f"goal {access.goal.pk} history")
    return render(request, "engagement/goal_history.html", selectors.goal_history(access=access))


@login_required
@require_POST
def goal_restore(request: HttpRequest, goal_id: int, revision_id: int) -> HttpResponse:
    access = goal_for_person(person_for(request), goal_id, write=True)
    goal = access.goal
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
            role=access.role,
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
    access = goal_for_deleting(person_for(request), goal_id)
    team_id = access.goal.team_id
    services.goal_delete(goal=access.goal, by=request.user, role=access.role)
    messages.success(request, _("Goal deleted."))
    return redirect("team_detail", team_id=team_id)


@login_required
@require_POST
def step_add(request: HttpRequest, goal_id: int) -> HttpResponse:
    access = goal_for_person(person_for(request), goal_id, write=True)
    form = StepForm(request.POST)
    if form.is_valid():
        services.step_add(
            goal=access.goal, by=request.user, role=access.role, data=form.cleaned_data
        )
        if not request.htmx:
            messages.success(request, _("Step added."))
    return _goal_section(request, access, "steps", step_form=None if form.is_valid() else form)


@login_required
@require_POST
def step_toggle(request: HttpRequest, goal_id: int, step_id: int) -> HttpResponse:
    access = goal_for_person(person_for(request), goal_id, write=True)
    step = step_for_goal(access.goal, step_id)
    form = StepDoneForm(request.POST)
    form.is_valid()
    services.step_set_done(
        step=step, by=request.user, role=access.role, done=form.cleaned_data["done"]
    )
    return _goal_section(request, access, "steps")


@login_required
@require_POST
def progress_add(request: HttpRequest, goal_id: int) -> HttpResponse:
    access = goal_for_progress(person_for(request), goal_id)
    form = ProgressForm(request.POST)
    if form.is_valid():
        services.progress_checkin_create(goal=access.goal, by=request.user, **form.cleaned_data)
        if not request.htmx:
            messages.success(request, _("Thank you! Your progress is saved."))
    return _goal_section(
        request, access, "progress", progress_form=None if form.is_valid() else form
    )


@login_required
@require_POST
def comment_add(request: HttpRequest, goal_id: int) -> HttpResponse:
    access = goal_for_person(person_for(request), goal_id, write=True)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.comment_create(
            goal=access.goal, by=request.user, role=access.role, body=form.cleaned_data["body"]
        )
        if not request.htmx:
            messages.success(request, _("Comment added."))
    return _goal_section(
        request, access, "comments", comment_form=None if form.is_valid() else form
    )


def _goal_section(request: HttpRequest, access, section: str, **bound_forms) -> HttpResponse:
    """After a small write: the section fragment for htmx, otherwise back to the goal
    page (Post/Redirect/Get), or the page with the form and its errors when invalid."""
    invalid = {name: form for name, form in bound_forms.items() if form is not None}
    goal = access.goal
    if not request.htmx and not invalid:
        return redirect(reverse("goal_detail", args=[goal.pk]) + f"#{section}")
    context = selectors.goal_page(access=access)
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
    items = Message.objects.filter(
        recipient=request.user, channel=Message.Channel.APP
    ).select_related("team")[:50]
    return render(request, "engagement/notifications.html", {"notifications": items})


# --- Reflections on a team's meetings (shows the family's check-in beside the form) ------


def _reflection_page(request, team, *, form=None, meeting_id=None, status=200):
    author = request.user
    subject = f"team:{team.pk}"
    meetings = selectors.team_meetings_for_reflection(team)
    follow_up = reflection_services.previous_try_next(author=author, team=team)
    draft = None
    if form is None:
        draft = reflection_selectors.draft_for(author=author, subject=subject)
        initial = dict(draft.data) if draft else {}
        if meeting_id:
            initial["meeting"] = meeting_id
        elif "meeting" not in initial and meetings:
            initial["meeting"] = meetings[0].pk
        form = ReflectionForm(initial=initial, meetings=meetings, follow_up=follow_up)
    chosen = form.data.get("meeting") if form.is_bound else form.initial.get("meeting")
    meeting = next((m for m in meetings if str(m.pk) == str(chosen)), None)
    context = {
        "team": team,
        "form": form,
        "meeting": meeting,
        "checkins": selectors.meeting_checkins(meeting) if meeting else [],
        "follow_up": follow_up,
        "draft": draft,
    }
    return render(request, "engagement/reflection_new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reflection_new(request: HttpRequest, team_id: int) -> HttpResponse:
    """Write a reflection on a team meeting, right after recording it or later."""
    team = team_for_facilitator(person_for(request), team_id).team
    if request.method == "GET":
        return _reflection_page(request, team, meeting_id=request.GET.get("meeting"))
    meetings = selectors.team_meetings_for_reflection(team)
    follow_up = reflection_services.previous_try_next(author=request.user, team=team)
    form = ReflectionForm(request.POST, meetings=meetings, follow_up=follow_up)
    if not form.is_valid():
        # Nothing typed is lost: the draft keeps it too.
        reflection_services.draft_save(
            author=request.user, subject=f"team:{team.pk}", data=draft_data(request.POST)
        )
        return _reflection_page(request, team, form=form, status=400)
    meeting = next((m for m in meetings if m.pk == form.cleaned_data.get("meeting")), None)
    reflection = reflection_services.reflection_create(
        author=request.user,
        team=team,
        meeting=meeting,
        data=form.reflection_data(),
        follow_through=form.follow_through(),
        draft_subject=f"team:{team.pk}",
    )
    messages.success(request, _("Reflection saved. Thank you for taking the time to learn."))
    return redirect("reflection_detail", reflection_id=reflection.pk)


@login_required
@require_POST
def reflection_draft(request: HttpRequest, team_id: int) -> HttpResponse:
    """Autosave (htmx, on pause and on leaving a field): kept on the server, so it comes
    back on another device and after logging in again."""
    team = team_for_facilitator(person_for(request), team_id).team
    draft = reflection_services.draft_save(
        author=request.user, subject=f"team:{team.pk}", data=draft_data(request.POST)
    )
    if request.htmx:
        context = {"draft": draft, "team": team}
        return render(request, "engagement/reflection_new.html#draft-status", context)
    messages.success(request, _("Draft saved."))
    return redirect("reflection_new", team_id=team.pk)
