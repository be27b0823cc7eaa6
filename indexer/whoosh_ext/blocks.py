"""A term's postings a block at a time, and a filter's turns per segment to skip blocks with.

Scoring (`block_scoring`, `bm25f`) and counting (`matches`) read a word's postings the same
way: one posting block (up to 128 turns) at a time, its document numbers and frequencies as
arrays, never a matcher step per turn. `posting_blocks` is that loop. Given the turns a filter
allows in the segment (`Within`), it skips every block whose range of document numbers holds
none of them without reading the block (a block's header gives its last document number, the
previous block's the first): a speaker's or a date range's turns cluster in their transcripts,
so a filtered search reads fewer blocks than the same search unfiltered, never more. Of a block
it reads, it yields the allowed turns only: when they are few against the block (the turns
still in the running when an and-query or a phrase scores its commoner words), each is looked
up in the block's sorted numbers, so the cost follows the allowed turns, not the postings.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import NullMatcherClass

# Allowed turns under one per this many postings of a block are each looked up in it
# (a binary search); more, and each posting is checked against the set.
_LOOKUP_RATIO = 6


class Within:
    """The turns of one segment a filter allows (local document numbers)."""

    __slots__ = ("_sorted", "ids")

    def __init__(self, ids: Iterable[int], ordered: bool = False) -> None:
        """`ordered`: `ids` are already sorted and distinct."""
        self._sorted = list(ids) if ordered else sorted(set(ids))
        self.ids = frozenset(self._sorted)

    def __len__(self) -> int:
        return len(self._sorted)

    def touches(self, after: int, last: int) -> bool:
        """Whether an allowed document number lies in `after` < d ≤ `last`."""
        i = bisect_right(self._sorted, after)
        return i < len(self._sorted) and self._sorted[i] <= last

    def span(self, after: int, last: int) -> tuple[int, int]:
        """Where the allowed document numbers `after` < d ≤ `last` lie in the sorted list."""
        return bisect_right(self._sorted, after), bisect_right(self._sorted, last)

    def places(self, ids, start: int, end: int) -> list[int]:
        """The places in `ids` (a block's sorted document numbers) of the allowed turns
        `start`:`end` of the sorted list (`span`)."""
        if (end - start) * _LOOKUP_RATIO < len(ids):
            found = []
            for d in self._sorted[start:end]:
                i = bisect_left(ids, d)
                if i < len(ids) and ids[i] == d:
                    found.append(i)
            return found
        keep = self.ids
        return [i for i, d in enumerate(ids) if d in keep]


def per_segment(allowed: Iterable[int], leaves: list, deleted: bool = True) -> list[Within]:
    """Split a set of global document numbers among the segments of `leaves` ((reader, base)
    pairs), without the segments' deleted turns (unless `deleted` is False)."""
    ordered = sorted(allowed)
    found = []
    for reader, base in leaves:
        start = bisect_left(ordered, base)
        end = bisect_left(ordered, base + reader.doc_count_all())
        local: Iterable[int] = (
            ordered[start:end] if base == 0 else (d - base for d in ordered[start:end])
        )
        if deleted and reader.has_deletions():
            gone = reader.deleted_docs_set
            local = (d for d in local if d not in gone)
        found.append(Within(local, ordered=True))
    return found


def global_docs(per_segment_docs: list, leaves: list) -> set[int]:
    """The global document numbers of the documents (dict keys or sets) found per segment of
    `leaves` ((reader, base) pairs)."""
    found: set[int] = set()
    for docs, (_, base) in zip(per_segment_docs, leaves, strict=True):
        found.update(docs if base == 0 else map(base.__add__, docs))
    return found


def kept(frequency: dict[int, float], allowed: Within, subset: bool) -> dict[int, float]:
    """The entries of one segment's `frequency` for the turns `allowed` holds. `subset`:
    every allowed turn is one of `frequency`'s, so as many as it holds are all of them."""
    if subset and len(allowed) == len(frequency):
        return frequency
    get = frequency.get
    return {d: f for d in allowed.ids if (f := get(d)) is not None}


def posting_blocks(
    matcher, within: Within | None = None, weights: bool = True, values: bool = False
) -> Iterator[tuple]:
    """Yield (document numbers, frequencies or None, values or None) for each posting block
    of a term in one segment (local document numbers, deleted turns included). With `within`,
    blocks holding no allowed turn are skipped unread, and of the others only the allowed
    turns come (deleted turns too, if allowed)."""
    if isinstance(matcher, NullMatcherClass):
        return
    if not isinstance(matcher, W3LeafMatcher):
        yield from _one_by_one(matcher, within, weights, values)
        return
    if within is not None and not within:
        return
    last = -1  # the last document number of the block before
    while matcher.is_active():
        start = end = 0
        if within is not None:
            start, end = within.span(last, matcher._maxid)
            if start == end:
                last = matcher._maxid
                matcher._next_block()
                continue
        matcher._read_ids()
        if weights:
            matcher._read_weights()
        if values:
            matcher._read_values()
        ids = matcher._ids
        found = (ids, matcher._weights if weights else None, matcher._values if values else None)
        if within is None or end - start == matcher._maxid - last:
            yield found  # every number in the block's range is allowed
        else:
            places = within.places(ids, start, end)
            yield tuple(None if part is None else [part[i] for i in places] for part in found)
        last = matcher._maxid
        matcher._next_block()


def _one_by_one(matcher, within, weights, values):
    ids, tfs, found = [], [], []
    while matcher.is_active():
        if within is None or matcher.id() in within.ids:
            ids.append(matcher.id())
            if weights:
                tfs.append(matcher.weight())
            if values:
                found.append(matcher.value())
        matcher.next()
    if ids:
        yield ids, tfs if weights else None, found if values else None
