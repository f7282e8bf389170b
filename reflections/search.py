"""Full-text search over reflections, in English and Spanish (PostgreSQL).

Each reflection keeps one vector of its words under both the English and the Spanish
configuration, so "families" finds "family" and "familias" finds "familia". A search
only ever narrows a queryset the caller got from the access layer: it never widens who
sees what."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import QuerySet

from reflections.models import Reflection

FIELDS = ("worked", "drifted", "try_next", "answer")
CONFIGS = ("english", "spanish")
QUERY_MAX = 200


def search_vector() -> SearchVector:
    vector = None
    for config in CONFIGS:
        part = SearchVector(*FIELDS, config=config)
        vector = part if vector is None else vector + part
    return vector


def reflections_index(queryset: QuerySet[Reflection]) -> int:
    """Write the search vector of these reflections (one UPDATE)."""
    return queryset.update(search=search_vector())


def reflections_matching(visible: QuerySet[Reflection], words: str) -> QuerySet[Reflection]:
    """The reflections of `visible` that match `words` (web-search syntax: quotes, or,
    -not), best match first. Empty words match nothing."""
    words = (words or "").strip()[:QUERY_MAX]
    if not words:
        return visible.none()
    query = None
    for config in CONFIGS:
        part = SearchQuery(words, config=config, search_type="websearch")
        query = part if query is None else query | part
    return (
        visible.filter(search=query)
        .annotate(rank=SearchRank("search", query))
        .order_by("-rank", "-created_at", "-id")
    )
