"""Pages about people and organisations: setup, invitations, preferences, the audit
trail, switching organisation.

Each view: parse → authorize (access) → service/selector → render.
"""

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

from communities import outbox, selectors, services
from communities.access import (
    CURRENT_ORGANIZATION_SESSION_KEY,
    actor_for,
    invitation_for_manager,
    membership_for_admin,
    message_for_admin,
    organization_for_admin,
    organization_for_switch,
    person_for,
    team_for_auditor,
    team_for_facilitator,
)
from communities.audit import family_data_viewed
from communities.forms import (
    NO_EMAIL,
    FamilyInvitationForm,
    InvitationAcceptForm,
    MembershipForm,
    OrganizationSwitchForm,
    PreferencesForm,
    StaffInvitationForm,
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
