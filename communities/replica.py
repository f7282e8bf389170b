"""Which reads may go to a read replica: the dashboards and their export mark theirs with
`dashboard_reads()`; miiwrap.db_routers sends them to the replica when one is configured
(DATABASE_REPLICA_URL). Here, at the bottom of the layers, so every app may mark reads."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_dashboard_reads = contextvars.ContextVar("dashboard_reads", default=False)


@contextmanager
def dashboard_reads() -> Iterator[None]:
    """Within this block, reads go to the replica (when there is one)."""
    token = _dashboard_reads.set(True)
    try:
        yield
    finally:
        _dashboard_reads.reset(token)


def reading_dashboards() -> bool:
    return _dashboard_reads.get()
