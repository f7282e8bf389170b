"""Every HTML page of the project and the roles that visit it.

The browser gate (tests/browser/test_page_gates.py) opens each page as each of these
roles on a phone screen and checks accessibility, width and the console. Addresses and
expected statuses come from the authorization matrix: a role opens a page with the
first row of the matrix that lets it in (its own objects), so this list only says *who*
sees *what*. `test_it_lists_every_page_the_matrix_serves` (in
tests/browser/test_page_gates.py, run without a browser) fails when a route × role
that the matrix answers with 200 is neither here nor in NOT_PAGES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.conftest import ROLES, World
from tests.test_authorization_matrix import MATRIX

# `dual` is a supervisor at Riverbend and a family member at Northside; `operator` runs
# the platform and belongs to no organisation.
EVERYONE = tuple(ROLES)
SIGNED_IN = tuple(role for role in ROLES if role != "anonymous")
STAFF = ("facilitator", "supervisor", "admin", "outsider", "dual")
FACILITATORS = ("facilitator", "outsider")  # the outsider facilitates in their own org
GOAL_WRITERS = ("family", "facilitator", "outsider", "dual")  # dual: their Northside team
GOAL_READERS = ("family", "facilitator", "supervisor", "admin", "outsider", "dual")
# Admins and hosts run circles (the outsider hosts their own organisation's circle).
CIRCLE_RUNNERS = ("supervisor", "admin", "outsider")
LEADS = ("supervisor", "admin", "dual")
PRACTICE_READERS = ("facilitator", "supervisor", "outsider", "dual")
PRACTICE_CODERS = ("supervisor", "outsider")  # the coder: own row's coach, outsider self-coding

# route of the matrix → roles that visit it as an HTML page.
PAGES: dict[str, tuple[str, ...]] = {
    "": (*STAFF, "operator"),
    "family/": ("family",),
    "messages/": ("admin",),
    "communities/": STAFF,
    "communities/new/": ("admin",),
    "communities/<int:community_id>/": STAFF,
    "communities/<int:community_id>/edit/": CIRCLE_RUNNERS,
    "communities/<int:community_id>/circles/new/": CIRCLE_RUNNERS,
    "circles/": STAFF,
    "reflections/": STAFF,
    "reflections/<int:reflection_id>/": ("facilitator", "supervisor", "outsider", "dual"),
    "teams/<int:team_id>/reflections/new/": FACILITATORS,
    "feed/": ("admin", "dual"),  # the others, in a community, are sent on to its feed
    "communities/<int:community_id>/feed/": STAFF,
    "learning/": STAFF,
    "learning/<int:user_id>/": ("facilitator", "supervisor", "outsider", "dual"),
    "prompts/": STAFF,
    "prompts/<int:delivery_id>/": FACILITATORS,
    "prompts/library/": ("admin",),
    "prompts/library/<int:prompt_id>/": ("admin",),
    "prompts/schedules/": ("admin",),
    "prompts/schedules/<int:schedule_id>/": ("admin",),
    "circles/sessions/<int:session_id>/reflect/": (
        "facilitator",
        "supervisor",
        "admin",
        "outsider",
    ),
    # Observed practice: coaches (supervisors) and facilitators, each on their own; the
    # coder alone opens the tally, the coding and the finishing form.
    "practice/": ("supervisor", "dual"),
    "practice/people/<int:user_id>/": PRACTICE_READERS,
    "practice/observations/new/": PRACTICE_READERS,
    "practice/observations/<int:observation_id>/": PRACTICE_READERS,
    "practice/observations/<int:observation_id>/finish/": PRACTICE_CODERS,
    "practice/observations/<int:observation_id>/tally/": PRACTICE_CODERS,
    "practice/observations/<int:observation_id>/transcript/": PRACTICE_READERS,
    "practice/observations/<int:observation_id>/coding/": PRACTICE_CODERS,
    "calendar/": SIGNED_IN,
    "circles/<int:circle_id>/": STAFF,
    "circles/<int:circle_id>/edit/": CIRCLE_RUNNERS,
    "circles/sessions/<int:session_id>/": STAFF,
    "circles/sessions/<int:session_id>/move/": CIRCLE_RUNNERS,
    "unsubscribe/<str:token>/": EVERYONE,
    "teams/": STAFF,
    "teams/<int:team_id>/": STAFF,
    "teams/<int:team_id>/invite/": FACILITATORS,
    "teams/<int:team_id>/audit/": LEADS,
    "teams/<int:team_id>/meetings/new/": FACILITATORS,
    "teams/<int:team_id>/goals/new/": GOAL_WRITERS,
    "goals/<int:goal_id>/": GOAL_READERS,
    "goals/<int:goal_id>/edit/": GOAL_WRITERS,
    "goals/<int:goal_id>/history/": GOAL_READERS,
    "setup/": ("admin",),
    "setup/members/<int:membership_id>/": ("admin",),
    "drift/": LEADS,
    "drift/<int:signal_id>/": STAFF,
    "drift/teams/<int:team_id>/": STAFF,
    "drift/people/<int:user_id>/": STAFF,
    "drift/rules/": ("admin",),
    "drift/scans/<int:scan_id>/": ("admin",),
    "dashboard/": STAFF,
    "dashboard/teams/<int:team_id>/": STAFF,
    "invitations/<str:key>/": EVERYONE,
    "checkins/<str:token>/": ("anonymous", "family"),
    "notifications/": SIGNED_IN,
    "preferences/": SIGNED_IN,
    # django-allauth's pages, in our layout.
    "accounts/login/": ("anonymous",),
    "accounts/login/code/": ("anonymous",),
    "accounts/signup/": ("anonymous",),
    "accounts/logout/": SIGNED_IN,
    "accounts/inactive/": EVERYONE,
    "accounts/reauthenticate/": SIGNED_IN,
    "accounts/email/": SIGNED_IN,
    "accounts/confirm-email/": EVERYONE,
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": EVERYONE,
    "accounts/password/change/": SIGNED_IN,
    "accounts/password/reset/": EVERYONE,
    "accounts/password/reset/done/": EVERYONE,
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": EVERYONE,
    "accounts/password/reset/key/done/": EVERYONE,
    "accounts/2fa/": SIGNED_IN,
    "accounts/2fa/reauthenticate/": (*LEADS, "operator"),
}

# Route × role answering 200 that is not an HTML page to check, with the reason.
NOT_PAGES: dict[tuple[str, str], str] = {
    # A file download or a feed (iCalendar, CSV) goes here, with the reason.
    **{
        ("circles/preview/", role): "an htmx fragment inside the scheduling form, which is gated"
        for role in ("facilitator", "supervisor", "admin", "outsider", "dual")
    },
    **{("calendar/<str:token>.ics", role): "an iCalendar feed, not a page" for role in ROLES},
    **{
        ("circles/sessions/<int:session_id>.ics", role): "an iCalendar file, not a page"
        for role in ("facilitator", "supervisor", "admin", "outsider")
    },
}
# Routes, by prefix, that are not our pages, with the reason.
NOT_OUR_PAGES: dict[str, str] = {
    "django-admin/": "Django's own admin (its templates, scripts and jsi18n), for platform "
    "operators at a desk; the product's pages are ours",
}


def excluded(route: str, role: str) -> bool:
    return (route, role) in NOT_PAGES or route.startswith(tuple(NOT_OUR_PAGES))


# Error pages people meet, as (route, matrix row, role): the status is the matrix's.
ERROR_PAGES: list[tuple[str, int, str]] = [
    ("unsubscribe/<str:token>/", 1, "anonymous"),  # 400 for a tampered link
    ("teams/", 0, "family"),  # 403
    ("invitations/<str:key>/", 1, "anonymous"),  # 404
    ("teams/<int:team_id>/", 2, "facilitator"),  # 404 for another organisation's team
    ("checkins/<str:token>/", 1, "family"),  # 410
]


@dataclass(frozen=True)
class Visit:
    route: str
    row: int
    role: str

    @property
    def expected_status(self) -> int:
        return MATRIX[self.route][self.row][1][self.role]

    def path(self, world: World) -> str:
        """The address, built by the matrix's kwargs factory (which may create objects)."""
        kwargs_for: Callable[[World], dict] = MATRIX[self.route][self.row][0]
        kwargs = kwargs_for(world)
        path = "/" + kwargs.pop("__path__", self.route)
        for name, value in kwargs.items():
            path = path.replace(f"<int:{name}>", str(value)).replace(f"<str:{name}>", str(value))
        return path

    def __str__(self) -> str:
        return f"{self.role} /{self.route} (row {self.row})"


def _first_row_letting_in(route: str, role: str) -> int:
    for index, (_, expected) in enumerate(MATRIX[route]):
        if expected[role] == 200:
            return index
    raise LookupError(f"{role} never gets a 200 from /{route} in the authorization matrix")


def visits_for(role: str) -> list[Visit]:
    """The pages `role` visits, then the error pages it meets."""
    pages = [
        Visit(route, _first_row_letting_in(route, role), role)
        for route, roles in PAGES.items()
        if role in roles
    ]
    errors = [Visit(route, row, r) for route, row, r in ERROR_PAGES if r == role]
    return pages + errors


def served_pages() -> set[tuple[str, str]]:
    """(route, role) for every GET the authorization matrix answers with 200."""
    return {
        (route, role)
        for route, rows in MATRIX.items()
        for _, expected in rows
        for role in ROLES
        if expected[role] == 200
    }


def listed_pages() -> set[tuple[str, str]]:
    return {(route, role) for route, roles in PAGES.items() for role in roles}
