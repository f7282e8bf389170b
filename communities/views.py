"""Pages about people and teams.

Each view: parse → authorize (access) → service/selector → render.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from communities import selectors, services
from communities.access import (
    actor_for,
    organization_for_admin,
    require_role,
    team_for_facilitator,
    team_for_user,
)
from communities.audit import audit_entry_create
from communities.forms import (
    FamilyInvitationForm,
    InvitationAcceptForm,
    PreferencesForm,
    StaffInvitationForm,
)
from communities.models import Invitation, Role
from engagement import selectors as engagement_selectors
from engagement import services as engagement_services
from engagement.forms import TeamMeetingForm


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    actor = actor_for(request)
    if actor.role == Role.FAMILY:
        return redirect("family_home")
    if actor.role == Role.FACILITATOR:
        return render(
            request,
            "communities/home_facilitator.html",
            {"teams": selectors.teams_for_actor(actor)},
        )
    if actor.role == Role.SUPERVISOR:
        return render(
            request,
            "communities/home_supervisor.html",
            {"programs": selectors.supervisor_programs(actor)},
        )
    if actor.role == Role.ADMIN:
        return render(
            request,
            "communities/home_admin.html",
            selectors.organization_setup(actor.organization),
        )
    return render(request, "communities/home_no_membership.html")


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    require_role(actor, Role.ADMIN, Role.SUPERVISOR, Role.FACILITATOR)
    return render(
        request, "communities/team_list.html", {"teams": selectors.teams_for_actor(actor)}
    )


@login_required
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = actor_for(request)
    if actor.role == Role.FAMILY:
        team_for_user(request.user, team_id)
        return redirect("family_home")
    team = team_for_user(request.user, team_id)
    context = engagement_selectors.team_page(actor=actor, team=team)
    return render(request, "communities/team_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def family_invite(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_for_facilitator(request.user, team_id)
    form = FamilyInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.invitation_create(
            organization=team.program.organization,
            by=request.user,
            role=Role.FAMILY,
            team=team,
            **form.cleaned_data,
        )
        messages.success(
            request,
            _("Invitation sent to %(email)s. The link works for 7 days.")
            % {"email": form.cleaned_data["email"]},
        )
        return redirect("team_detail", team_id=team.pk)
    return render(request, "communities/family_invite.html", {"team": team, "form": form})


@login_required
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
        services.invitation_create(organization=organization, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("Invitation sent to %(email)s. The link works for 7 days.")
            % {"email": form.cleaned_data["email"]},
        )
        return redirect("setup")
    context = selectors.organization_setup(organization)
    context["form"] = form
    return render(request, "communities/setup.html", context, status=400)


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
    form = PreferencesForm(
        request.POST or None,
        initial={
            "name": user.name,
            "language": user.language,
            "time_zone": user.time_zone,
            "email_digest": user.email_digest,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.user_preferences_update(user=user, **form.cleaned_data)
        messages.success(request, _("Your preferences are saved."))
        response = redirect("preferences")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            form.cleaned_data["language"],
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            samesite="Lax",
        )
        return response
    return render(request, "communities/preferences.html", {"form": form})


@login_required
def team_audit(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_for_user(request.user, team_id)
    require_role(actor_for(request), Role.ADMIN, Role.SUPERVISOR)
    audit_entry_create(actor=request.user, action="view", subject="team audit trail", team=team)
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
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest, team_id: int) -> HttpResponse:
    """Record a family-team meeting in a few taps; the family gets check-in links."""
    team = team_for_facilitator(request.user, team_id)
    form = TeamMeetingForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        engagement_services.team_meeting_record(
            team=team,
            by=request.user,
            held_on=form.cleaned_data["held_on"],
            duration_minutes=form.cleaned_data["duration_minutes"],
            family_present=form.cleaned_data["family_present"],
            agenda_set_by=form.cleaned_data["agenda_set_by"],
            attendees=list(form.cleaned_data["attendees"]),
        )
        messages.success(request, _("Meeting recorded. The family will get a quick check-in."))
        return redirect("team_detail", team_id=team.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "communities/meeting_new.html", {"team": team, "form": form}, status=status
    )
