"""The default cache: Redis, and the database cache while Redis is unreachable.

Web requests must keep working when Redis is down (DESIGN.md), and so must the rate
limits that protect logins. allauth keeps its rate limits in the default cache and
takes a lock with `cache.add` first: a cache that merely degraded to a miss would fail
that lock and answer 429 to everybody, and one that pretended to succeed would drop
every limit. So while Redis is unreachable each call goes to the cache named by
`FALLBACK` (the database cache, whose table `miiwrap/migrations/0001` creates).

A short circuit breaker: after a failure this process skips Redis for `RETRY_AFTER`
seconds, so an outage costs one connection timeout every few seconds instead of one
per call. Counters written meanwhile stay in the database; when Redis is back, the
limits start again from what Redis held, which is at most one window of leniency.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)

# Redis location -> time.monotonic() until which it is not tried. Shared by the threads
# of a process (each thread has its own cache object).
_skip_redis_until: dict[str, float] = {}


class UnavailableCache(BaseCache):
    """What is left without a fallback: every key is a miss, every write fails."""

    def get(self, key, default=None, version=None):
        return default

    def get_many(self, keys, version=None):
        return {}

    def has_key(self, key, version=None):
        return False

    def set(self, key, value, timeout=None, version=None):
        return None

    def set_many(self, data, timeout=None, version=None):
        return list(data)

    def add(self, key, value, timeout=None, version=None):
        return False

    def touch(self, key, timeout=None, version=None):
        return False

    def delete(self, key, version=None):
        return False

    def delete_many(self, keys, version=None):
        return None

    def incr(self, key, delta=1, version=None):
        raise ValueError(f"Key {key!r} not found (cache unavailable)")

    def clear(self):
        return None


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        self._fallback_alias: str | None = params.get("FALLBACK")
        self._retry_after: float = params.get("RETRY_AFTER", 5)

    @property
    def fallback(self) -> BaseCache:
        if self._fallback_alias is None:
            return UnavailableCache({})
        return caches[self._fallback_alias]

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= _skip_redis_until.get(self._location, 0.0):
            try:
                return getattr(super(), method)(*args, **kwargs)
            except _OUTAGE as error:
                _skip_redis_until[self._location] = time.monotonic() + self._retry_after
                log.warning(
                    "cache unavailable (%s: %s); using %s for %ss",
                    method,
                    error,
                    self._fallback_alias or "nothing",
                    self._retry_after,
                )
        return getattr(self.fallback, method)(*args, **kwargs)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def clear(self):
        return self._call("clear")
