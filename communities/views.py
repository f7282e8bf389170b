"""Pages about people and organisations: setup, invitations, preferences, the audit
trail, switching organisation.

Each view: parse → authorize (access) → service/selector → render.
"""

import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.i18n import set_language

from communities import circles as circle_services
from communities import outbox, selectors, services
from communities.access import (
    CURRENT_ORGANIZATION_SESSION_KEY,
    actor_for,
    circle_for_person,
    communities_in_scope,
    community_for_person,
    invitation_for_manager,
    membership_for_admin,
    message_for_admin,
    organization_for_admin,
    organization_for_switch,
    person_for,
    require_role,
    session_for_person,
    team_for_auditor,
    team_for_facilitator,
)
from communities.audit import family_data_viewed
from communities.forms import (
    NO_EMAIL,
    CircleForm,
    CommunityForm,
    FamilyInvitationForm,
    InvitationAcceptForm,
    MembershipForm,
    OrganizationSwitchForm,
    PreferencesForm,
    RsvpForm,
    SessionMoveForm,
    StaffInvitationForm,
    attendance_form,
)
from communities.models import Invitation, MessageKind, Role


@login_required
@require_http_methods(["GET", "POST"])
def family_invite(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_for_facilitator(person_for(request), team_id).team
    form = FamilyInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                organization=team.program.organization,
                by=request.user,
                role=Role.FAMILY,
                team=team,
                **form.cleaned_data,
            )
        except services.InvitationRefused as refused:
            form.add_error("email", str(refused))
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link works for 7 days.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("team_detail", team_id=team.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "team": team,
        "form": form,
        "invitations": selectors.team_invitations(team),
        "now": timezone.now(),
    }
    return render(request, "communities/family_invite.html", context, status=status)


@login_required
@require_safe
def setup(request: HttpRequest) -> HttpResponse:
    organization = organization_for_admin(actor_for(request))
    context = selectors.organization_setup(organization)
    context["form"] = StaffInvitationForm(organization=organization)
    return render(request, "communities/setup.html", context)


@login_required
@require_POST
def staff_invite(request: HttpRequest) -> HttpResponse:
    organization = organization_for_admin(actor_for(request))
    form = StaffInvitationForm(request.POST, organization=organization)
    if form.is_valid():
        try:
            services.invitation_create(
                organization=organization, by=request.user, **form.cleaned_data
            )
        except services.InvitationRefused as refused:
            form.add_error("email", str(refused))
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link works for 7 days.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("setup")
    context = selectors.organization_setup(organization)
    context["form"] = form
    return render(request, "communities/setup.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def membership_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = actor_for(request)
    membership = membership_for_admin(actor, membership_id)
    form = MembershipForm(
        request.POST or None,
        organization=membership.organization,
        initial={
            "role": membership.role,
            "programs": list(membership.supervised_programs.all()),
            "is_active": membership.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(
                membership=membership,
                by=request.user,
                role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
                programs=form.cleaned_data["programs"],
            )
        except services.MembershipChangeRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Saved: %(name)s.") % {"name": membership.user})
            return redirect("setup")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "communities/membership_edit.html",
        {"membership": membership, "form": form},
        status=status,
    )


def _after_invitation_change(invitation: Invitation, request: HttpRequest) -> HttpResponse:
    """Back to where the invitation is listed: setup for admins, the team's invite page
    for its facilitators."""
    role = person_for(request).actor_in(invitation.organization_id).role
    if role == Role.ADMIN:
        return redirect("setup")
    return redirect("family_invite", team_id=invitation.team_id)


@login_required
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return _invitation_change(
        request,
        invitation_id,
        services.invitation_resend,
        _("A new link was sent to %(email)s. It works for 7 days; the old one no longer does."),
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return _invitation_change(
        request,
        invitation_id,
        services.invitation_revoke,
        _("The invitation for %(email)s was withdrawn. Its link no longer works."),
    )


def _invitation_change(request: HttpRequest, invitation_id: int, change, done: str):
    """Resend or revoke: authorize, apply, say what happened, back to the list."""
    invitation = invitation_for_manager(person_for(request), invitation_id)
    try:
        change(invitation=invitation, by=request.user)
    except services.InvitationRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done % {"email": invitation.email})
    return _after_invitation_change(invitation, request)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, key: str) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.select_related("organization", "team"), key=key
    )
    try:
        services.invitation_check(invitation)
    except services.InvitationError as error:
        return render(
            request, "communities/invitation_invalid.html", {"error": str(error)}, status=410
        )
    form = InvitationAcceptForm(
        request.POST or None, email=invitation.email, initial={"name": invitation.name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user, created = services.invitation_accept(
                invitation_id=invitation.pk,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password"],
                language=translation.get_language() or "",
            )
        except services.InvitationError as error:
            return render(
                request, "communities/invitation_invalid.html", {"error": str(error)}, status=410
            )
        if created:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[CURRENT_ORGANIZATION_SESSION_KEY] = invitation.organization_id
            messages.success(request, _("Welcome to MiiWrap, %(name)s.") % {"name": user})
            return redirect("home")
        messages.success(request, _("Invitation accepted. Please log in to continue."))
        return redirect("account_login")
    return render(
        request, "communities/invitation_accept.html", {"invitation": invitation, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "name": user.name,
        "language": user.language,
        "time_zone": user.time_zone,
        "quiet_hours_start": user.quiet_hours_start,
        "quiet_hours_end": user.quiet_hours_end,
    }
    for kind, (email, cadence) in selectors.message_preferences(user).items():
        initial[f"email_{kind}"] = cadence if email else NO_EMAIL
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.user_preferences_update(
            user=user,
            name=data["name"],
            language=data["language"],
            time_zone=data["time_zone"],
            quiet_hours_start=data["quiet_hours_start"],
            quiet_hours_end=data["quiet_hours_end"],
            messages=form.preferences(),
        )
        messages.success(request, _("Your preferences are saved."))
        response = redirect("preferences")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            data["language"],
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            samesite="Lax",
        )
        return response
    status = 400 if request.method == "POST" else 200
    return render(request, "communities/preferences.html", {"form": form}, status=status)


# A mail client's one-click unsubscribe (RFC 8058) posts without our CSRF token; the signed
# link is the authority, and it can only switch one kind of email off for one person.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user, kind = outbox.unsubscribe_read(token)
    except ValueError:
        return render(
            request,
            "communities/unsubscribe.html",
            {"invalid": True},
            status=400,
        )
    kind_label = MessageKind(kind).label
    if request.method == "POST":
        outbox.unsubscribe(user=user, kind=kind)
        return render(request, "communities/unsubscribe.html", {"done": True, "kind": kind_label})
    return render(
        request, "communities/unsubscribe.html", {"kind": kind_label, "email": user.email}
    )


@login_required
@require_safe
def message_list(request: HttpRequest) -> HttpResponse:
    """The organisation's messages for its admins: by kind and day, and what failed."""
    organization = organization_for_admin(actor_for(request))
    return render(request, "communities/messages.html", selectors.message_overview(organization))


@login_required
@require_POST
def message_retry(request: HttpRequest, message_id: int) -> HttpResponse:
    message = message_for_admin(actor_for(request), message_id)
    if outbox.message_retry(message=message):
        messages.success(request, _("The message will be sent again."))
    else:
        messages.error(request, _("Only a failed message can be sent again."))
    return redirect("message_list")


@login_required
@require_safe
def team_audit(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_for_auditor(person_for(request), team_id).team
    family_data_viewed(request, team=team, subject="team audit trail")
    return render(
        request,
        "communities/team_audit.html",
        {"team": team, "entries": selectors.team_audit_trail(team)},
    )


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's set_language, and for a signed-in person also remembered on their account."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_language_set(user=request.user, language=language)
    return set_language(request)


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    """Work in another of one's organisations: home and lists show only that one."""
    form = OrganizationSwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose one of your organisations."))
        return redirect("home")
    organization = organization_for_switch(person_for(request), form.cleaned_data["organization"])
    request.session[CURRENT_ORGANIZATION_SESSION_KEY] = organization.pk
    messages.success(request, _("You are now working in %(org)s.") % {"org": organization})
    return redirect("home")


# --- Learning communities and circles ----------------------------------------------------


@login_required
@require_safe
def community_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)
    communities = selectors.community_list(communities_in_scope(actor))
    context = {"communities": communities, "can_create": actor.role == Role.ADMIN}
    return render(request, "communities/community_list.html", context)


def _community_form_save(request, form, *, community=None):
    data = form.cleaned_data
    return circle_services.community_save(
        organization=actor_for(request).organization if community is None else None,
        community=community,
        by=request.user,
        name=data["name"],
        description=data["description"],
        host=data["host"],
        members=list(data["members"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def community_new(request: HttpRequest) -> HttpResponse:
    organization = organization_for_admin(actor_for(request))
    form = CommunityForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        community = _community_form_save(request, form)
        messages.success(request, _("Community created."))
        return redirect("community_detail", community_id=community.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "communities/community_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def community_edit(request: HttpRequest, community_id: int) -> HttpResponse:
    community, _access = community_for_person(person_for(request), community_id, manage=True)
    form = CommunityForm(
        request.POST or None,
        organization=community.organization,
        initial={
            "name": community.name,
            "description": community.description,
            "host": community.host,
            "members": list(community.members.all()),
        },
    )
    if request.method == "POST" and form.is_valid():
        _community_form_save(request, form, community=community)
        messages.success(request, _("Community saved."))
        return redirect("community_detail", community_id=community.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "community": community}
    return render(request, "communities/community_form.html", context, status=status)


@login_required
@require_safe
def community_detail(request: HttpRequest, community_id: int) -> HttpResponse:
    community, access = community_for_person(person_for(request), community_id)
    context = selectors.community_page(community) | {"access": access}
    return render(request, "communities/community_detail.html", context)


def _circle_form(request, organization, *, circle=None, community=None):
    initial = {"time_zone": organization.time_zone, "host": request.user}
    if circle is not None:
        initial = {
            "title": circle.title, "focus": circle.focus, "agenda": circle.agenda,
            "starts_on": circle.starts_on, "start_time": circle.start_time,
            "time_zone": circle.time_zone, "duration_minutes": circle.duration_minutes,
            "location": circle.location, "host": circle.host, "frequency": "custom",
            "custom_rrule": circle.rrule, "members": list(circle.members.all()),
            "reminders": [str(m) for m in circle.reminder_minutes],
        }  # fmt: skip
    elif community is not None:
        initial["members"] = list(community.members.all())
    data = request.POST or (request.GET if request.GET.get("title") is not None else None)
    return CircleForm(
        data, organization=organization, new=circle is None, initial=initial, by=request.user
    )


@login_required
@require_http_methods(["GET", "POST"])
def circle_new(request: HttpRequest, community_id: int) -> HttpResponse:
    community, _access = community_for_person(person_for(request), community_id, manage=True)
    form = _circle_form(request, community.organization, community=community)
    if request.method == "POST" and form.is_valid():
        circle = circle_services.circle_schedule(
            community=community,
            by=request.user,
            data=form.circle_data(),
            members=list(form.cleaned_data["members"]),
        )
        messages.success(request, _("Circle scheduled. Its members see it in their calendars."))
        return redirect("circle_detail", circle_id=circle.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "community": community} | _preview_of(request, form)
    return render(request, "communities/circle_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def circle_edit(request: HttpRequest, circle_id: int) -> HttpResponse:
    """Edit the series: this and all following sessions change, past ones don't."""
    circle, _access = circle_for_person(person_for(request), circle_id, manage=True)
    form = _circle_form(request, circle.community.organization, circle=circle)
    if request.method == "POST" and form.is_valid():
        data = form.circle_data()
        circle_services.circle_update_series(
            circle=circle,
            by=request.user,
            data=data,
            members=list(form.cleaned_data["members"]),
        )
        messages.success(request, _("Saved. Upcoming sessions follow the new schedule."))
        return redirect("circle_detail", circle_id=circle.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "community": circle.community, "circle": circle}
    context |= _preview_of(request, form)
    return render(request, "communities/circle_form.html", context, status=status)


def _preview_of(request: HttpRequest, form) -> dict:
    """The next dates of a bound, valid schedule (the no-JavaScript preview)."""
    if not form.is_bound or not form.is_valid():
        return {}
    schedule = form.cleaned_data["schedule"]
    return {
        "preview": circle_services.preview(schedule, viewer_zone=request.user.time_zone),
        "preview_zone": form.cleaned_data["time_zone"],
    }


@login_required
@require_safe
def circle_preview(request: HttpRequest) -> HttpResponse:
    """The next 8 dates of the schedule being typed, in its zone and the viewer's (htmx
    fragment; without JavaScript the form shows it after a save attempt)."""
    actor = actor_for(request)
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)
    form = CircleForm(request.GET, organization=actor.organization, new=False)
    context = {"preview_error": None, "preview": []}
    if form.is_valid():
        context["preview"] = circle_services.preview(
            form.cleaned_data["schedule"], viewer_zone=request.user.time_zone
        )
        context["preview_zone"] = form.cleaned_data["time_zone"]
    else:
        context["preview_error"] = " ".join(
            str(e) for errors in form.errors.values() for e in errors
        )
    return render(request, "communities/circle_form.html#preview", context)


@login_required
@require_safe
def circle_detail(request: HttpRequest, circle_id: int) -> HttpResponse:
    circle, access = circle_for_person(person_for(request), circle_id)
    context = selectors.circle_page(circle) | {"access": access}
    return render(request, "communities/circle_detail.html", context)


@login_required
@require_safe
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session, access = session_for_person(person_for(request), session_id)
    context = selectors.session_page(session) | {"access": access}
    if access.can_manage:
        context["attendance_form"] = _attendance_form(context["rows"])
    return render(request, "communities/session_detail.html", context)


def _attendance_form(rows, data=None):
    initial = {
        f"member_{row['member'].pk}": row["response"].attendance if row["response"] else ""
        for row in rows
    }
    return attendance_form([row["member"] for row in rows], data=data, initial=initial)


@login_required
@require_POST
def session_rsvp(request: HttpRequest, session_id: int) -> HttpResponse:
    """One tap: going / not going. Refusals answer with the page and a clear message."""
    session, access = session_for_person(person_for(request), session_id)
    form = RsvpForm(request.POST)
    refusal, status = None, 200
    if not access.is_member:
        refusal, status = _("Only the circle's members answer. Ask its host to add you."), 403
    elif session.is_cancelled:
        refusal, status = _("This session is cancelled."), 400
    elif not form.is_valid():
        refusal, status = _("Please choose going or not going."), 400
    else:
        circle_services.rsvp_set(session=session, user=request.user, rsvp=form.cleaned_data["rsvp"])
        if not request.htmx:
            messages.success(request, _("Thanks, your answer is saved."))
            return redirect("session_detail", session_id=session.pk)
    context = selectors.session_page(session) | {"access": access, "refusal": refusal}
    if request.htmx:
        return render(request, "communities/session_detail.html#rsvp", context, status=status)
    if access.can_manage:
        context["attendance_form"] = _attendance_form(context["rows"])
    return render(request, "communities/session_detail.html", context, status=status)


@login_required
@require_POST
def session_attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    session, access = session_for_person(person_for(request), session_id, manage=True)
    page = selectors.session_page(session)
    form = _attendance_form(page["rows"], data=request.POST)
    if not form.is_valid():
        context = page | {"access": access, "attendance_form": form}
        return render(request, "communities/session_detail.html", context, status=400)
    attendance = {
        int(name.removeprefix("member_")): value
        for name, value in form.cleaned_data.items()
        if value
    }
    circle_services.attendance_record(session=session, by=request.user, attendance=attendance)
    messages.success(request, _("Attendance saved."))
    return redirect("session_detail", session_id=session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def session_move(request: HttpRequest, session_id: int) -> HttpResponse:
    session, _access = session_for_person(person_for(request), session_id, manage=True)
    zone = zoneinfo.ZoneInfo(session.circle.time_zone)
    local = session.starts_at.astimezone(zone)
    form = SessionMoveForm(
        request.POST or None, initial={"starts_on": local.date(), "start_time": local.time()}
    )
    if request.method == "POST" and form.is_valid():
        starts_at = datetime.combine(
            form.cleaned_data["starts_on"], form.cleaned_data["start_time"], tzinfo=zone
        )
        if starts_at < timezone.now():
            form.add_error("starts_on", _("A session can't be moved into the past."))
        else:
            circle_services.session_move(session=session, by=request.user, starts_at=starts_at)
            messages.success(request, _("Session moved. Its members are told once."))
            return redirect("session_detail", session_id=session.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "session": session, "circle": session.circle}
    return render(request, "communities/session_move.html", context, status=status)


@login_required
@require_POST
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    session, _access = session_for_person(person_for(request), session_id, manage=True)
    circle_services.session_cancel(session=session, by=request.user)
    messages.success(request, _("Session cancelled. Its members are told once."))
    return redirect("session_detail", session_id=session.pk)


@login_required
@require_safe
def upcoming_sessions(request: HttpRequest) -> HttpResponse:
    """My upcoming sessions as a list, or a month (?view=month&month=2026-12)."""
    actor = actor_for(request)
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    if request.GET.get("view") == "month":
        try:
            month = datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
        except ValueError:
            month = today.replace(day=1)
        start = datetime.combine(month, datetime.min.time(), tzinfo=zone)
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        end = datetime.combine(following, datetime.min.time(), tzinfo=zone)
        sessions = selectors.sessions_for_member(
            request.user, actor.organization, start=start, end=end
        )
        context = {
            "view": "month",
            "month": month,
            "weeks": selectors.month_weeks(sessions, month, zone),
            "previous": (month - timedelta(days=1)).replace(day=1),
            "next": following,
        }
    else:
        now = timezone.now()
        sessions = selectors.sessions_for_member(
            request.user,
            actor.organization,
            start=now - timedelta(hours=2),
            end=now + timedelta(weeks=12),
        )
        context = {
            "view": "list",
            "sessions": sessions,
            "month": today.replace(day=1),
            "history": selectors.attendance_history(request.user, actor.organization),
        }
    return render(request, "communities/upcoming_sessions.html", context)
