"""Friendly error pages. They render without a database query so they work when
something underneath is broken."""

import logging

from django.http import HttpRequest, HttpResponse
from django.template import loader

log = logging.getLogger(__name__)


def _render(request: HttpRequest, template: str, status: int) -> HttpResponse:
    try:
        body = loader.render_to_string(template, {"status": status}, request)
    except Exception:  # the error page itself must never fail
        body = loader.render_to_string("errors/plain.html", {"status": status})
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _render(request, "500.html", 500)


def too_many_requests(request: HttpRequest, exception=None) -> HttpResponse:
    """allauth's rate limits answer here; a refused login post is an audit entry."""
    if request.method == "POST":
        from communities.account_audit import lockout_record

        email = request.POST.get("login") or request.POST.get("email") or ""
        try:
            lockout_record(email=email[:254], reason="rate_limited")
        except Exception:  # the audit must never turn a 429 into a 500
            log.exception("could not record a rate-limited request")
    return _render(request, "429.html", 429)
