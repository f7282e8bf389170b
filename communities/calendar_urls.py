"""Calendar routes, included at the site root (full paths)."""

from django.urls import path

from communities import calendar_views

urlpatterns = [
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("calendar/new/", calendar_views.calendar_token_new, name="calendar_token_new"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path(
        "circles/sessions/<int:session_id>.ics",
        calendar_views.session_ics,
        name="session_ics",
    ),
]
