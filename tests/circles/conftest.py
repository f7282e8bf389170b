"""A learning community with a circle, on top of the shared personas."""

from datetime import date, time

import pytest

from communities import circles
from communities.models import LearningCommunity


@pytest.fixture
def community(world):
    community = LearningCommunity.objects.create(
        organization=world.org, name="Practice Community", host=world.supervisor
    )
    community.members.add(world.facilitator, world.supervisor, world.other_facilitator)
    return community


def schedule_data(**changes) -> dict:
    data = {
        "title": "Reflections lab",
        "focus": "reflections",
        "agenda": "Practise complex reflections.",
        "starts_on": date(2026, 12, 8),
        "start_time": time(10, 0),
        "time_zone": "America/Chicago",
        "duration_minutes": 60,
        "location": "https://video.example/lab",
        "rrule": "FREQ=WEEKLY;INTERVAL=1;COUNT=10",
    }
    data.update(changes)
    return data


@pytest.fixture
def circle(world, community):
    return circles.circle_schedule(
        community=community,
        by=world.admin,
        data={**schedule_data(), "host": world.supervisor},
        members=[world.facilitator, world.supervisor],
    )
