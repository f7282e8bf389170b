"""Personas of every role, in two organisations, shared by all tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from communities.models import FamilyTeam, Organization, Program, Role, User
from engagement.models import Goal
from tests import factories


@dataclass
class World:
    org: Organization
    program: Program
    other_program: Program
    admin: User
    supervisor: User
    facilitator: User
    family: User
    other_facilitator: User
    other_family: User
    team: FamilyTeam  # facilitator's team, `family` is in it
    other_team: FamilyTeam  # same organisation, another facilitator and family
    outsider_org: Organization
    outsider: User  # facilitator in the other organisation
    outsider_team: FamilyTeam
    goal: Goal  # in `team`, worded by the family
    other_goal: Goal  # in `other_team`
    outsider_goal: Goal  # in `outsider_team`
    # Supervisor of `program` at Riverbend AND a family member of `outsider_team` at
    # Northside: every check must use the role held in the object's organisation.
    dual: User
    operator: User  # a platform operator (Django superuser) with no organisation

    def persona(self, role: str) -> User | None:
        return {
            "anonymous": None,
            "family": self.family,
            "facilitator": self.facilitator,
            "supervisor": self.supervisor,
            "admin": self.admin,
            "outsider": self.outsider,
            "dual": self.dual,
            "operator": self.operator,
        }[role]


ROLES = [
    "anonymous",
    "family",
    "facilitator",
    "supervisor",
    "admin",
    "outsider",
    "dual",
    "operator",
]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in (the test database of) Redis: start each test clean."""
    cache.clear()
    yield


@pytest.fixture
def world(db) -> World:
    org = factories.make_org("Riverbend Test Services")
    program = factories.make_program(org, "Wraparound")
    other_program = factories.make_program(org, "Youth Partnership")
    admin = factories.make_user("admin@rb.test", name="Ada Admin")
    supervisor = factories.make_user("supervisor@rb.test", name="Sol Supervisor")
    facilitator = factories.make_user("facilitator@rb.test", name="Fay Facilitator")
    family = factories.make_user("family@rb.test", name="Rosa Family")
    other_facilitator = factories.make_user("other.facilitator@rb.test", name="Otto Facilitator")
    other_family = factories.make_user("other.family@rb.test", name="Omar Family")
    factories.make_member(admin, org, Role.ADMIN)
    factories.make_member(supervisor, org, Role.SUPERVISOR, program, other_program)
    factories.make_member(facilitator, org, Role.FACILITATOR)
    factories.make_member(other_facilitator, org, Role.FACILITATOR)
    factories.make_member(family, org, Role.FAMILY)
    factories.make_member(other_family, org, Role.FAMILY)
    factories.give_totp(admin)
    factories.give_totp(supervisor)
    team = factories.make_team(program, facilitator=facilitator, family=family, name="Rivera")
    other_team = factories.make_team(
        other_program, facilitator=other_facilitator, family=other_family, name="Nguyen"
    )
    outsider_org = factories.make_org("Northside Test Partners")
    outsider_program = factories.make_program(outsider_org, "Northside Wraparound")
    outsider = factories.make_user("outsider@ns.test", name="Olive Outsider")
    factories.make_member(outsider, outsider_org, Role.FACILITATOR)
    dual = factories.make_user("dual@both.test", name="Dee Dual")
    factories.make_member(dual, org, Role.SUPERVISOR, program)
    factories.give_totp(dual)
    factories.make_member(dual, outsider_org, Role.FAMILY)
    outsider_team = factories.make_team(
        outsider_program, facilitator=outsider, family=dual, name="Okafor"
    )
    operator = User.objects.create_superuser("operator@platform.test", factories.PASSWORD)
    factories.give_totp(operator)
    goal = factories.make_goal(team, by=family)
    other_goal = factories.make_goal(other_team, by=other_family, statement="Other family goal")
    outsider_goal = factories.make_goal(
        outsider_team, by=outsider, role=Role.FACILITATOR, statement="Northside goal"
    )
    return World(
        org=org,
        program=program,
        other_program=other_program,
        admin=admin,
        supervisor=supervisor,
        facilitator=facilitator,
        family=family,
        other_facilitator=other_facilitator,
        other_family=other_family,
        team=team,
        other_team=other_team,
        outsider_org=outsider_org,
        outsider=outsider,
        outsider_team=outsider_team,
        goal=goal,
        other_goal=other_goal,
        outsider_goal=outsider_goal,
        dual=dual,
        operator=operator,
    )


@pytest.fixture
def client_for(client):
    """client_for(user) → the test client signed in as user (or anonymous for None)."""

    def _login(user: User | None):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _login
