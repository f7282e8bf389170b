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

from communities.models import Invitation, Membership, Role
from communities.outbox import CADENCE_CHOICES, CHOOSABLE_KINDS
from reflections.models import PracticeObservation
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


def unsubscribe_kwargs(w: World) -> dict:
    from communities.outbox import unsubscribe_token

    return {"token": unsubscribe_token(w.family, "comment")}


def failed_message(target: str) -> Callable[[World], dict]:
    """A failed email of the target team's organisation."""

    def kwargs(w: World) -> dict:
        from communities.models import Message

        team = getattr(w, target)
        message = Message.objects.create(
            key=f"email:comment:matrix-{team.pk}:{w.family.pk}:",
            channel="email", kind="comment", recipient=w.family, to_email=w.family.email,
            organization=team.program.organization, team=team, state="failed", attempts=6,
            last_error="SMTP refused",
        )  # fmt: skip
        return {"message_id": message.pk}

    return kwargs


def _circles(w: World) -> dict:
    """A community, circle and upcoming session in each organisation (made once)."""
    if getattr(w, "_circles", None) is None:
        from datetime import time

        from communities import circles
        from communities.models import LearningCommunity

        made = {}
        for key, org, host, members in (
            ("own", w.org, w.supervisor, [w.facilitator, w.supervisor]),
            ("outsider", w.outsider_org, w.outsider, [w.outsider]),
        ):
            community = LearningCommunity.objects.create(organization=org, name=f"LC {key}",
                                                         host=host)  # fmt: skip
            community.members.set(members)
            circle = circles.circle_schedule(
                community=community, by=host, members=members,
                data={"title": f"Circle {key}", "focus": "reflections",
                      "starts_on": timezone.localdate() + timedelta(days=1),
                      "start_time": time(10), "time_zone": "America/Chicago",
                      "duration_minutes": 60, "rrule": "FREQ=WEEKLY;COUNT=4", "host": host},
            )  # fmt: skip
            made[key] = (community, circle, circle.sessions.order_by("starts_at").first())
        w._circles = made
    return w._circles


def calendar_token_kwargs(case: str) -> Callable[[World], dict]:
    """The facilitator's feed token: live, revoked (a newer one replaced it) or unknown."""

    def kwargs(w: World) -> dict:
        from communities.circles import calendar_token_new

        _circles(w)
        if case == "unknown":
            return {"token": "x" * 43}
        token = calendar_token_new(user=w.facilitator)
        if case == "revoked":
            calendar_token_new(user=w.facilitator)
        return {"token": token}

    return kwargs


def reflection_kwargs(key: str) -> Callable[[World], dict]:
    """A private reflection by the team's facilitator (own team, or the outsider's)."""

    def kwargs(w: World) -> dict:
        from reflections.services import reflection_create

        author, team = (w.facilitator, w.team) if key == "own" else (w.outsider, w.outsider_team)
        reflection = reflection_create(author=author, team=team, meeting=None,
                                       data={"worked": "Matrix words"})  # fmt: skip
        return {"reflection_id": reflection.pk}

    return kwargs


def community_kwargs(key: str) -> Callable[[World], dict]:
    return lambda w: {"community_id": _circles(w)[key][0].pk}


def with_communities(w: World) -> dict:
    """No address of its own: the communities exist (the facilitator, the supervisor and
    the outsider are members of one; the admin and the dual person of none)."""
    _circles(w)
    return {}


def learner_kwargs(target: str) -> Callable[[World], dict]:
    return lambda w: {"user_id": getattr(w, target).pk}


STAFF_PERSONAS = ("facilitator", "supervisor", "admin", "outsider", "dual")


def delivery_kwargs(key: str) -> Callable[[World], dict]:
    """A reflection prompt sent to the facilitator (own) or to the outsider."""

    def kwargs(w: World) -> dict:
        from reflections.models import Prompt, PromptDelivery, PromptWording
        from reflections.prompts import prompt_library_load

        prompt_library_load()
        wording = PromptWording.objects.filter(prompt__in=Prompt.objects.all()).first()
        recipient, org = (w.facilitator, w.org) if key == "own" else (w.outsider, w.outsider_org)
        delivery = PromptDelivery.objects.create(
            organization=org, recipient=recipient, wording=wording, occurrence=f"matrix:{key}",
            due_at=timezone.now(), sent_at=timezone.now(),
        )  # fmt: skip
        return {"delivery_id": delivery.pk}

    return kwargs


def prompt_kwargs(key: str) -> Callable[[World], dict]:
    """An organisation's own prompt (own or the outsider's), or a library prompt."""

    def kwargs(w: World) -> dict:
        from reflections.models import Prompt
        from reflections.prompts import prompt_add, prompt_library_load

        if key == "library":
            prompt_library_load()
            return {"prompt_id": Prompt.objects.filter(organization__isnull=True).first().pk}
        org, by = (w.org, w.admin) if key == "own" else (w.outsider_org, w.outsider)
        prompt = prompt_add(organization=org, by=by, tag="family_voice", text_en="Q?",
                            text_es="¿P?")  # fmt: skip
        return {"prompt_id": prompt.pk}

    return kwargs


def schedule_kwargs(key: str) -> Callable[[World], dict]:
    def kwargs(w: World) -> dict:
        from reflections.models import PromptSchedule

        org = w.org if key == "own" else w.outsider_org
        return {"schedule_id": PromptSchedule.objects.create(organization=org, trigger="weekly").pk}

    return kwargs


# Prompts: only their recipient opens them; admins keep the library and schedules.
PROMPT_ANSWER = [
    (delivery_kwargs("own"), signed_in(404, facilitator=200)),
    (delivery_kwargs("outsider"), signed_in(404, outsider=200)),
]
PROMPT_ADMIN = [
    (prompt_kwargs("own"), signed_in(403, admin=200)),
    (prompt_kwargs("outsider"), signed_in(403, admin=404)),
    (prompt_kwargs("library"), signed_in(403, admin=404)),
]
SCHEDULE_ADMIN = [
    (schedule_kwargs("own"), signed_in(403, admin=200)),
    (schedule_kwargs("outsider"), signed_in(403, admin=404)),
]


def _learning_org(w: World, role: str):
    return w.outsider_org if role == "outsider" else w.org


def first_reflections(w: World) -> dict:
    """Every staff persona reached "first reflection" where they work now."""
    from reflections.models import Reflection

    for role in STAFF_PERSONAS:
        Reflection.objects.create(author=w.persona(role), organization=_learning_org(w, role),
                                  worked="Matrix learning")  # fmt: skip
    return {}


def shared_milestones(w: World) -> dict:
    from reflections.models import MilestoneShare

    first_reflections(w)
    for role in STAFF_PERSONAS:
        MilestoneShare.objects.create(user=w.persona(role), organization=_learning_org(w, role),
                                      milestone="first_reflection",
                                      reached_on=timezone.localdate())  # fmt: skip
    return {}


def circle_kwargs(key: str) -> Callable[[World], dict]:
    return lambda w: {"circle_id": _circles(w)[key][1].pk}


def session_kwargs(key: str) -> Callable[[World], dict]:
    return lambda w: {"session_id": _circles(w)[key][2].pk}


# Circles: staff of the organisation see them; admins and hosts run them. The dual person
# is a supervisor (not a host) at Riverbend and family at Northside.
CIRCLE_SEE = (
    signed_in(200, family=404, outsider=404, operator=404),
    signed_in(404, outsider=200),
)
CIRCLE_RUN = (
    signed_in(403, supervisor=200, admin=200, family=404, outsider=404, operator=404),
    signed_in(404, outsider=200),
)


def membership_kwargs(target: str) -> Callable[[World], dict]:
    """A staff membership: the facilitator's (own organisation) or the outsider's."""
    return lambda w: {
        "membership_id": Membership.objects.get(
            user=getattr(w, target), role__in=["facilitator"]
        ).pk
    }


# Personas beyond the four roles: `dual` is a supervisor of `program` at Riverbend and a
# family member of the Northside team; `operator` runs the platform (Django admin) and
# belongs to no organisation.
# Reading a family's goals: the team's family and facilitator, supervisors and admins.
GOAL_READ = goal_rows(
    signed_in(200, outsider=404, operator=404),
    signed_in(404, supervisor=200, admin=200),
    signed_in(404, outsider=200, dual=200),
)
# Writing: only the team's family and facilitators (supervisors/admins read, 403).
TEAM_WRITE = team_rows(
    signed_in(403, family=200, facilitator=200, outsider=404, operator=404),
    signed_in(404, supervisor=403, admin=403),
    signed_in(404, outsider=200, dual=200),
)
GOAL_WRITE = goal_rows(
    signed_in(403, family=200, facilitator=200, outsider=404, operator=404),
    signed_in(404, supervisor=403, admin=403),
    signed_in(404, outsider=200, dual=200),
)
# Facilitator-only pages (inviting family, recording meetings). The dual person is
# family at Northside: they see that team but may not act as its facilitator.
FACILITATE = team_rows(
    signed_in(403, facilitator=200, outsider=404, operator=404),
    signed_in(404, supervisor=403, admin=403),
    signed_in(404, outsider=200, dual=403),
)
POST_ONLY = [(lambda w: {"goal_id": w.goal.pk, "step_id": 1, "revision_id": 1}, signed_in(405))]

# route → list of (kwargs factory, {role: status}); GET requests.
MATRIX: dict[str, list] = {
    "": [(NO_KWARGS, signed_in(200, family=302))],
    "teams/": [(NO_KWARGS, signed_in(200, family=403, operator=403))],
    "teams/<int:team_id>/": team_rows(
        signed_in(200, family=302, outsider=404, operator=404),
        signed_in(404, supervisor=200, admin=200),
        signed_in(404, outsider=200, dual=302),
    ),
    "teams/<int:team_id>/invite/": FACILITATE,
    # The audit trail: admins and the program's supervisors. At Northside the dual
    # person is a family member, so they can't read that team's trail.
    "teams/<int:team_id>/audit/": team_rows(
        signed_in(403, supervisor=200, admin=200, outsider=404, dual=200, operator=404),
        signed_in(404, supervisor=200, admin=200),
        signed_in(404, outsider=403, dual=403),
    ),
    "setup/": [(NO_KWARGS, signed_in(403, admin=200))],
    "setup/invite/": [(NO_KWARGS, signed_in(405))],
    "setup/members/<int:membership_id>/": [
        (membership_kwargs("facilitator"), signed_in(403, admin=200)),
        (membership_kwargs("outsider"), signed_in(403, admin=404)),
    ],
    "invitations/<int:invitation_id>/resend/": [(lambda w: {"invitation_id": 1}, signed_in(405))],
    "invitations/<int:invitation_id>/revoke/": [(lambda w: {"invitation_id": 1}, signed_in(405))],
    "invitations/<str:key>/": [
        (invitation_kwargs, every(200)),
        (lambda w: {"key": "no-such-invitation"}, every(404)),
    ],
    "preferences/": [(NO_KWARGS, signed_in(200))],
    "language/": [(NO_KWARGS, every(405))],
    "organisation/": [(NO_KWARGS, signed_in(405))],
    # The dual person works at Riverbend (as supervisor) until they switch organisation.
    "family/": [(NO_KWARGS, signed_in(403, family=200))],
    # The dashboard, each in their own organisation: supervisors their programs, admins
    # all, facilitators their teams (the outsider at Northside); the CSV asks staff to
    # sign in again first (302); a team drilled into for the staff who may see it.
    "dashboard/": [(NO_KWARGS, signed_in(200, family=403, operator=403))],
    "dashboard/export.csv": [
        (NO_KWARGS, signed_in(302, family=403, operator=403)),
    ],
    "dashboard/teams/<int:team_id>/": team_rows(
        signed_in(200, family=403, outsider=404, operator=404),
        signed_in(404, supervisor=200, admin=200),
        signed_in(404, outsider=200, dual=403),
    ),
    "teams/<int:team_id>/meetings/new/": FACILITATE,
    "teams/<int:team_id>/goals/new/": TEAM_WRITE,
    "goals/<int:goal_id>/": GOAL_READ,
    "goals/<int:goal_id>/edit/": GOAL_WRITE,
    "goals/<int:goal_id>/history/": GOAL_READ,
    # POST-only: a GET is refused; their authorization is in POST_MATRIX below.
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
    # The signed link is the authority (it works signed out); a bad one changes nothing.
    "unsubscribe/<str:token>/": [
        (unsubscribe_kwargs, every(200)),
        (lambda w: {"token": "tampered"}, every(400)),
    ],
    "messages/": [(NO_KWARGS, signed_in(403, admin=200))],
    "messages/<int:message_id>/retry/": [(lambda w: {"message_id": 1}, signed_in(405))],
    "communities/": [(NO_KWARGS, signed_in(200, family=403, operator=403))],
    "communities/new/": [(NO_KWARGS, signed_in(403, admin=200))],
    "communities/<int:community_id>/": [
        (community_kwargs("own"), CIRCLE_SEE[0]),
        (community_kwargs("outsider"), CIRCLE_SEE[1]),
    ],
    "communities/<int:community_id>/edit/": [
        (community_kwargs("own"), CIRCLE_RUN[0]),
        (community_kwargs("outsider"), CIRCLE_RUN[1]),
    ],
    "communities/<int:community_id>/circles/new/": [
        (community_kwargs("own"), CIRCLE_RUN[0]),
        (community_kwargs("outsider"), CIRCLE_RUN[1]),
    ],
    "circles/": [(NO_KWARGS, signed_in(200, family=403, operator=403))],
    "circles/preview/": [(NO_KWARGS, signed_in(200, family=403, operator=403))],
    "circles/<int:circle_id>/": [
        (circle_kwargs("own"), CIRCLE_SEE[0]),
        (circle_kwargs("outsider"), CIRCLE_SEE[1]),
    ],
    "circles/<int:circle_id>/edit/": [
        (circle_kwargs("own"), CIRCLE_RUN[0]),
        (circle_kwargs("outsider"), CIRCLE_RUN[1]),
    ],
    "circles/sessions/<int:session_id>/": [
        (session_kwargs("own"), CIRCLE_SEE[0]),
        (session_kwargs("outsider"), CIRCLE_SEE[1]),
    ],
    "circles/sessions/<int:session_id>/move/": [
        (session_kwargs("own"), CIRCLE_RUN[0]),
        (session_kwargs("outsider"), CIRCLE_RUN[1]),
    ],
    "circles/sessions/<int:session_id>/rsvp/": [(session_kwargs("own"), signed_in(405))],
    "circles/sessions/<int:session_id>/attendance/": [(session_kwargs("own"), signed_in(405))],
    "circles/sessions/<int:session_id>/cancel/": [(session_kwargs("own"), signed_in(405))],
    # Reflections: the team's facilitator writes; a private one is read by its author and
    # the supervisors of the team's program (the dual person supervises it).
    "teams/<int:team_id>/reflections/new/": FACILITATE,
    "teams/<int:team_id>/reflections/draft/": team_rows(
        signed_in(405), signed_in(405), signed_in(405)
    ),
    "reflections/": [(NO_KWARGS, signed_in(200, family=403, operator=403))],
    "reflections/<int:reflection_id>/": [
        (reflection_kwargs("own"), signed_in(404, facilitator=200, supervisor=200, dual=200)),
        (reflection_kwargs("outsider"), signed_in(404, outsider=200)),
    ],
    "reflections/<int:reflection_id>/responses/": [(reflection_kwargs("own"), signed_in(405))],
    "reflections/<int:reflection_id>/helped/": [(reflection_kwargs("own"), signed_in(405))],
    # A community's feed: its members and host, and its organisation's admins and
    # supervisors. /feed/ goes to one's first community, or lists those one may open.
    "feed/": [(with_communities, signed_in(302, admin=200, dual=200, family=403, operator=403))],
    "communities/<int:community_id>/feed/": [
        (community_kwargs("own"), CIRCLE_SEE[0]),
        (community_kwargs("outsider"), CIRCLE_SEE[1]),
    ],
    # A learning log: one's own; someone else's only for their supervisors.
    "learning/": [(NO_KWARGS, signed_in(200, family=403, operator=403))],
    "learning/<int:user_id>/": [
        (learner_kwargs("facilitator"), signed_in(404, facilitator=200, supervisor=200, dual=200)),
        (learner_kwargs("outsider"), signed_in(404, outsider=200)),
    ],
    "learning/milestones/share/": [(NO_KWARGS, signed_in(405))],
    "learning/milestones/unshare/": [(NO_KWARGS, signed_in(405))],
    "prompts/": [(NO_KWARGS, signed_in(200, family=403, operator=403))],
    "prompts/<int:delivery_id>/": PROMPT_ANSWER,
    "prompts/<int:delivery_id>/draft/": [(delivery_kwargs("own"), signed_in(405))],
    "prompts/library/": [(NO_KWARGS, signed_in(403, admin=200))],
    "prompts/library/<int:prompt_id>/": PROMPT_ADMIN,
    "prompts/schedules/": [(NO_KWARGS, signed_in(403, admin=200))],
    "prompts/schedules/<int:schedule_id>/": SCHEDULE_ADMIN,
    # Reflecting on a circle session: its members and hosts, and the organisation's
    # admins; other staff of the organisation are refused (403), anyone else 404.
    "circles/sessions/<int:session_id>/reflect/": [
        (
            session_kwargs("own"),
            signed_in(404, facilitator=200, supervisor=200, admin=200, dual=403),
        ),
        (session_kwargs("outsider"), signed_in(404, outsider=200)),
    ],
    "circles/sessions/<int:session_id>/reflect/draft/": [(session_kwargs("own"), signed_in(405))],
    # Calendars: one's own page and link; the feed's token is its own key; a session's
    # .ics for its members, hosts and the organisation's admins.
    "calendar/": [(NO_KWARGS, signed_in(200))],
    "calendar/new/": [(NO_KWARGS, signed_in(405))],
    "calendar/<str:token>.ics": [
        (calendar_token_kwargs("live"), every(200)),
        (calendar_token_kwargs("revoked"), every(404)),
        (calendar_token_kwargs("unknown"), every(404)),
    ],
    "circles/sessions/<int:session_id>.ics": [
        (session_kwargs("own"), signed_in(404, facilitator=200, supervisor=200, admin=200)),
        (session_kwargs("outsider"), signed_in(404, outsider=200)),
    ],
}


# --- observed practice ---------------------------------------------------------------
#
# An observation of the facilitator coded by the supervisor ("own"), and the outsider's
# self-coded one. Read by the facilitator, the coder and the facilitator's supervisors
# (the dual person supervises the facilitator's program); changed by the coder only
# (403 for the other readers); 404 for everybody else.

MATRIX_TRANSCRIPT = (
    "Facilitator: How was the week?\nFamily: Long.\n"
    "Facilitator: It sounds like it wore you out.\nFacilitator: Do you want to start there?"
)


def observation_kwargs(
    key: str,
    method: str = "counts",
    *,
    transcript: bool = False,
    coded: bool = False,
    taps: int = 0,
    practise_next: str = "",
    finished: bool = False,
    second: bool = False,
) -> Callable[[World], dict]:
    def kwargs(w: World) -> dict:
        from reflections import practice
        from reflections.models import TranscriptUtterance

        if key == "own":
            org, facilitator, coder, team = w.org, w.facilitator, w.supervisor, w.team
        else:
            org, facilitator, coder, team = w.outsider_org, w.outsider, w.outsider, w.outsider_team
        observation = practice.observation_create(
            organization=org, coded_by=coder,
            data={"facilitator": facilitator, "team": team, "observed_on": timezone.localdate(),
                  "source": "live", "method": method, "segment_minutes": 20},
        )  # fmt: skip
        if practise_next:
            observation.practise_next = practise_next
            observation.save(update_fields=["practise_next"])
        for _ in range(taps):
            practice.tally_tap(observation=observation, code="affirm", by=coder)
        if finished:
            practice.observation_finish(observation=observation, by=coder, data=_finish_data(w))
        found = {"observation_id": observation.pk}
        if transcript:
            added = practice.transcript_add(observation=observation, by=coder,
                                            text=MATRIX_TRANSCRIPT, practitioner_labels=[],
                                            other_labels=[])  # fmt: skip
            lines = TranscriptUtterance.objects.filter(transcript=added, practitioner=True)
            found["utterance_id"] = lines.first().pk
            if coded:
                coding = added.codings.get(primary=True)
                for line in lines:
                    practice.utterance_code(coding=coding, utterance_id=line.pk,
                                            code="question_open", by=coder)  # fmt: skip
            if second:
                blind = practice.coding_second_start(observation=observation, coder=w.dual)
                for line, code in zip(
                    lines, ["question_open", "simple_reflection", "affirm"], strict=True
                ):
                    practice.utterance_code(coding=blind, utterance_id=line.pk, code=code,
                                            by=w.dual)  # fmt: skip
                practice.coding_complete(coding=blind, by=w.dual)
        return found

    return kwargs


def practised(target: str) -> Callable[[World], dict]:
    """A facilitator with two finished observations (their trend has points)."""

    def kwargs(w: World) -> dict:
        for day in (40, 10):
            found = observation_kwargs("own", finished=True)(w)
            PracticeObservation.objects.filter(pk=found["observation_id"]).update(
                observed_on=timezone.localdate() - timedelta(days=day)
            )
        return {"user_id": getattr(w, target).pk}

    return kwargs


PRACTICE_READ = (
    signed_in(404, facilitator=200, supervisor=200, dual=200),
    signed_in(404, outsider=200),
)
PRACTICE_CODER = (
    signed_in(404, supervisor=200, facilitator=403, dual=403),
    signed_in(404, outsider=200),
)


def practice_rows(method: str = "counts", statuses=PRACTICE_CODER, **options) -> list:
    return [
        (observation_kwargs("own", method, **options), statuses[0]),
        (observation_kwargs("outsider", method, **options), statuses[1]),
    ]


MATRIX.update(
    {
        # A facilitator goes on to their own page; a supervisor sees whom they coach.
        "practice/": [
            (NO_KWARGS, signed_in(403, facilitator=302, outsider=302, supervisor=200, dual=200))
        ],
        "practice/people/<int:user_id>/": [
            (practised("facilitator"), PRACTICE_READ[0]),
            (learner_kwargs("outsider"), PRACTICE_READ[1]),
        ],
        "practice/observations/new/": [
            (NO_KWARGS, signed_in(200, family=403, admin=403, operator=403))
        ],
        "practice/observations/<int:observation_id>/": practice_rows(
            statuses=PRACTICE_READ, finished=True, practise_next="Reflect before asking"
        ),
        "practice/observations/<int:observation_id>/finish/": practice_rows(),
        "practice/observations/<int:observation_id>/tally/": practice_rows("tally"),
        "practice/observations/<int:observation_id>/tally/tap/": [
            (observation_kwargs("own", "tally"), signed_in(405))
        ],
        "practice/observations/<int:observation_id>/tally/undo/": [
            (observation_kwargs("own", "tally"), signed_in(405))
        ],
        "practice/observations/<int:observation_id>/tally/timer/": [
            (observation_kwargs("own", "tally"), signed_in(405))
        ],
        # With a transcript coded twice: the coded transcript and the agreement, for
        # every reader; without one (the outsider's): the coder's paste form.
        "practice/observations/<int:observation_id>/transcript/": [
            (
                observation_kwargs("own", "transcript", transcript=True, coded=True, second=True),
                PRACTICE_READ[0],
            ),
            (observation_kwargs("outsider", "transcript"), PRACTICE_READ[1]),
        ],
        "practice/observations/<int:observation_id>/transcript/delete/": [
            (observation_kwargs("own", "transcript", transcript=True), signed_in(405))
        ],
        "practice/observations/<int:observation_id>/coding/": practice_rows(
            "transcript", transcript=True
        ),
        "practice/observations/<int:observation_id>/coding/<int:utterance_id>/": [
            (observation_kwargs("own", "transcript", transcript=True), signed_in(405))
        ],
        "practice/observations/<int:observation_id>/coding/done/": [
            (observation_kwargs("own", "transcript", transcript=True), signed_in(405))
        ],
        "practice/observations/<int:observation_id>/second-coding/": [
            (observation_kwargs("own", "transcript", transcript=True), signed_in(405))
        ],
        "practice/observations/<int:observation_id>/prompt/": [
            (observation_kwargs("own"), signed_in(405))
        ],
    }
)


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
        "accounts/2fa/reauthenticate/": [
            (NO_KWARGS, every(302, supervisor=200, admin=200, dual=200, operator=200))
        ],
        "accounts/2fa/totp/activate/": [(NO_KWARGS, every(302))],
        "accounts/2fa/totp/deactivate/": [
            (NO_KWARGS, signed_in(404, supervisor=302, admin=302, dual=302, operator=302))
        ],
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


def _operator_status(path: str) -> int:
    """What a platform operator (superuser with MFA) gets from an admin URL."""
    if path.endswith("logout/"):
        return 405  # logging out of the admin is a POST
    if path.endswith("login/"):
        return 302  # already signed in: on to the admin index
    if "autocomplete" in path:
        return 403  # needs the querying field's parameters
    if path.startswith("django-admin/communities/auditentry/") and (
        path.endswith("add/") or path.endswith("delete/")
    ):
        return 403  # the audit trail is read-only, even here
    if "no-such-page" in path or "/r/" in path or "/password/" in path:
        return 404  # no such page, content type or user
    if "/1/" in path:
        return 302  # object 1 does not exist: the admin goes back to the list
    return 200


# Django's admin is for platform operators only. Everyone else is sent to the admin
# login, which (secured by allauth) sends anonymous people to log in and refuses
# signed-in people who are not operators.
MATRIX.update(
    {
        route: [
            (
                literal(_admin_path(route)),
                every(302, operator=_operator_status(_admin_path(route))),
            )
        ]
        for route, _ in _routes(get_resolver().url_patterns)
        if route.startswith("django-admin/")
    }
)
MATRIX["django-admin/login/"] = [(literal("django-admin/login/"), signed_in(403, operator=302))]


# --- fidelity drift ---------------------------------------------------------------------


def signal_kwargs(target: str) -> Callable[[World], dict]:
    """An open meeting-gap signal of the target team (own, another program's, Northside's)."""

    def kwargs(w: World) -> dict:
        from engagement.models import DriftSignal

        team = getattr(w, target)
        signal = DriftSignal.objects.create(
            organization=team.program.organization, rule="meeting_gap",
            subject_key=f"team:{team.pk}", team=team, program=team.program,
            threshold={"days": 30}, measured={"days": 40, "since": "2026-10-01"},
        )  # fmt: skip
        return {"signal_id": signal.pk}

    return kwargs


def scan_kwargs(key: str) -> Callable[[World], dict]:
    def kwargs(w: World) -> dict:
        from engagement.models import DriftScan

        org = w.org if key == "own" else w.outsider_org
        return {"scan_id": DriftScan.objects.create(organization=org, rules_total=8).pk}

    return kwargs


# Signals: their team's staff (a facilitator for their teams, supervisors for their
# programs, admins for the organisation); never families; another organisation's: 404.
SIGNAL_SEE = [
    (signal_kwargs("team"), signed_in(404, facilitator=200, supervisor=200, admin=200, dual=200)),
    (signal_kwargs("other_team"), signed_in(404, supervisor=200, admin=200)),
    (signal_kwargs("outsider_team"), signed_in(404, outsider=200)),
]
PERSON_SEE = signed_in(404, facilitator=200, supervisor=200, admin=200, dual=200)
MATRIX.update(
    {
        "drift/": [(NO_KWARGS, signed_in(403, supervisor=200, admin=200, dual=200))],
        "drift/<int:signal_id>/": SIGNAL_SEE,
        "drift/<int:signal_id>/snooze/": [(signal_kwargs("team"), signed_in(405))],
        "drift/<int:signal_id>/wake/": [(signal_kwargs("team"), signed_in(405))],
        # A team's history: staff who see the team; its family is refused (403).
        "drift/teams/<int:team_id>/": team_rows(
            signed_in(200, family=403, outsider=404, operator=404),
            signed_in(404, supervisor=200, admin=200),
            signed_in(404, outsider=200, dual=403),
        ),
        # A person's history: themself, their supervisors, their organisation's admins.
        "drift/people/<int:user_id>/": [
            (learner_kwargs("facilitator"), PERSON_SEE),
            (learner_kwargs("outsider"), signed_in(404, outsider=200)),
        ],
        "drift/rules/": [(NO_KWARGS, signed_in(403, admin=200))],
        "drift/rules/preview/": [(NO_KWARGS, signed_in(405))],
        "drift/scans/": [(NO_KWARGS, signed_in(405))],
        "drift/scans/<int:scan_id>/": [
            (scan_kwargs("own"), signed_in(403, admin=200)),
            (scan_kwargs("outsider"), signed_in(403, admin=404)),
        ],
    }
)


def test_it_covers_every_url():
    served = {route for route, _ in _routes(get_resolver().url_patterns)}
    missing = sorted(r for r in served if r not in MATRIX)
    assert not missing, f"URL patterns missing from the authorization matrix: {missing}"
    stale = sorted(r for r in MATRIX if r not in served)
    assert not stale, f"Matrix rows for URLs that no longer exist: {stale}"


ROWS = [
    pytest.param(route, index, id=f"{route or '/'}#{index}")
    for route, rows in MATRIX.items()
    for index in range(len(rows))
]


@pytest.mark.parametrize(("route", "index"), ROWS)
def test_it_answers_the_expected_status(world, client_for, route, index):
    """Every persona in turn (one world per row keeps the matrix fast)."""
    kwargs_for, expected = MATRIX[route][index]
    path = _path(route, kwargs_for(world))
    failures = []
    for role in ROLES:
        response = client_for(world.persona(role)).get(path)
        if response.status_code != expected[role]:
            failures.append(
                f"{role} GET {path}: expected {expected[role]}, got {response.status_code}"
            )
    assert not failures, "\n".join(failures)


def _path(route: str, kwargs: dict) -> str:
    path = "/" + kwargs.pop("__path__", route)
    for name, value in kwargs.items():
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<str:{name}>", str(value))
    return path


# --- POST routes -------------------------------------------------------------------
#
# Every route of ours that accepts a POST: each persona posts valid data to its own,
# another family's and another organisation's object. A refusal (400, 403, 404, 405, 410, or
# an anonymous person sent to log in) must write nothing at all; an accepted POST must
# have written something, unless the row says it only changes the session or a cookie.


def _today() -> str:
    return timezone.localdate().isoformat()


def _staff_goal(target: str) -> Callable[[World], dict]:
    """A goal no family member ever wrote, in the target team (only those can be deleted)."""

    def kwargs(w: World) -> dict:
        from tests.factories import make_goal

        team = getattr(w, target)
        author = team.facilitators.first()
        return {"goal_id": make_goal(team, by=author, role="facilitator").pk}

    return kwargs


def _step_of(target: str) -> Callable[[World], dict]:
    def kwargs(w: World) -> dict:
        goal = getattr(w, target)
        return {"goal_id": goal.pk, "step_id": goal.steps.create(what="Call the school").pk}

    return kwargs


def _first_revision_of(target: str) -> Callable[[World], dict]:
    def kwargs(w: World) -> dict:
        goal = getattr(w, target)
        return {"goal_id": goal.pk, "revision_id": goal.revisions.get(version=1).pk}

    return kwargs


def _invitation(role: str, team: str | None) -> Callable[[World], dict]:
    def kwargs(w: World) -> dict:
        team_obj = getattr(w, team) if team else None
        invitation = Invitation.objects.create(
            organization=team_obj.program.organization if team_obj else w.org,
            email=f"pending.{role}@invite.test",
            role=role,
            team=team_obj,
            key=f"pending-{role}-{team}",
            expires_at=timezone.now() + timedelta(days=7),
        )
        return {"invitation_id": invitation.pk}

    return kwargs


def _writes(rows: list, data) -> list:
    """GET matrix rows turned into POST rows: 200 there means the POST is accepted (302)."""
    return [
        (kwargs, data, {role: 302 if status == 200 else status for role, status in row.items()})
        for kwargs, row in rows
    ]


def _as_post(row: dict) -> dict:
    """A GET row's 200 (the form) is a POST's 302 (saved, then redirected)."""
    return {role: 302 if status == 200 else status for role, status in row.items()}


def _in_days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def _circle_post(w: World, count: int = 4) -> dict:
    return {
        "title": "Matrix circle", "focus": "summaries", "agenda": "", "starts_on": _in_days(2),
        "start_time": "09:30", "time_zone": "America/Chicago", "duration_minutes": 45,
        "location": "", "frequency": "weekly", "count": count, "reminders": ["60"],
        "members": [],
    }  # fmt: skip


GOAL_EDIT_DATA = lambda w: {  # noqa: E731
    "statement": "Changed in the matrix",
    "why_it_matters": "",
    "strengths": "",
    "status": "active",
    "set_aside_reason": "",
    "base_version": 1,
}
MEETING_DATA = lambda w: {  # noqa: E731
    "held_on": _today(), "duration_minutes": 60, "family_present": "on", "agenda_set_by": "family",
}  # fmt: skip
NO_DATA = lambda w: {}  # noqa: E731
SAME = object()  # marks a row whose accepted POST changes only the session or a cookie

# route → list of (kwargs factory, data factory, {role: status}[, SAME]).
POST_MATRIX: dict[str, list] = {
    "teams/<int:team_id>/invite/": _writes(
        FACILITATE,
        lambda w: {"email": "new.person@invite.test", "name": "New", "relationship": "youth"},
    ),
    "teams/<int:team_id>/meetings/new/": _writes(FACILITATE, MEETING_DATA),
    "teams/<int:team_id>/goals/new/": _writes(TEAM_WRITE, lambda w: {"statement": "A new goal"}),
    "goals/<int:goal_id>/edit/": _writes(GOAL_WRITE, GOAL_EDIT_DATA),
    "goals/<int:goal_id>/history/<int:revision_id>/restore/": [
        (_first_revision_of(target), lambda w: {"base_version": 1}, row)
        for target, (_k, _d, row) in zip(
            ("goal", "other_goal", "outsider_goal"), _writes(GOAL_WRITE, None), strict=True
        )
    ],
    # Only the team's facilitator deletes, and only a goal the family never wrote.
    "goals/<int:goal_id>/delete/": [
        (_staff_goal("team"), NO_DATA, signed_in(403, outsider=404, facilitator=302, operator=404)),
        (_staff_goal("other_team"), NO_DATA, signed_in(404, supervisor=403, admin=403)),
        (_staff_goal("outsider_team"), NO_DATA, signed_in(404, outsider=302, dual=403)),
    ],
    "goals/<int:goal_id>/steps/": _writes(GOAL_WRITE, lambda w: {"what": "Call the clinic"}),
    "goals/<int:goal_id>/steps/<int:step_id>/done/": [
        (_step_of(target), lambda w: {"done": "on"}, row)
        for target, (_k, _d, row) in zip(
            ("goal", "other_goal", "outsider_goal"), _writes(GOAL_WRITE, None), strict=True
        )
    ],
    # Only the family speaks for the family: progress is theirs alone.
    "goals/<int:goal_id>/progress/": [
        (
            lambda w: {"goal_id": w.goal.pk},
            lambda w: {"score": 6},
            signed_in(403, family=302, outsider=404, operator=404),
        ),
        (
            lambda w: {"goal_id": w.other_goal.pk},
            lambda w: {"score": 6},
            signed_in(404, supervisor=403, admin=403),
        ),
        (
            lambda w: {"goal_id": w.outsider_goal.pk},
            lambda w: {"score": 6},
            signed_in(404, outsider=403, dual=302),
        ),
    ],
    "goals/<int:goal_id>/comments/": _writes(GOAL_WRITE, lambda w: {"body": "Thanks!"}),
    "setup/invite/": [
        (
            NO_KWARGS,
            lambda w: {"email": "new.staff@invite.test", "role": "facilitator"},
            signed_in(403, admin=302),
        )
    ],
    "setup/members/<int:membership_id>/": [
        (
            membership_kwargs("facilitator"),
            lambda w: {"role": "supervisor", "programs": [w.program.pk], "is_active": "on"},
            signed_in(403, admin=302),
        ),
        (
            membership_kwargs("outsider"),
            lambda w: {"role": "admin", "is_active": "on"},
            signed_in(403, admin=404),
        ),
    ],
    **{
        f"invitations/<int:invitation_id>/{action}/": [
            (_invitation("facilitator", None), NO_DATA, signed_in(404, admin=302)),
            (_invitation("family", "team"), NO_DATA, signed_in(404, admin=302, facilitator=302)),
            (_invitation("family", "outsider_team"), NO_DATA, signed_in(404, outsider=302)),
        ]
        for action in ("resend", "revoke")
    },
    # The link is the invited person's key: whoever holds it joins as that person.
    "invitations/<str:key>/": [(invitation_kwargs, lambda w: {"name": "New Family"}, every(302))],
    "preferences/": [
        (
            NO_KWARGS,
            lambda w: {
                "name": "Renamed",
                "language": "es",
                "time_zone": "America/Denver",
                **{f"email_{kind}": CADENCE_CHOICES[kind][0] for kind in CHOOSABLE_KINDS},
            },
            signed_in(302),
        )
    ],
    "language/": [(NO_KWARGS, lambda w: {"language": "en"}, every(302), SAME)],
    "organisation/": [
        (
            NO_KWARGS,
            lambda w: {"organization": w.org.pk},
            signed_in(302, outsider=404, operator=404),
            SAME,
        ),
        (
            NO_KWARGS,
            lambda w: {"organization": w.outsider_org.pk},
            signed_in(404, outsider=302, dual=302),
            SAME,
        ),
    ],
    "notifications/": [(NO_KWARGS, NO_DATA, signed_in(302), SAME)],
    # One-click unsubscribe (RFC 8058) posts without login or CSRF token: the link decides.
    "unsubscribe/<str:token>/": [
        (unsubscribe_kwargs, NO_DATA, every(200)),
        (lambda w: {"token": "tampered"}, NO_DATA, every(400)),
    ],
    "messages/": [(NO_KWARGS, NO_DATA, every(405, anonymous=302))],
    "communities/new/": [
        (
            NO_KWARGS,
            lambda w: {"name": "New LC", "members": [w.facilitator.pk]},
            signed_in(403, admin=302),
        ),
    ],
    **{
        route: [
            (community_kwargs("own"), data, _as_post(CIRCLE_RUN[0])),
            (community_kwargs("outsider"), data, _as_post(CIRCLE_RUN[1])),
        ]
        for route, data in (
            ("communities/<int:community_id>/edit/", lambda w: {"name": "Renamed LC"}),
            ("communities/<int:community_id>/circles/new/", lambda w: _circle_post(w)),
        )
    },
    "circles/<int:circle_id>/edit/": [
        (circle_kwargs("own"), lambda w: _circle_post(w, count=6), _as_post(CIRCLE_RUN[0])),
        (circle_kwargs("outsider"), lambda w: _circle_post(w, count=6), _as_post(CIRCLE_RUN[1])),
    ],
    "circles/sessions/<int:session_id>/move/": [
        (
            session_kwargs(key),
            lambda w: {"starts_on": _in_days(3), "start_time": "15:00"},
            _as_post(row),
        )
        for key, row in (("own", CIRCLE_RUN[0]), ("outsider", CIRCLE_RUN[1]))
    ],
    "circles/sessions/<int:session_id>/cancel/": [
        (session_kwargs(key), NO_DATA, _as_post(row))
        for key, row in (("own", CIRCLE_RUN[0]), ("outsider", CIRCLE_RUN[1]))
    ],
    "circles/sessions/<int:session_id>/attendance/": [
        (
            session_kwargs("own"),
            lambda w: {f"member_{w.facilitator.pk}": "present"},
            _as_post(CIRCLE_RUN[0]),
        ),
        (
            session_kwargs("outsider"),
            lambda w: {f"member_{w.outsider.pk}": "present"},
            _as_post(CIRCLE_RUN[1]),
        ),
    ],
    # Only the circle's members answer (its host, the supervisor, is one; the admin isn't).
    "circles/sessions/<int:session_id>/rsvp/": [
        (
            session_kwargs("own"),
            lambda w: {"rsvp": "going"},
            signed_in(403, facilitator=302, supervisor=302, family=404, outsider=404, operator=404),
        ),
        (session_kwargs("outsider"), lambda w: {"rsvp": "going"}, signed_in(404, outsider=302)),
    ],
    "circles/preview/": [(NO_KWARGS, NO_DATA, signed_in(405))],
    "teams/<int:team_id>/reflections/new/": _writes(
        FACILITATE, lambda w: {"worked": "Posted words", "visibility": "private"}
    ),
    "teams/<int:team_id>/reflections/draft/": _writes(
        FACILITATE, lambda w: {"worked": "Draft words"}
    ),
    # Responding: whoever may read the reflection (else 404). "This helped me": the same,
    # but not its author (400).
    "reflections/<int:reflection_id>/responses/": [
        (
            reflection_kwargs("own"),
            lambda w: {"text": "Matrix response"},
            signed_in(404, facilitator=302, supervisor=302, dual=302),
        ),
        (
            reflection_kwargs("outsider"),
            lambda w: {"text": "Matrix response"},
            signed_in(404, outsider=302),
        ),
    ],
    "reflections/<int:reflection_id>/helped/": [
        (
            reflection_kwargs("own"),
            lambda w: {"helped": "yes"},
            signed_in(404, facilitator=400, supervisor=302, dual=302),
        ),
        (reflection_kwargs("outsider"), lambda w: {"helped": "yes"}, signed_in(404, outsider=400)),
    ],
    # One's own milestones, where one works now.
    "learning/milestones/share/": [
        (
            first_reflections,
            lambda w: {"milestone": "first_reflection"},
            signed_in(302, family=403, operator=403),
        ),
    ],
    "learning/milestones/unshare/": [
        (
            shared_milestones,
            lambda w: {"milestone": "first_reflection"},
            signed_in(302, family=403, operator=403),
        ),
    ],
    "prompts/<int:delivery_id>/": _writes(
        PROMPT_ANSWER, lambda w: {"answer": "Matrix answer", "visibility": "private"}
    ),
    "prompts/<int:delivery_id>/draft/": _writes(PROMPT_ANSWER, lambda w: {"answer": "Draft"}),
    "prompts/library/": [
        (
            NO_KWARGS,
            lambda w: {"tag": "family_voice", "text_en": "Q?", "text_es": "¿P?"},
            signed_in(403, admin=302),
        ),
    ],
    "prompts/library/<int:prompt_id>/": _writes(
        PROMPT_ADMIN,
        lambda w: {"tag": "persistence", "text_en": "New Q?", "text_es": "¿Nueva P?"},
    ),
    "prompts/schedules/": [
        (
            NO_KWARGS,
            lambda w: {"trigger": "weekly", "delay_hours": 2, "weekday": 0, "hour": 9},
            signed_in(403, admin=302),
        ),
    ],
    "prompts/schedules/<int:schedule_id>/": _writes(
        SCHEDULE_ADMIN,
        lambda w: {"trigger": "after_meeting", "delay_hours": 3, "weekday": 0, "hour": 9},
    ),
    "circles/sessions/<int:session_id>/reflect/": _writes(
        MATRIX["circles/sessions/<int:session_id>/reflect/"],
        lambda w: {"worked": "Matrix session words", "visibility": "private"},
    ),
    "circles/sessions/<int:session_id>/reflect/draft/": _writes(
        MATRIX["circles/sessions/<int:session_id>/reflect/"], lambda w: {"worked": "Draft"}
    ),
    "calendar/": [(NO_KWARGS, NO_DATA, signed_in(405))],
    "calendar/new/": [(NO_KWARGS, NO_DATA, signed_in(302))],
    "calendar/<str:token>.ics": [(calendar_token_kwargs("live"), NO_DATA, every(405))],
    "circles/sessions/<int:session_id>.ics": [(session_kwargs("own"), NO_DATA, signed_in(405))],
    "circles/": [(NO_KWARGS, NO_DATA, signed_in(405))],
    "messages/<int:message_id>/retry/": [
        (failed_message("team"), NO_DATA, signed_in(403, admin=302)),
        (failed_message("outsider_team"), NO_DATA, signed_in(403, admin=404)),
    ],
    "checkins/<str:token>/": [
        (
            checkin_kwargs,
            lambda w: {"agency": 4, "relevance": 5, "partnership": 4},
            every(410, anonymous=200, family=200),
        )
    ],
}


def _finish_data(w: World) -> dict:
    from reflections.practice_scores import COUNT_FIELDS

    return {
        **dict.fromkeys(COUNT_FIELDS, 1), "question": 2, "cultivating_change_talk": 3,
        "softening_sustain_talk": 3, "partnership": 4, "empathy": 4, "notes": "Matrix",
    }  # fmt: skip


def _first_line(w: World) -> dict:
    from reflections.models import TranscriptUtterance

    line = TranscriptUtterance.objects.filter(practitioner=True).order_by("pk").first()
    return {f"code-{line.pk}": "simple_reflection"}


PRACTICE_WRITE = (
    signed_in(404, supervisor=302, facilitator=403, dual=403),
    signed_in(404, outsider=302),
)


def practice_posts(method: str, data, statuses=PRACTICE_WRITE, **options) -> list:
    return [
        (observation_kwargs("own", method, **options), data, statuses[0]),
        (observation_kwargs("outsider", method, **options), data, statuses[1]),
    ]


POST_MATRIX.update(
    {
        # Opening an observation: of oneself, or of a facilitator one supervises (for the
        # outsider, the facilitator looks missing: 404, nothing written).
        "practice/observations/new/": [
            (
                NO_KWARGS,
                lambda w: {
                    "facilitator": w.facilitator.pk,
                    "observed_on": _today(),
                    "team": w.team.pk,
                    "source": "live",
                    "method": "counts",
                    "segment_minutes": 20,
                },
                signed_in(302, family=403, admin=403, operator=403, outsider=404),
            )
        ],
        "practice/observations/<int:observation_id>/finish/": practice_posts(
            "counts", _finish_data
        ),
        "practice/observations/<int:observation_id>/tally/tap/": practice_posts(
            "tally", lambda w: {"code": "question_open"}
        ),
        "practice/observations/<int:observation_id>/tally/undo/": practice_posts(
            "tally", NO_DATA, taps=1
        ),
        "practice/observations/<int:observation_id>/tally/timer/": practice_posts("tally", NO_DATA),
        "practice/observations/<int:observation_id>/transcript/": practice_posts(
            "transcript", lambda w: {"text": MATRIX_TRANSCRIPT}
        ),
        "practice/observations/<int:observation_id>/transcript/delete/": practice_posts(
            "transcript", NO_DATA, transcript=True
        ),
        "practice/observations/<int:observation_id>/coding/": practice_posts(
            "transcript", _first_line, transcript=True
        ),
        "practice/observations/<int:observation_id>/coding/<int:utterance_id>/": practice_posts(
            "transcript", _first_line, transcript=True
        ),
        "practice/observations/<int:observation_id>/coding/done/": practice_posts(
            "transcript", NO_DATA, transcript=True, coded=True
        ),
        # A second, blind coding: another supervisor of the facilitator. The coder is
        # refused with the reason (400); the outsider coded their own.
        "practice/observations/<int:observation_id>/second-coding/": practice_posts(
            "transcript",
            NO_DATA,
            statuses=(
                signed_in(404, dual=302, supervisor=400, facilitator=403),
                signed_in(404, outsider=400),
            ),
            transcript=True,
        ),
        # What to practise next, as a prompt: the coach sends it; a self-coded one would
        # go to oneself (400).
        "practice/observations/<int:observation_id>/prompt/": practice_posts(
            "counts",
            NO_DATA,
            statuses=(PRACTICE_WRITE[0], signed_in(404, outsider=400)),
            practise_next="Reflect before asking",
        ),
    }
)


# Pages that only read: a POST is refused (405) and writes nothing.
READ_ONLY = [
    "",
    "practice/",
    "practice/people/<int:user_id>/",
    "practice/observations/<int:observation_id>/",
    "practice/observations/<int:observation_id>/tally/",
    "reflections/",
    "reflections/<int:reflection_id>/",
    "feed/",
    "communities/<int:community_id>/feed/",
    "learning/",
    "learning/<int:user_id>/",
    "prompts/",
    "communities/",
    "communities/<int:community_id>/",
    "circles/<int:circle_id>/",
    "circles/sessions/<int:session_id>/",
    "teams/",
    "teams/<int:team_id>/",
    "teams/<int:team_id>/audit/",
    "setup/",
    "family/",
    "dashboard/",
    "dashboard/export.csv",
    "dashboard/teams/<int:team_id>/",
    "goals/<int:goal_id>/",
    "goals/<int:goal_id>/history/",
]

SNOOZE = lambda w: {"until": _in_days(10), "reason": "The family is away"}  # noqa: E731
RULE = lambda w: {"code": "meeting_gap", "meeting_gap-code": "meeting_gap",  # noqa: E731
                  "meeting_gap-enabled": "on", "meeting_gap-days": "21",
                  "meeting_gap-remind_every_days": "7"}  # fmt: skip
POST_MATRIX.update(
    {
        # Snoozing: supervisors and admins, and a team's facilitator for its signals.
        "drift/<int:signal_id>/snooze/": _writes(SIGNAL_SEE, SNOOZE),
        "drift/<int:signal_id>/wake/": _writes(SIGNAL_SEE, NO_DATA),
        "drift/rules/": [(NO_KWARGS, RULE, signed_in(403, admin=302))],
        # A preview shows how many would trip and saves nothing.
        "drift/rules/preview/": [(NO_KWARGS, RULE, signed_in(403, admin=200), SAME)],
        "drift/scans/": [(NO_KWARGS, NO_DATA, signed_in(403, admin=302))],
    }
)
READ_ONLY += [
    "drift/", "drift/<int:signal_id>/", "drift/teams/<int:team_id>/",
    "drift/people/<int:user_id>/", "drift/scans/<int:scan_id>/",
]  # fmt: skip
POST_MATRIX.update({route: [(MATRIX[route][0][0], NO_DATA, signed_in(405))] for route in READ_ONLY})
POST_MATRIX[""] = [(NO_KWARGS, NO_DATA, every(405))]  # home needs no login to answer


def test_it_covers_every_post_route():
    """Every route of ours is in POST_MATRIX (it accepts a POST, or refuses one). allauth's
    and Django admin's forms are theirs, guarded by their own CSRF and permission code."""
    ours = {r for r, _ in _routes(get_resolver().url_patterns)}
    ours = {r for r in ours if not r.startswith(("accounts/", "django-admin/"))}
    missing = sorted(ours - set(POST_MATRIX))
    assert not missing, f"Routes missing from POST_MATRIX: {missing}"


def _written() -> tuple:
    """A fingerprint of everything a POST could write."""
    from communities.models import (
        AuditEntry,
        CircleSession,
        FamilyMember,
        LearningCircle,
        LearningCommunity,
        Message,
        MessagePreference,
        SessionResponse,
        TeamMeeting,
        User,
    )
    from engagement.models import (
        DriftRule,
        DriftScan,
        DriftSignal,
        EngagementEvent,
        Goal,
        GoalComment,
        GoalRevision,
        GoalStep,
        MeetingCheckIn,
        ProgressCheckIn,
    )
    from reflections.models import (
        HelpedReaction,
        MilestoneShare,
        PracticeObservation,
        PracticeTranscript,
        Prompt,
        PromptDelivery,
        PromptSchedule,
        PromptWording,
        Reflection,
        ReflectionDraft,
        ReflectionResponse,
        TallyTap,
        TranscriptCoding,
        UtteranceCode,
    )

    return (
        list(Goal.objects.order_by("pk").values_list("pk", "version", "statement")),
        GoalRevision.objects.count(),
        list(GoalStep.objects.order_by("pk").values_list("pk", "done")),
        GoalComment.objects.count(),
        ProgressCheckIn.objects.count(),
        TeamMeeting.objects.count(),
        MeetingCheckIn.objects.filter(submitted_at__isnull=False).count(),
        list(Invitation.objects.order_by("pk").values_list("pk", "key", "revoked_at")),
        list(Membership.objects.order_by("pk").values_list("pk", "role", "is_active")),
        Membership.supervised_programs.through.objects.count(),
        FamilyMember.objects.count(),
        User.objects.count(),
        list(
            User.objects.order_by("pk").values_list(
                "pk", "name", "language", "time_zone", "calendar_token"
            )
        ),
        EngagementEvent.objects.count(),
        AuditEntry.objects.count(),
        list(Message.objects.order_by("pk").values_list("pk", "state", "read_at")),
        list(MessagePreference.objects.order_by("pk").values_list("pk", "email", "cadence")),
        list(LearningCommunity.objects.order_by("pk").values_list("pk", "name")),
        LearningCircle.objects.count(),
        list(LearningCircle.objects.order_by("pk").values_list("pk", "updated_at")),
        list(CircleSession.objects.order_by("pk").values_list("pk", "sequence", "status")),
        list(SessionResponse.objects.order_by("pk").values_list("pk", "rsvp", "attendance")),
        Reflection.objects.count(),
        list(ReflectionDraft.objects.order_by("pk").values_list("pk", "data")),
        list(ReflectionResponse.objects.order_by("pk").values_list("pk", "text")),
        list(HelpedReaction.objects.order_by("pk").values_list("pk", "reflection_id", "user_id")),
        list(MilestoneShare.objects.order_by("pk").values_list("pk", "user_id", "milestone")),
        list(Prompt.objects.order_by("pk").values_list("pk", "tag", "active")),
        PromptWording.objects.count(),
        list(PromptSchedule.objects.order_by("pk").values_list("pk", "trigger", "delay_hours")),
        list(PromptDelivery.objects.order_by("pk").values_list("pk", "answered_at")),
        list(
            PracticeObservation.objects.order_by("pk").values_list(
                "pk", "updated_at", "completed_at", "timer_started_at", "prompt_sent_at"
            )
        ),
        TallyTap.objects.count(),
        PracticeTranscript.objects.count(),
        list(TranscriptCoding.objects.order_by("pk").values_list("pk", "completed_at")),
        list(UtteranceCode.objects.order_by("pk").values_list("pk", "code")),
        list(DriftRule.objects.order_by("pk").values_list("pk", "enabled", "days")),
        list(DriftSignal.objects.order_by("pk").values_list("pk", "snoozed_until", "resolved_at")),
        DriftScan.objects.count(),
    )


POST_ROWS = [
    pytest.param(route, index, id=f"POST {route or '/'}#{index}")
    for route, rows in POST_MATRIX.items()
    for index in range(len(rows))
]


@pytest.mark.parametrize(("route", "index"), POST_ROWS)
def test_it_answers_posts_and_writes_only_when_allowed(world, client_for, route, index):
    from django.db import transaction

    kwargs_for, data_for, expected, *flags = POST_MATRIX[route][index]
    path = _path(route, kwargs_for(world))
    data = data_for(world)
    failures = []
    for role in ROLES:
        # Each persona posts to the same starting state: its writes are rolled back.
        with transaction.atomic():
            client = client_for(world.persona(role))
            before = _written()
            response = client.post(path, data)
            after = _written()
            transaction.set_rollback(True)
        status = response.status_code
        if status != expected[role]:
            failures.append(f"{role} POST {path}: expected {expected[role]}, got {status}")
            continue
        sent_to_log_in = response.headers.get("Location", "").startswith("/accounts/login/")
        refused = status in (400, 403, 404, 405, 410) or sent_to_log_in
        if refused and after != before:
            failures.append(f"{role} POST {path}: refused with {status} but wrote something")
        if not refused and not flags and after == before:
            failures.append(f"{role} POST {path}: accepted with {status} but wrote nothing")
    assert not failures, "\n".join(failures)
