"""Project-wide middleware that belongs to no single app."""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """Every page we render may show a family's data, so no browser or shared cache may
    keep a copy (`Cache-Control: private, no-store`): not on a shared computer's disk,
    not for the back button after logging out. A view that set its own Cache-Control
    keeps it. Listed after WhiteNoise, whose static files never reach this and keep
    their long-lived caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class AdminStylesMiddleware:
    """Django's own admin (platform operators only) sets a few inline styles (hidden
    password fields, widget sizes) that our strict `style-src 'self'` blocks. Inline
    styles, never scripts, are allowed there and nowhere else. Listed below
    CSPMiddleware so the policy it builds sees the update."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith("/django-admin/"):
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return response
