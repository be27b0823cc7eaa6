"""Facets: counts of the matching turns by speaker, role, topic and year, and by each speaker
attribute of the speaker table (`attr:party`, …)."""

from collections import Counter

from indexer.schema import ATTR_SEPARATOR
from searcher.hits import column_text

ATTR_FACET = "attr:"

FACET_SIZE = 20


def facet_counts(reader, docnums) -> dict[str, dict[str, int]]:
    """Count the given documents by speaker, role, topic and year (the biggest first)."""
    return count_facets(reader, docnums)[0]


def count_facets(
    reader, docnums, limit: int = FACET_SIZE
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Count the given documents by speaker, role, topic and year: the `limit` biggest
    speakers and roles (every topic and year), and how many values of each were left out."""
    speakers = reader.column_reader("speaker")
    roles = reader.column_reader("role")
    topics = reader.column_reader("topic_list")
    dates = reader.column_reader("date")
    attrs = reader.column_reader("attr_list") if "attr_list" in reader.schema else None
    by_attribute: dict[str, Counter[str]] = {}
    counts: dict[str, Counter[str]] = {
        "speaker": Counter(),
        "role": Counter(),
        "topic": Counter(),
        "year": Counter(),
    }
    for d in docnums:
        counts["speaker"][speakers[d]] += 1
        role = column_text(roles[d])
        if role:
            counts["role"][role] += 1
        for topic in column_text(topics[d]).split(","):
            if topic:
                counts["topic"][topic] += 1
        when = dates[d]
        if when:
            counts["year"][str(when.year)] += 1
        if attrs is not None:
            for pair in column_text(attrs[d]).split(ATTR_SEPARATOR):
                if pair:
                    name, _, value = pair.partition("=")
                    by_attribute.setdefault(ATTR_FACET + name, Counter())[value] += 1
    for name in sorted(by_attribute):
        counts[name] = by_attribute[name]
    return keep_facets(counts, limit)


def keep_facets(
    counts: dict[str, Counter[str]], limit: int = FACET_SIZE
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """The facets shown from full counts (also the counts of several shards added up): the
    `limit` biggest speakers, roles and attribute values, every topic and year; and how
    many values of each were left out."""
    kept = {
        "speaker": _biggest(counts.get("speaker", Counter()), limit),
        "role": _biggest(counts.get("role", Counter()), limit),
        "topic": _biggest(counts.get("topic", Counter())),
        "year": dict(sorted(counts.get("year", Counter()).items())),
    }
    for name in sorted(counts):
        if name.startswith(ATTR_FACET):
            kept[name] = _biggest(counts[name], limit)
    more = {name: len(counts.get(name, ())) - len(kept[name]) for name in kept}
    return kept, more


def _biggest(counts: Counter, n: int | None = None) -> dict[str, int]:
    """The `n` biggest counts, ties in name order (the same whatever order turns came in)."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n])
