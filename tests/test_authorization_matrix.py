"""Every URL pattern × every role × own/other organisation → the expected status.

A URL pattern the project serves that is missing here fails `test_it_covers_every_url`.
Objects are addressed three ways: the facilitator's own team ("team"), another family's
team in the same organisation ("other_team") and a team of the other organisation
("outsider_team"). Out-of-scope objects must answer 404, exactly like missing ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from communities.models import Invitation, Role
from tests.conftest import ROLES, World


def every(status: int, **overrides: int) -> dict[str, int]:
    row = dict.fromkeys(ROLES, status)
    row.update(overrides)
    return row


def signed_in(status: int, **overrides: int) -> dict[str, int]:
    """Anonymous people are sent to log in; signed-in people get `status`."""
    return every(status, anonymous=302, **overrides)


def team_kwargs(target: str) -> Callable[[World], dict]:
    return lambda w: {"team_id": getattr(w, target).pk}


def invitation_kwargs(w: World) -> dict:
    invitation = Invitation.objects.create(
        organization=w.org,
        email="new.family@rb.test",
        role=Role.FAMILY,
        team=w.team,
        invited_by=w.facilitator,
        key="valid-key-for-the-matrix",
        expires_at=timezone.now() + timedelta(days=7),
    )
    return {"key": invitation.key}


def team_rows(team: dict, other_team: dict, outsider_team: dict) -> list:
    return [
        (team_kwargs("team"), team),
        (team_kwargs("other_team"), other_team),
        (team_kwargs("outsider_team"), outsider_team),
    ]


def _routes(patterns, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            found.append((prefix + str(pattern.pattern), pattern))
    return found


NO_KWARGS = lambda w: {}  # noqa: E731


def goal_rows(goal: dict, other_goal: dict, outsider_goal: dict) -> list:
    return [
        (lambda w: {"goal_id": w.goal.pk}, goal),
        (lambda w: {"goal_id": w.other_goal.pk}, other_goal),
        (lambda w: {"goal_id": w.outsider_goal.pk}, outsider_goal),
    ]


def checkin_kwargs(w: World) -> dict:
    from engagement.models import MeetingCheckIn
    from engagement.services import checkin_token
    from tests.factories import make_meeting

    meeting = make_meeting(w.team, by=w.facilitator)
    checkin = MeetingCheckIn.objects.create(meeting=meeting, family_member=w.family)
    return {"token": checkin_token(checkin)}


# Reading a family's goals: the team's family and facilitator, supervisors and admins.
GOAL_READ = goal_rows(
    signed_in(200, outsider=404),
    signed_in(404, supervisor=200, admin=200),
    signed_in(404, outsider=200),
)
# Writing: only the team's family and facilitators (supervisors/admins read, 403).
TEAM_WRITE = team_rows(
    signed_in(403, family=200, facilitator=200, outsider=404),
    signed_in(404, supervisor=403, admin=403),
    signed_in(404, outsider=200),
)
GOAL_WRITE = goal_rows(
    signed_in(403, family=200, facilitator=200, outsider=404),
    signed_in(404, supervisor=403, admin=403),
    signed_in(404, outsider=200),
)
POST_ONLY = [(lambda w: {"goal_id": w.goal.pk, "step_id": 1, "revision_id": 1}, signed_in(405))]

# route → list of (kwargs factory, {role: status}); GET requests.
MATRIX: dict[str, list] = {
    "": [(NO_KWARGS, signed_in(200, family=302))],
    "teams/": [(NO_KWARGS, signed_in(200, family=403))],
    "teams/<int:team_id>/": team_rows(
        signed_in(200, family=302, outsider=404),
        signed_in(404, supervisor=200, admin=200),
        signed_in(404, outsider=200),
    ),
    "teams/<int:team_id>/invite/": team_rows(
        signed_in(403, facilitator=200, outsider=404),
        signed_in(404, supervisor=403, admin=403),
        signed_in(404, outsider=200),
    ),
    "teams/<int:team_id>/audit/": team_rows(
        signed_in(403, supervisor=200, admin=200, outsider=404),
        signed_in(404, supervisor=200, admin=200),
        signed_in(404, outsider=403),
    ),
    "setup/": [(NO_KWARGS, signed_in(403, admin=200))],
    "setup/invite/": [(NO_KWARGS, signed_in(405))],
    "invitations/<str:key>/": [
        (invitation_kwargs, every(200)),
        (lambda w: {"key": "no-such-invitation"}, every(404)),
    ],
    "preferences/": [(NO_KWARGS, signed_in(200))],
    "language/": [(NO_KWARGS, every(405))],
    "family/": [(NO_KWARGS, signed_in(403, family=200))],
    "dashboard/": [(NO_KWARGS, signed_in(403, supervisor=200, admin=200))],
    "teams/<int:team_id>/meetings/new/": team_rows(
        signed_in(403, facilitator=200, outsider=404),
        signed_in(404, supervisor=403, admin=403),
        signed_in(404, outsider=200),
    ),
    "teams/<int:team_id>/goals/new/": TEAM_WRITE,
    "goals/<int:goal_id>/": GOAL_READ,
    "goals/<int:goal_id>/edit/": GOAL_WRITE,
    "goals/<int:goal_id>/history/": GOAL_READ,
    # POST-only: a GET is refused; their authorization is swept with POSTs in
    # tests/engagement/test_goal_access.py.
    "goals/<int:goal_id>/history/<int:revision_id>/restore/": POST_ONLY,
    "goals/<int:goal_id>/delete/": POST_ONLY,
    "goals/<int:goal_id>/steps/": POST_ONLY,
    "goals/<int:goal_id>/steps/<int:step_id>/done/": POST_ONLY,
    "goals/<int:goal_id>/progress/": POST_ONLY,
    "goals/<int:goal_id>/comments/": POST_ONLY,
    # The signed link is the family member's key: it works signed out, and refuses
    # (410, nothing shown) anyone signed in as somebody else.
    "checkins/<str:token>/": [
        (checkin_kwargs, every(410, anonymous=200, family=200)),
        (lambda w: {"token": "tampered"}, every(410)),
    ],
    "notifications/": [(NO_KWARGS, signed_in(200))],
}


def literal(path: str) -> Callable[[World], dict]:
    return lambda w: {"__path__": path}


# django-allauth's own pages, as its security rules answer them: signed-in people are
# sent on from login pages, pages that need a pending step (a code, MFA) redirect, and
# recovery codes don't exist until an authenticator does. Admins and supervisors have a
# TOTP authenticator here; force_login leaves no recent authentication, so TOTP setup asks
# to reauthenticate first.
MATRIX.update(
    {
        "accounts/login/": [(NO_KWARGS, every(302, anonymous=200))],
        "accounts/logout/": [(NO_KWARGS, signed_in(200))],
        "accounts/inactive/": [(NO_KWARGS, every(200))],
        "accounts/signup/": [(NO_KWARGS, every(302, anonymous=200))],
        "accounts/reauthenticate/": [(NO_KWARGS, signed_in(200))],
        "accounts/email/": [(NO_KWARGS, signed_in(200))],
        "accounts/confirm-email/": [(NO_KWARGS, every(200))],
        "accounts/password/change/": [(NO_KWARGS, signed_in(200))],
        "accounts/password/set/": [(NO_KWARGS, every(302))],
        "accounts/password/reset/": [(NO_KWARGS, every(200))],
        "accounts/login/code/confirm/": [(NO_KWARGS, every(302))],
        "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": [
            (literal("accounts/confirm-email/bogus-key/"), every(200))
        ],
        "accounts/password/reset/key/done/": [(NO_KWARGS, every(200))],
        "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": [
            (literal("accounts/password/reset/key/1-bogus/"), every(200))
        ],
        "accounts/password/reset/done/": [(NO_KWARGS, every(200))],
        "accounts/login/code/": [(NO_KWARGS, every(302, anonymous=200))],
        "accounts/2fa/": [(NO_KWARGS, signed_in(200))],
        "accounts/2fa/authenticate/": [(NO_KWARGS, every(302))],
        "accounts/2fa/reauthenticate/": [(NO_KWARGS, every(302, supervisor=200, admin=200))],
        "accounts/2fa/totp/activate/": [(NO_KWARGS, every(302))],
        "accounts/2fa/totp/deactivate/": [(NO_KWARGS, signed_in(404, supervisor=302, admin=302))],
        "accounts/2fa/recovery-codes/": [(NO_KWARGS, signed_in(404))],
        "accounts/2fa/recovery-codes/generate/": [(NO_KWARGS, every(302))],
        "accounts/2fa/recovery-codes/download/": [(NO_KWARGS, signed_in(404))],
    }
)


def _admin_path(route: str) -> str:
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<app_label>[^)]*\)", "communities", path)
    path = re.sub(r"\(\?P<url>[^)]*\)", "no-such-page/", path)
    return re.sub(r"<[^>]+>", "1", path)


# Django's admin is for platform operators (is_staff), none of the personas: every admin
# URL sends everyone to the admin login, which (secured by allauth) sends anonymous
# people to log in and refuses signed-in people who are not staff.
MATRIX.update(
    {
        route: [(literal(_admin_path(route)), every(302))]
        for route, _ in _routes(get_resolver().url_patterns)
        if route.startswith("django-admin/")
    }
)
MATRIX["django-admin/login/"] = [(literal("django-admin/login/"), signed_in(403))]


def test_it_covers_every_url():
    served = {route for route, _ in _routes(get_resolver().url_patterns)}
    missing = sorted(r for r in served if r not in MATRIX)
    assert not missing, f"URL patterns missing from the authorization matrix: {missing}"
    stale = sorted(r for r in MATRIX if r not in served)
    assert not stale, f"Matrix rows for URLs that no longer exist: {stale}"


CASES = [
    pytest.param(route, index, role, id=f"{route or '/'}#{index}-{role}")
    for route, rows in MATRIX.items()
    for index in range(len(rows))
    for role in ROLES
]


@pytest.mark.parametrize(("route", "index", "role"), CASES)
def test_it_answers_the_expected_status(world, client_for, route, index, role):
    kwargs_for, expected = MATRIX[route][index]
    kwargs = kwargs_for(world)
    path = "/" + kwargs.pop("__path__", route)
    for name, value in kwargs.items():
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<str:{name}>", str(value))
    response = client_for(world.persona(role)).get(path)
    assert response.status_code == expected[role], (
        f"{role} GET {path}: expected {expected[role]}, got {response.status_code}"
    )
