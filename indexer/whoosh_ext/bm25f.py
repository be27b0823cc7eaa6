"""BM25F proper: a word's occurrences in several fields scored as one field.

Whoosh's `BM25F` scores each field on its own (a word in the title and in the text is two
BM25 scores added, each saturating separately), and a query over several fields is an `Or`
of per-field terms. Real BM25F (Robertson, Zaragoza & Taylor 2004) first combines the fields:
the word's frequency is the weighted sum of its frequency in each field, the length is the
weighted sum of the field lengths, and one saturation and one idf (over the turns holding
the word in any of the fields) apply. A title word then counts like `weight` words of text:
what made short, titled documents (CACM, ADI) rank as well as engines that index title and
text as one field, without giving up the separate title field (benchmarks/loco.py).

`FieldsTerm` is that query node. It is an `Or` of its per-field terms, so everything that
walks a query tree (snippets, counting, matching) sees the words; the block scorer
(`block_scoring.py`) scores it from the posting blocks, and Whoosh's own search path gets the
same scores through `matcher()` (tested equal).
"""

import re
import weakref
from collections.abc import Iterable
from functools import lru_cache
from math import log

from whoosh import query as q
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from indexer.whoosh_ext.blocks import Within, global_docs, kept, posting_blocks
from indexer.whoosh_ext.fixes import length_bytes

_COUNTS_KEPT = 4096  # words whose count of turns a reader keeps for filtered searches


class FieldsTerm(q.Or):
    """One word searched in several fields scored together (BM25F), each field's
    occurrences counting `weights[field]` times."""

    def __init__(self, text: str, weights: dict[str, float], boost: float = 1.0) -> None:
        super().__init__([q.Term(f, text) for f in weights], boost=boost)
        self.text = text
        self.weights = dict(weights)
        self._scored: tuple = (None, {})  # (searcher, its scores): one computation per search

    def __repr__(self) -> str:
        return f"FieldsTerm({self.text!r}, {self.weights!r}, boost={self.boost})"

    def __eq__(self, other) -> bool:
        return (
            type(other) is FieldsTerm
            and self.text == other.text
            and self.weights == other.weights
            and self.boost == other.boost
        )

    def __hash__(self) -> int:
        return hash((self.text, tuple(sorted(self.weights.items())), self.boost))

    def copy(self) -> "FieldsTerm":
        return FieldsTerm(self.text, self.weights, self.boost)

    def with_boost(self, boost: float) -> "FieldsTerm":
        return FieldsTerm(self.text, self.weights, boost)

    def normalize(self) -> "FieldsTerm":
        return self

    def apply(self, fn):
        return self

    def matcher(self, searcher, context=None):
        """Whoosh's search path: the scores `fields_scores` gives, for this segment."""
        top = searcher.parent() if searcher.parent else searcher
        offset = 0 if top is searcher else top._offset_for_subsearcher(searcher)
        # Whoosh asks once per segment; the scores are global, computed for the first.
        if self._scored[0] is None or self._scored[0]() is not top:
            scores = fields_scores(top, self.text, self.weights, self.boost)
            self._scored = (weakref.ref(top), scores)
        scores = self._scored[1]
        count = searcher.reader().doc_count_all()
        local = sorted((d - offset, s) for d, s in scores.items() if offset <= d < offset + count)
        if not local:
            return NullMatcher()
        return _ScoreList([d for d, _ in local], [s for _, s in local])


class _ScoreList(ListMatcher):
    """A matcher over precomputed (document, score) pairs."""

    def score(self) -> float:
        return self._weights[self._i]

    def supports_block_quality(self) -> bool:
        return False


def fields_scores(
    searcher,
    text: str,
    weights: dict[str, float],
    boost: float = 1.0,
    within: list[Within] | None = None,
):
    """Score every live turn holding `text` in one of the fields (global document numbers):
    BM25 over the weighted sums of frequencies and lengths, BM25's idf over the turns holding
    the word in any field, the searcher's k1 and b. With `within` (a filter's turns per
    segment), only the turns it allows; the idf still counts every turn."""
    return fields_frequencies(searcher, text, weights, within).scores(boost)


class FieldsFrequencies:
    """A word's weighted frequency in the turns holding it in any of the fields (per
    segment), and how many live turns hold it: what `fields_scores` scores, gathered first so
    an and-query or a phrase scores only the turns that match it whole."""

    def __init__(self, searcher, leaves, text, weights, fields, frequencies, df) -> None:
        self.searcher = searcher
        self.leaves = leaves  # the searcher's (reader, base) pairs
        self.text = text
        self.weights = weights
        self.fields = fields
        self.frequencies: list[dict[int, float]] = frequencies  # per segment, local numbers
        self.df = df

    def docs(self) -> set[int]:
        """The turns found (global document numbers)."""
        return global_docs(self.frequencies, self.leaves)

    def scores(
        self, boost: float = 1.0, only: list[Within] | None = None, subset: bool = False
    ) -> dict[int, float]:
        """The turns' scores (of the turns in `only`, per segment, when given; `subset`:
        every turn in `only` is one of these, so as many are all of them)."""
        searcher, fields, weights, df = self.searcher, self.fields, self.weights, self.df
        if not df or not any(self.frequencies):
            return {}
        reader = searcher.reader()
        k1, b = searcher.weighting.K1, searcher.weighting.B
        live = searcher.live_doc_count() if hasattr(searcher, "live_doc_count") else None
        n = live if live is not None else reader.doc_count()
        if hasattr(searcher, "fields_doc_frequency"):  # one shard of several: the corpus's
            df = searcher.fields_doc_frequency(self.text, fields, df)
        idf = log(1 + (n - df + 0.5) / (df + 0.5))
        average = sum(weights[f] * (searcher.avg_field_length(f) or 0.0) for f in fields) or 1.0
        # norm = k1 * (1 - b + b * length / average), length the weighted sum of the fields'
        # lengths: a constant plus, per field, a term read from a table of its 256 length bytes.
        constant = k1 * (1 - b)
        per_byte = {f: _norm_table(k1, b, weights[f], average) for f in fields}
        factor = boost * idf * (k1 + 1)
        scores: dict[int, float] = {}
        for i, (leaf, base) in enumerate(self.leaves):
            frequency = self.frequencies[i]
            if not frequency:
                continue
            if only is not None:
                frequency = kept(frequency, only[i], subset)
            tables = [(per_byte[f], _length_table(leaf, f)) for f in fields]
            if len(tables) == 2:
                (first, lengths1), (second, lengths2) = tables
                scores.update(
                    {
                        base + d: factor
                        * tf
                        / (tf + constant + first[lengths1[d]] + second[lengths2[d]])
                        for d, tf in frequency.items()
                    }
                )
            else:
                scores.update(
                    {
                        base + d: factor
                        * tf
                        / (tf + constant + sum(t[lengths[d]] for t, lengths in tables))
                        for d, tf in frequency.items()
                    }
                )
        return scores


def fields_frequencies(
    searcher, text: str, weights: dict[str, float], within: list[Within] | None = None
) -> FieldsFrequencies:
    """Read the postings of `text` in the fields (of the turns `within` allows, per segment)
    for `FieldsFrequencies`."""
    reader = searcher.reader()
    schema = searcher.schema
    budget = getattr(searcher, "budget", None)
    if budget is not None:
        budget.check()
    leaves = list(reader.leaf_readers())
    fields = scored_fields(schema, weights)
    # The idf's count of turns: from the postings read for the scores when they are all read,
    # else from the terms dictionary when one field holds the word, else kept per reader once
    # counted by any search of the word (a filtered search then reads only the blocks
    # holding the filter's turns).
    counts = reader.__dict__.setdefault("_remarks_fields_df", {})
    known = None if within is None else counts.get((text, fields))
    if within is not None and known is None:
        known = _one_field_count(searcher, fields, text)
    seen: list[set[int]] | None = (
        None if within is None or known is not None else [set() for _ in leaves]
    )
    # Per segment: document in it → weighted frequency. A posting block's documents are
    # added at once (its first field's), or each added to (a later field's).
    frequencies: list[dict[int, float]] = [{} for _ in leaves]
    for fieldname in fields:
        field = schema[fieldname]
        try:
            btext = field.to_bytes(text)
        except ValueError:
            continue
        weight = weights[fieldname]
        for i, (leaf, _) in enumerate(leaves):
            if (fieldname, btext) not in leaf:
                continue
            frequency = frequencies[i]
            fresh = not frequency
            # With the count known, the blocks give the filter's turns only; else every
            # posting is read (for the count) and the filter's turns kept here.
            skip = None if within is None or seen is not None else within[i]
            keep = None if within is None or skip is not None else within[i].ids
            matcher = leaf._terms.matcher(fieldname, btext, field.format)
            for ids, tfs, _ in posting_blocks(matcher, skip):
                if seen is not None:
                    seen[i].update(ids)
                if weight != 1.0:
                    tfs = [weight * w for w in tfs]
                pairs: Iterable[tuple[int, float]] = zip(ids, tfs, strict=True)
                if keep is not None:
                    pairs = ((d, w) for d, w in pairs if d in keep)
                if fresh:
                    frequency.update(pairs)
                else:
                    get = frequency.get
                    for d, w in pairs:
                        frequency[d] = get(d, 0.0) + w
    for frequency, (leaf, _) in zip(frequencies, leaves, strict=True):
        if frequency and leaf.has_deletions():
            for d in leaf.deleted_docs_set:
                frequency.pop(d, None)
    if seen is not None:
        for ids, (leaf, _) in zip(seen, leaves, strict=True):
            if ids and leaf.has_deletions():
                ids.difference_update(leaf.deleted_docs_set)
        known = sum(len(ids) for ids in seen)
    df = sum(len(frequency) for frequency in frequencies) if known is None else known
    if (text, fields) not in counts:  # kept for a later filtered search of the word
        if len(counts) >= _COUNTS_KEPT:
            counts.clear()
        counts[(text, fields)] = df
    return FieldsFrequencies(searcher, leaves, text, weights, fields, frequencies, df)


def _one_field_count(searcher, fields: tuple[str, ...], text: str) -> int | None:
    """The live turns holding `text` when at most one of `fields` has it (from the terms
    dictionary, no postings read), else None (the turns holding it in several fields are
    counted from their postings)."""
    reader = searcher.reader()
    schema = searcher.schema
    holding = []
    for fieldname in fields:
        try:
            btext = schema[fieldname].to_bytes(text)
        except ValueError:
            continue
        if reader.doc_frequency(fieldname, btext):
            holding.append((fieldname, btext))
    if not holding:
        return 0
    if len(holding) > 1:
        return None
    fieldname, btext = holding[0]
    live = getattr(searcher, "shard_doc_frequency", None)  # remarks's searcher: live turns
    if live is not None:
        return live(fieldname, btext)
    return None if reader.has_deletions() else reader.doc_frequency(fieldname, btext)


@lru_cache(maxsize=256)
def _norm_table(k1: float, b: float, weight: float, average: float) -> list[float]:
    """A field's part of BM25's length norm for each of its 256 length bytes."""
    return [k1 * b * weight * byte_to_length(i) / average for i in range(256)]


def scored_fields(schema, weights: dict[str, float]) -> tuple[str, ...]:
    """The fields of a `FieldsTerm` that count: weighted, and scorable in this schema."""
    return tuple(f for f, w in weights.items() if w and f in schema and schema[f].scorable)


def fields_doc_count(reader, text: str, weights: dict[str, float]) -> int:
    """How many live turns hold `text` in any of the fields (a `FieldsTerm`'s df)."""
    found: set[tuple[int, int]] = set()
    schema = reader.schema
    for fieldname in scored_fields(schema, weights):
        try:
            btext = schema[fieldname].to_bytes(text)
        except ValueError:
            continue
        for i, (leaf, _) in enumerate(reader.leaf_readers()):
            if (fieldname, btext) not in leaf:
                continue
            deleted = leaf.deleted_docs_set if leaf.has_deletions() else ()
            ids = leaf.postings(fieldname, btext).all_ids()
            found.update((i, d) for d in ids if d not in deleted)
    return len(found)


def _length_table(leaf, fieldname: str) -> bytes:
    """One segment's stored length byte per document (as Whoosh's BM25F reads lengths;
    `length_bytes` keeps them with the segment)."""
    perdoc = getattr(leaf, "_perdoc", None)
    table = length_bytes(perdoc, fieldname) if perdoc is not None else None
    if table is None:
        count = leaf.doc_count_all()
        table = bytes(length_to_byte(leaf.doc_field_length(d, fieldname, 0)) for d in range(count))
    return table


def field_lengths(searcher, fieldname: str, at_most: int) -> dict[int, int]:
    """The turns whose `fieldname` is at most `at_most` words long (global document numbers
    → length, from the stored length bytes). Found once per reader and kept with it (a
    segment never changes): the dict is shared, not to be changed by the caller."""
    reader = searcher.reader()
    cache = reader.__dict__.setdefault("_remarks_short", {})
    key = (fieldname, at_most)
    found = cache.get(key)
    if found is not None:
        return found
    short = bytes(i for i in range(1, 256) if byte_to_length(i) <= at_most)
    found = {}
    if short:
        pattern = re.compile(b"[" + b"".join(re.escape(bytes([c])) for c in short) + b"]")
        for leaf, base in reader.leaf_readers():
            table = _length_table(leaf, fieldname)
            found.update(
                (base + m.start(), byte_to_length(table[m.start()]))
                for m in pattern.finditer(table)
            )
    cache[key] = found
    return found
