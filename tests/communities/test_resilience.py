"""When Redis is down, web requests still succeed."""

from unittest import mock

from django.urls import reverse
from kombu.exceptions import OperationalError

from communities.models import Invitation
from miiwrap.cache import TolerantRedisCache


def test_it_treats_an_unreachable_cache_as_a_miss():
    cache = TolerantRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}}
    )
    assert cache.get("anything", "default") == "default"
    assert cache.set("k", "v") is None
    assert cache.add("k", "v") is False
    assert cache.get_many(["a", "b"]) == {}


def test_it_saves_the_invitation_when_the_broker_is_down(
    world, client_for, django_capture_on_commit_callbacks
):
    from communities.tasks import invitation_send

    with (
        mock.patch.object(invitation_send, "delay", side_effect=OperationalError("Redis is down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for(world.admin).post(
            reverse("staff_invite"), {"email": "new@rb.test", "role": "facilitator"}
        )
    assert response.status_code == 302
    assert Invitation.objects.filter(email="new@rb.test", emailed_at__isnull=True).exists()
