"""Per-request concerns of signed-in people: their time zone and the MFA requirement."""

import zoneinfo

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communities.access import person_for
from communities.models import MFA_REQUIRED_ROLES


class UserPreferencesMiddleware:
    """Honour a signed-in person's time zone, and their saved language when this browser
    has not chosen one (so the choice follows them from phone to laptop)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            timezone.deactivate()
            return self.get_response(request)
        try:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


# Paths a user who still has to set up MFA may visit: the MFA pages, logging out,
# switching language and static files.
_MFA_EXEMPT_URL_NAMES = (
    "mfa_index",
    "account_logout",
    "account_reauthenticate",
    "set_language",
)


def mfa_required(request: HttpRequest) -> bool:
    """True if this signed-in user must set up an authenticator before going on: anyone
    who is an admin or supervisor in any of their organisations, and platform operators
    (Django admin users), whatever organisation they are working in now."""
    user = request.user
    sees_many_families = any(m.role in MFA_REQUIRED_ROLES for m in person_for(request).memberships)
    if not (sees_many_families or user.is_staff or user.is_superuser):
        return False
    if settings.MIIWRAP_DEMO_MFA_WAIVER and user.mfa_waived_for_demo:
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireMfaMiddleware:
    """allauth offers MFA to everybody; admins and supervisors must have it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        exempt = [reverse(name) for name in _MFA_EXEMPT_URL_NAMES]
        path = request.path_info
        if path.startswith(settings.STATIC_URL) or any(path.startswith(p) for p in exempt):
            return self.get_response(request)
        if mfa_required(request):
            messages.warning(
                request,
                _(
                    "Your role sees many families' information, so it needs two-factor "
                    "authentication. Please set up an authenticator app to continue."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
