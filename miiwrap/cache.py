"""A Redis cache that degrades to a miss when Redis is unreachable.

Web requests must keep working when Redis is down (DESIGN.md): a cache read becomes a
miss, a write is dropped, and the failure is logged once per call.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)


class TolerantRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except _OUTAGE:
            log.warning("cache unavailable: get %s", key)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except _OUTAGE:
            log.warning("cache unavailable: get_many")
            return {}

    def set(self, key, value, timeout=None, version=None):
        try:
            return super().set(key, value, timeout, version)
        except _OUTAGE:
            log.warning("cache unavailable: set %s", key)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except _OUTAGE:
            log.warning("cache unavailable: add %s", key)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except _OUTAGE:
            log.warning("cache unavailable: delete %s", key)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except _OUTAGE:
            log.warning("cache unavailable: incr %s", key)
            raise ValueError(f"Key {key!r} not found (cache unavailable)") from None
