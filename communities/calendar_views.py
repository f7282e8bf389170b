"""Calendars: the page with a person's private feed link, making a new link, the feed
itself (no login: the token in its URL is the secret) and one session's `.ics`.

Each view: parse → authorize (the two access helpers below) → communities.ical → answer.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from communities import circles, ical
from communities.access import Person, person_for
from communities.models import CircleSession, Role, User

CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"
# Tokens are 43 characters (circles.calendar_token_new); anything much shorter, and the
# empty string of a person who has none, never matches anybody.
MIN_TOKEN_LENGTH = 20


# --- access (to move to communities.access) -------------------------------------------


def _feed_owner(token: str) -> User:
    """The active person whose feed this token opens; Http404 for an unknown, revoked,
    short or empty token."""
    if len(token) < MIN_TOKEN_LENGTH:
        raise Http404("No such calendar.")
    try:
        return User.objects.get(calendar_token=token, is_active=True)
    except (User.DoesNotExist, User.MultipleObjectsReturned):
        raise Http404("No such calendar.") from None


def _session_for_viewer(person: Person, session_id: int) -> CircleSession:
    """A session whose `.ics` the person may have: by the staff role they hold in the
    circle's organisation, as a member of the circle, its host, the community's host or
    an admin there. Anyone else: Http404, exactly like a missing session."""
    try:
        session = CircleSession.objects.select_related("circle__community").get(pk=session_id)
    except (CircleSession.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session.") from None
    circle = session.circle
    actor = person.actor_in(circle.community.organization_id)
    user_id = person.user.pk
    allowed = actor.is_staff_role and (
        actor.role == Role.ADMIN
        or user_id in (circle.host_id, circle.community.host_id)
        or circle.members.filter(pk=user_id).exists()
    )
    if not allowed:
        raise Http404("No such session.")
    return session


# --- views ------------------------------------------------------------------------------


def _calendar_context(user: User, **extra) -> dict:
    feed_url = ""
    if user.calendar_token:
        path = reverse("calendar_feed", kwargs={"token": user.calendar_token})
        feed_url = f"{settings.SITE_URL}{path}"
    webcal_url = "webcal://" + feed_url.split("://", 1)[1] if feed_url else ""
    return {"feed_url": feed_url, "webcal_url": webcal_url, **extra}


@login_required
@require_safe
def calendar(request: HttpRequest) -> HttpResponse:
    """The person's feed link and how to subscribe. Reading never creates a link."""
    return render(request, "communities/calendar.html", _calendar_context(request.user))


@login_required
@require_POST
def calendar_token_new(request: HttpRequest) -> HttpResponse:
    """A new feed link; the old one (if any) stops working at once."""
    replaced = bool(request.user.calendar_token)
    circles.calendar_token_new(user=request.user)
    if replaced:
        done = _("Your new calendar link is ready. The old one no longer works.")
    else:
        done = _("Your calendar link is ready.")
    if request.htmx:
        context = _calendar_context(request.user, done=done)
        return render(request, "communities/calendar.html#feed", context)
    messages.success(request, done)
    return redirect("calendar")


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed. Clients poll it: the ETag is one aggregate query, so an
    unchanged feed is answered 304 without being built."""
    owner = _feed_owner(token)
    etag = ical.feed_etag(owner)
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(ical.feed_calendar(owner), content_type=CALENDAR_CONTENT_TYPE)
    response["ETag"] = etag
    # Clients may keep a copy but must ask again (If-None-Match) before using it. Set
    # here, so the project's no-store default leaves it alone.
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_safe
def session_ics(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session_for_viewer(person_for(request), session_id)
    response = HttpResponse(ical.session_ics(session), content_type=CALENDAR_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="circle-session-{session.pk}.ics"'
    return response
