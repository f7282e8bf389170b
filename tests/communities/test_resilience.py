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


def test_it_saves_the_invitation_when_the_broker_is_down_and_the_sweeper_sends_it(
    world, client_for, django_capture_on_commit_callbacks
):
    from django.core import mail

    from communities.models import Message
    from communities.outbox import outbox_sweep
    from communities.tasks import outbox_send

    with (
        mock.patch.object(outbox_send, "delay", side_effect=OperationalError("Redis is down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for(world.admin).post(
            reverse("staff_invite"), {"email": "new@rb.test", "role": "facilitator"}
        )
    assert response.status_code == 302
    assert Invitation.objects.filter(email="new@rb.test", emailed_at__isnull=True).exists()
    assert Message.objects.get(to_email="new@rb.test").state == "pending"
    assert outbox_sweep() == 1  # the sweeper sends what the fast path could not enqueue
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@rb.test"]
    assert outbox_sweep() == 0
