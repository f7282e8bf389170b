"""With Redis unreachable, people still log in and the login rate limits still hold: the
default cache falls back to the database cache (miiwrap/cache.py).

The outage is simulated by pointing the default cache at a closed port; the shared
Redis server is never stopped."""

import copy
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from miiwrap import cache as miiwrap_cache
from miiwrap.cache import TolerantRedisCache
from tests.factories import PASSWORD, make_user

UNREACHABLE = "redis://127.0.0.1:1/0"


def redis_unreachable():
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = UNREACHABLE
    return override_settings(CACHES=caches)


@pytest.fixture
def person(db):
    return make_user("staff.member@rb.test", name="Sam Staff")


def login(client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@redis_unreachable()
def test_it_logs_in_with_a_password_while_redis_is_unreachable(person, client):
    response = login(client, person.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


@redis_unreachable()
def test_it_still_locks_an_account_after_five_wrong_passwords_while_redis_is_unreachable(
    person, client
):
    for _ in range(5):
        response = login(client, person.email, "wrong password")
        assert response.status_code == 200
        assert "Too many failed login attempts" not in response.content.decode()
    # The sixth try is refused even with the right password (5/300s/key).
    response = login(client, person.email, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@redis_unreachable()
def test_it_answers_429_to_an_address_posting_too_fast_while_redis_is_unreachable(db, client):
    statuses = [login(client, f"guess{i}@x.test", "wrong password").status_code for i in range(21)]
    # 20/m/ip on the login view; the 21st answers 429.
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


@redis_unreachable()
def test_it_keeps_values_in_the_database_cache_while_redis_is_unreachable(db):
    cache.set("greeting", "hola", 60)
    assert cache.get("greeting") == "hola"
    assert cache.add("greeting", "other") is False
    assert cache.add("counter", 1) is True
    assert cache.incr("counter") == 2
    assert cache.get("counter") == 2


def test_it_skips_redis_for_a_few_seconds_after_a_failure(db, monkeypatch):
    outage = TolerantRedisCache(
        "redis://127.0.0.1:1/15", {"FALLBACK": "database", "RETRY_AFTER": 30}
    )
    monkeypatch.delitem(miiwrap_cache._skip_redis_until, outage._location, raising=False)
    attempts = []
    real_get = outage._cache.get

    def counting_get(*args, **kwargs):
        attempts.append(1)
        return real_get(*args, **kwargs)

    monkeypatch.setattr(outage._cache, "get", counting_get)
    assert outage.get("x", "miss") == "miss"
    assert outage.get("x", "miss") == "miss"
    assert len(attempts) == 1
    monkeypatch.setitem(miiwrap_cache._skip_redis_until, outage._location, time.monotonic() - 1)
    outage.get("x")
    assert len(attempts) == 2
