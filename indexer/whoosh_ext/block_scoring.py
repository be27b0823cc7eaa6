"""Score a plain query straight from its posting blocks: Whoosh's BM25F, without its matchers.

Whoosh scores by walking a tree of matcher objects, several Python calls per posting per
word. A plain query — words (or wildcards) in scorable fields, joined by or / and / and-not,
with boosts — is scored here a block of postings at a time: each word gives a dict
turn → score with exactly Whoosh's BM25F formula (the same idf, average length and stored
length byte); or adds its children's scores, and adds them for the turns in every child,
and-not drops turns; a boost multiplies. An exact phrase in a positions field is scored here
too, as Whoosh scores it (the sum of its words' scores, for the turns where the words follow
each other). The result holds every matching turn, so the exact total comes with the ranking.
A word searched in several fields at once (`bm25f.FieldsTerm`) is scored there. A weighting
with a final step (`use_final`) must offer it for a whole dict (`final_scores`). Anything else
(sloppy phrases, ranges, exact fields such as `speaker`) returns None and is left to Whoosh.
Replaces Whoosh's matcher tree and collector for these queries; the scores are
Whoosh's own to 1e-12 (tests/test_block_scoring.py, against unpatched Whoosh), and ranking
with the exact count in one pass took warm searches at 30k turns from p50/p95 12.4/59.7 ms to
8.3/30.7 ms (benchmarks/scale.py, issue 6).
"""

import weakref
from collections.abc import Iterable

from whoosh import query as q
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from indexer.whoosh_ext.blocks import Within, global_docs, kept, per_segment, posting_blocks
from indexer.whoosh_ext.bm25f import (
    FieldsFrequencies,
    FieldsTerm,
    fields_frequencies,
    fields_scores,
)
from indexer.whoosh_ext.fixes import length_bytes

_CACHES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_FILTERS_KEPT = 8  # filters whose turns a searcher keeps split per segment (memory: a set each)


class _Unsupported(Exception):
    pass


def block_scores(
    query: q.Query, searcher, allowed: set[int] | None = None
) -> dict[int, float] | None:
    """Return the score of every turn `query` matches (global document numbers) among
    `allowed` (None: all), or None when the query is not one this module scores. The scores
    do not depend on `allowed`: a filter only leaves turns out (and the blocks that hold
    none of its turns unread)."""
    weighting = searcher.weighting
    if type(weighting).scorer is not BM25F.scorer or weighting._field_B:
        return None
    final = getattr(weighting, "final_scores", None)
    if weighting.use_final and final is None:
        return None
    try:
        scorer = _Scorer.of(searcher)
        scores = scorer.score(query, scorer.within(allowed))
    except _Unsupported:
        return None
    return final(searcher, scores) if final is not None and weighting.use_final else scores


class _Scorer:
    """Per-searcher state: leaf readers, stored length bytes and length norms per field."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.leaves = list(searcher.reader().leaf_readers())
        self.k1 = searcher.weighting.K1
        self.b = searcher.weighting.B
        self._lengths: dict[tuple[int, str], bytes] = {}
        self._norms: dict[str, list[float]] = {}
        # id of a filter's set → (the set, its turns per segment)
        self._within: dict[int, tuple[set[int], list[Within]]] = {}

    @classmethod
    def of(cls, searcher) -> "_Scorer":
        scorer = _CACHES.get(searcher)
        if scorer is None:
            scorer = _CACHES[searcher] = cls(searcher)
        return scorer

    def within(self, allowed: set[int] | None) -> list[Within] | None:
        """The turns of `allowed` per segment, kept for the latest filters (a session keeps
        one set per filter, so a filter is split once)."""
        if allowed is None:
            return None
        kept = self._within.get(id(allowed))
        if kept is not None and kept[0] is allowed:
            return kept[1]
        split = per_segment(allowed, self.leaves)
        if len(self._within) >= _FILTERS_KEPT:
            self._within.clear()
        self._within[id(allowed)] = (allowed, split)
        return split

    def score(self, node: q.Query, within: list[Within] | None = None) -> dict[int, float]:
        if isinstance(node, q.Term):
            return self._term(node.fieldname, node.text, node.boost, within)
        if isinstance(node, FieldsTerm):
            return fields_scores(self.searcher, node.text, node.weights, node.boost, within)
        if isinstance(node, q.MultiTerm) and not node.constantscore:
            expanded = q.Or(
                [q.Term(node.fieldname, t) for t in node._btexts(self.searcher.reader())],
                boost=node.boost,
            )
            return self.score(expanded, within)
        if isinstance(node, q.Or) and node.scale is None:
            parts = [self.score(child, within) for child in node.subqueries]
            scores = _union(sorted(parts, key=len, reverse=True))
            return _boosted(scores, node.boost)
        if isinstance(node, q.And) and node.subqueries:
            return _boosted(self._intersection(node.subqueries, within), node.boost)
        if isinstance(node, q.AndNot):
            scores = self.score(node.a, within)
            if scores:  # what is left out, among the turns matched
                scope = per_segment(scores, self.leaves, False)
                for d in _docs_of(self.score(node.b, scope)):
                    scores.pop(d, None)
            return scores
        if isinstance(node, q.Phrase) and node.slop == 1:
            return _boosted(self._phrase(node.fieldname, node.words, within), node.boost)
        if node is q.NullQuery:
            return {}
        raise _Unsupported(node)

    def _phrase(self, fieldname: str, words: list, within: list[Within] | None) -> dict[int, float]:
        """Turns with the words at consecutive positions, scored as Whoosh does: the sum of
        the words' scores (in the positions field). The words' counts are read first, the
        positions then for the turns holding every word only, and the scores computed for
        the turns with the phrase only."""
        if fieldname not in self.searcher.schema:
            return {}
        if not self.searcher.schema[fieldname].format.supports("positions"):
            raise _Unsupported(fieldname)
        if not words:
            return {}
        # Rarest word first: each further word is only read for the turns still in the
        # running, and when they are few (under one per 8 of its postings), its blocks
        # without one are left unread (100k synthetic turns: '"problem work"' 87 -> 46 ms;
        # with more candidates, splitting them per segment costs more than it saves).
        reader = self.searcher.reader()
        counts = [_df(reader, self.searcher.schema, fieldname, word) for word in words]
        order = sorted(range(len(words)), key=counts.__getitem__)
        parts: list[_FoundTerm | None] = [None for _ in words]
        common: set[int] | None = None
        for i in order:
            scope, among = within, common
            if common is not None and len(common) * 8 < counts[i]:
                scope, among = per_segment(common, self.leaves, False), None
            part = parts[i] = _FoundTerm(self, fieldname, words[i], 1.0, scope, among)
            common = part.docs() if common is None else common & part.docs()
            if not common:
                return {}
        assert common is not None  # `words` is not empty
        found = [part for part in parts if part is not None]
        if len(found) == 1:
            return found[0].scores()
        # The words' positions in the turns holding them all (only those values are read).
        holding = per_segment(common, self.leaves, False)
        values = [self._positions(fieldname, word, holding) for word in words]
        decode = self.searcher.schema[fieldname].format.decode_positions
        # Turns of one transcript share a title: the same posting values, checked once.
        checked: dict[tuple, bool] = {}
        hits = []
        if len(words) == 2:  # the common case, without the general loops
            first, second = values
            for d in common:
                key = (first[d], second[d])
                has = checked.get(key)
                if has is None:
                    follow = [p - 1 for p in decode(key[1])]
                    has = checked[key] = not set(decode(key[0])).isdisjoint(follow)
                if has:
                    hits.append(d)
        else:
            for d in common:
                row = tuple(v[d] for v in values)
                has = checked.get(row)
                if has is None:
                    has = checked[row] = _in_sequence([decode(value) for value in row])
                if has:
                    hits.append(d)
        if not hits:
            return {}
        # The words scored for the turns with the phrase only, summed in the phrase's order.
        only = per_segment(hits, self.leaves, False)
        scored = [part.scores(only, subset=True) for part in found]
        total = scored[0]
        for scores in scored[1:]:
            total = {d: s + scores[d] for d, s in total.items()}
        return total

    def _intersection(
        self, children: list[q.Query], within: list[Within] | None
    ) -> dict[int, float]:
        """The turns every child matches, their scores summed (in the query's order). The
        child with the fewest turns is read first; each other only for the turns still in
        the running, its blocks without one of them unread. Words are scored once the turns
        matching every child are known, and for those turns only."""
        order = sorted(range(len(children)), key=lambda i: self._estimate(children[i]))
        found: list[_Found | None] = [None for _ in children]
        common: set[int] | None = None
        for i in order:
            scope = within if common is None else per_segment(common, self.leaves, False)
            part = found[i] = self._gather(children[i], scope)
            common = part.docs() if common is None else common & part.docs()
            if not common:
                return {}
        assert common is not None  # `children` is not empty
        only = per_segment(common, self.leaves, False)
        parts = [part.scores(only, subset=True) for part in found if part is not None]
        total = parts[0]  # every part holds every common turn: summed in the query's order
        for scores in parts[1:]:
            total = {d: s + scores[d] for d, s in total.items()}
        return total

    def _gather(self, node: q.Query, within: list[Within] | None) -> "_Found":
        """Read a child of an and-query, scoring it later (words, words in several fields,
        and or-queries of them), or now (anything else)."""
        if isinstance(node, FieldsTerm):
            frequencies = fields_frequencies(self.searcher, node.text, node.weights, within)
            return _FoundFields(frequencies, node.boost)
        if isinstance(node, q.Term):
            return _FoundTerm(self, node.fieldname, node.text, node.boost, within)
        if isinstance(node, q.Or) and type(node) is q.Or and node.scale is None:
            return _FoundAny([self._gather(child, within) for child in node.subqueries], node.boost)
        return _FoundScores(self.score(node, within), self.leaves)

    def _estimate(self, node: q.Query) -> int:
        """At least as many turns as `node` matches, from the terms' counts (no postings
        read): what orders the children of an And."""
        reader = self.searcher.reader()
        if isinstance(node, q.Term):
            return _df(reader, self.searcher.schema, node.fieldname, node.text)
        if isinstance(node, q.Or) and not isinstance(node, q.MultiTerm):
            return sum(self._estimate(child) for child in node.subqueries)
        if isinstance(node, q.And) and node.subqueries:
            return min(self._estimate(child) for child in node.subqueries)
        if isinstance(node, q.Phrase) and node.words:
            schema = self.searcher.schema
            return min(_df(reader, schema, node.fieldname, w) for w in node.words)
        if isinstance(node, q.AndNot):
            return self._estimate(node.a)
        if node is q.NullQuery:
            return 0
        return reader.doc_count_all()

    def _term(
        self,
        fieldname: str,
        text,
        boost: float,
        within: list[Within] | None = None,
        only: set[int] | None = None,
    ) -> dict[int, float]:
        """Score every turn with the word (those a filter allows, per segment in `within`;
        and of those, the ones in `only`)."""
        return _FoundTerm(self, fieldname, text, boost, within, only).scores()

    def _positions(self, fieldname: str, word, within: list[Within]) -> dict[int, bytes]:
        """The word's posting values (positions) in the turns `within` holds, per segment."""
        field = self.searcher.schema[fieldname]
        btext = field.to_bytes(word) if isinstance(word, str) else word
        found: dict[int, bytes] = {}
        for i, (reader, base) in enumerate(self.leaves):
            if (fieldname, btext) not in reader:
                continue
            matcher = reader._terms.matcher(fieldname, btext, field.format)
            for ids, _, values in posting_blocks(matcher, within[i], weights=False, values=True):
                found.update(zip(_offset(ids, base), values, strict=True))
        return found

    def _norm(self, fieldname: str) -> list[float]:
        norms = self._norms.get(fieldname)
        if norms is None:
            avgfl = self.searcher.avg_field_length(fieldname) or 1
            k1, b = self.k1, self.b
            norms = [k1 * ((1 - b) + b * byte_to_length(i) / avgfl) for i in range(256)]
            self._norms[fieldname] = norms
        return norms

    def _lengths_of(self, i: int, reader, fieldname: str) -> bytes:
        key = (i, fieldname)
        lengths = self._lengths.get(key)
        if lengths is None:
            lengths = length_bytes(reader._perdoc, fieldname)
            if lengths is None:
                raise _Unsupported(fieldname)
            self._lengths[key] = lengths
        return lengths


class _Found:
    """A part of a query read but not yet scored: which turns it matches, and their scores
    once the turns the whole query matches are known (`only`, per segment)."""

    size = 0  # how many turns it matches

    def docs(self) -> set[int]:
        raise NotImplementedError

    def scores(self, only: list[Within] | None = None, subset: bool = False) -> dict[int, float]:
        """The scores of the turns in `only` (None: all). `subset`: every turn in `only` is
        one of this part's (then as many are all of them)."""
        raise NotImplementedError


class _FoundScores(_Found):
    """A part scored as it was read."""

    def __init__(self, scores: dict[int, float], leaves: list) -> None:
        self._scores = scores
        self._leaves = leaves
        self.size = len(scores)

    def docs(self) -> set[int]:
        return set(self._scores)

    def scores(self, only: list[Within] | None = None, subset: bool = False) -> dict[int, float]:
        if only is None:
            return self._scores
        get = self._scores.get
        return {
            d: s
            for ids, (_, base) in zip(only, self._leaves, strict=True)
            for d in map(base.__add__, ids.ids)
            if (s := get(d)) is not None
        }


class _FoundFields(_Found):
    """A word searched in several fields (`bm25f.FieldsFrequencies`)."""

    def __init__(self, frequencies: FieldsFrequencies, boost: float) -> None:
        self._frequencies = frequencies
        self._boost = boost
        self.size = sum(map(len, frequencies.frequencies))

    def docs(self) -> set[int]:
        return self._frequencies.docs()

    def scores(self, only: list[Within] | None = None, subset: bool = False) -> dict[int, float]:
        return self._frequencies.scores(self._boost, only, subset)


class _FoundAny(_Found):
    """An or-query of parts: a turn's score is the sum of its parts' (Whoosh's order)."""

    def __init__(self, parts: list[_Found], boost: float) -> None:
        # The order `_union` adds them in: the most turns first.
        self._parts = sorted(parts, key=lambda part: part.size, reverse=True)
        self._boost = boost
        self.size = sum(part.size for part in parts)

    def docs(self) -> set[int]:
        found: set[int] = set()
        for part in self._parts:
            found |= part.docs()
        return found

    def scores(self, only: list[Within] | None = None, subset: bool = False) -> dict[int, float]:
        # A turn of `only` is one of some part's, not of every part's.
        return _boosted(_union([part.scores(only) for part in self._parts]), self._boost)


class _FoundTerm(_Found):
    """A word in one field: its frequency in each turn holding it (per segment), read from
    the posting blocks (of the turns `within` allows; and of those, the ones in `only`)."""

    def __init__(
        self,
        scorer: "_Scorer",
        fieldname: str,
        text,
        boost: float,
        within: list[Within] | None = None,
        only: set[int] | None = None,
    ) -> None:
        searcher = scorer.searcher
        if fieldname not in searcher.schema or not searcher.schema[fieldname].scorable:
            raise _Unsupported(fieldname)
        self._scorer, self._fieldname, self._boost = scorer, fieldname, boost
        self.leaves = scorer.leaves
        self.frequencies: list[dict[int, float]] = [{} for _ in scorer.leaves]
        field = searcher.schema[fieldname]
        try:
            self._btext = btext = field.to_bytes(text) if isinstance(text, str) else text
        except ValueError:
            return
        if not any((fieldname, btext) in reader for reader, _ in scorer.leaves):
            return
        budget = getattr(searcher, "budget", None)
        if budget is not None:
            budget.check()
        for i, (reader, base) in enumerate(scorer.leaves):
            if (fieldname, btext) not in reader:
                continue
            matcher = reader._terms.matcher(fieldname, btext, field.format)
            if not isinstance(matcher, W3LeafMatcher):
                raise _Unsupported(fieldname)
            scorer._lengths_of(i, reader, fieldname)  # a field without lengths: Whoosh's
            allowed = None if within is None else within[i]
            # Deleted turns: a filter's turns leave them out already.
            deleted = reader.deleted_docs_set if allowed is None and reader.has_deletions() else ()
            frequency = self.frequencies[i]
            for ids, weights, _ in posting_blocks(matcher, allowed):
                pairs: Iterable[tuple[int, float]] = zip(ids, weights, strict=True)
                if deleted or only is not None:
                    pairs = (
                        (d, w)
                        for d, w in pairs
                        if not (deleted and d in deleted) and (only is None or base + d in only)
                    )
                frequency.update(pairs)
        self.size = sum(map(len, self.frequencies))

    def docs(self) -> set[int]:
        return global_docs(self.frequencies, self.leaves)

    def scores(self, only: list[Within] | None = None, subset: bool = False) -> dict[int, float]:
        """Whoosh's bm25(), term for term, then its boost wrapper."""
        scores: dict[int, float] = {}
        if not self.size:
            return scores
        scorer, fieldname, boost = self._scorer, self._fieldname, self._boost
        idf = scorer.searcher.idf(fieldname, self._btext)  # as Whoosh's scorer: cached per term
        k1p1 = scorer.k1 + 1
        norms = scorer._norm(fieldname)
        for i, (reader, base) in enumerate(self.leaves):
            frequency = self.frequencies[i]
            if not frequency:
                continue
            if only is not None:
                frequency = kept(frequency, only[i], subset)
            lengths = scorer._lengths_of(i, reader, fieldname)
            if boost == 1.0:
                scores.update(
                    {
                        base + d: idf * ((w * k1p1) / (w + norms[lengths[d]]))
                        for d, w in frequency.items()
                    }
                )
            else:
                scores.update(
                    {
                        base + d: idf * ((w * k1p1) / (w + norms[lengths[d]])) * boost
                        for d, w in frequency.items()
                    }
                )
        return scores


def _union(parts: list[dict[int, float]]) -> dict[int, float]:
    """The turns of any part, each with the sum of its scores, added in the parts' order
    (an or-query's parts, the most turns first). The parts are the caller's to give up."""
    parts = [part for part in parts if part]
    if not parts:
        return {}
    if len(parts) == 1:
        return parts[0]
    total = dict(parts[0])
    for part in parts[1:]:
        get = total.get
        for d, s in part.items():
            total[d] = get(d, 0.0) + s
    return total


def _df(reader, schema, fieldname: str, word) -> int:
    """How many turns hold the word in the field, deleted ones included (the terms
    dictionary's count; 0 for a field or word the index cannot hold)."""
    if fieldname not in schema:
        return 0
    try:
        btext = schema[fieldname].to_bytes(word) if isinstance(word, str) else word
    except ValueError:
        return 0
    return reader.doc_frequency(fieldname, btext)


def _offset(ids, base: int):
    return ids if base == 0 else [base + d for d in ids]


def _in_sequence(positions: list[list[int]]) -> bool:
    """Whether some position of the first word is followed by the second word, then the
    third…, one position apart."""
    starts = set(positions[0])
    for i, later in enumerate(positions[1:], start=1):
        starts.intersection_update([p - i for p in later])
        if not starts:
            return False
    return True


def _boosted(scores: dict[int, float], boost: float) -> dict[int, float]:
    if boost != 1.0:
        for d in scores:
            scores[d] *= boost
    return scores


def _docs_of(scores: dict[int, float]):
    return list(scores)
