"""Rank the top turns of a query and count exactly how many turns it matches.

A plain query is scored from its posting blocks (`block_scoring`), which gives every
match with its score. Otherwise Whoosh ranks, and its top-N collector prunes as it goes (it
skips blocks of postings, and narrows a union whose other words can no longer reach the top N
to the words that can): fast, but the count it keeps is then not the number of matching
turns. So a query of words joined by or / and / and-not is ranked with pruning and counted
apart, as sets: a word's postings are read a block of document numbers at a time into a set,
and or / and / and-not become union, intersection and difference. A query with a phrase or
a range is ranked and counted in one pass without pruning (a second pass to count a phrase
would cost as much as the first). Ties come out in corpus order (`top_scores`), not in
the order segments happen to hold them, so a rebuild and a sync rank alike.
"""

import heapq
from dataclasses import dataclass

from whoosh import query as q
from whoosh.collectors import FilterCollector, TopCollector
from whoosh.query.wrappers import ConstantScoreQuery

from indexer.whoosh_ext.block_scoring import block_scores
from indexer.whoosh_ext.blocks import posting_blocks


@dataclass(frozen=True)
class Ranked:
    """The top turns of a query, how many turns it matches, and which (when known)."""

    hits: list[tuple[int, float]]  # (document number, score), best first
    total: int
    matched: set[int] | None


def rank(
    searcher, query: q.Query, limit: int, allowed: set[int] | None, matched: bool = True
) -> Ranked:
    """Return the best `limit` turns `query` matches among `allowed` (None: all), and the
    exact number of matches (and which they are, when known, unless `matched` is False)."""
    scores = block_scores(query, searcher, allowed)
    if scores is not None:
        found = set(scores) if matched else None
        return Ranked(top_scores(scores, limit, searcher), len(scores), found)
    if _countable(query):
        results = searcher.search(query, limit=limit, filter=allowed)
        docs = matching_docs(query, searcher)
        if allowed is not None:
            docs &= allowed
        return Ranked(_pairs(results), len(docs), docs)
    top = TopCollector(limit, usequality=False, replace=0)  # no pruning: it counts every match
    collector = top if allowed is None else FilterCollector(top, allow=allowed)
    searcher.search_with_collector(query, collector)
    return Ranked(_pairs(collector.results()), top.total, None)


def top_scores(scores: dict[int, float], n: int, searcher=None) -> list[tuple[int, float]]:
    """The `n` best (document, score) pairs, equal scores in corpus order.

    Corpus order is the order of a clean build (transcript file path, then turn number);
    after a sync it is not the document order, which puts new and changed transcripts last.
    Without a searcher, equal scores come in document order (as Whoosh's).
    """
    if not scores:
        return []
    # The page's lowest score, then every turn scoring as much (more turns may share it
    # than the page holds: which of them make the page, corpus order decides).
    floor = heapq.nlargest(n, scores.values())[-1]
    candidates = [(-s, d) for d, s in scores.items() if s >= floor]
    if searcher is None or len(candidates) <= 1:
        best = sorted(candidates)[:n]
        return [(d, -s) for s, d in best]
    reader = searcher.reader()
    transcripts, seqs = reader.column_reader("transcript"), reader.column_reader("seq")
    best = sorted(candidates, key=lambda c: (c[0], transcripts[c[1]] + ".txt", seqs[c[1]]))[:n]
    return [(d, -s) for s, d in best]


def _pairs(results) -> list[tuple[int, float]]:
    # results[:], not list(results): list() asks len(), which counts every match again.
    return [(hit.docnum, hit.score) for hit in results[:]]


def _countable(node: q.Query) -> bool:
    if isinstance(node, q.Term | q.MultiTerm) or node is q.NullQuery:
        return True
    if isinstance(node, q.Or | q.And):
        return all(_countable(child) for child in node.subqueries)
    if isinstance(node, q.AndNot):
        return _countable(node.a) and _countable(node.b)
    return False


def matching_docs(query: q.Query, searcher) -> set[int]:
    """Return the global document numbers of the live turns `query` matches."""
    docs = _docs(query, searcher)
    for reader, base in searcher.reader().leaf_readers():
        if reader.has_deletions():
            docs.difference_update(base + d for d in reader.deleted_docs_set)
    return docs


def _docs(node: q.Query, searcher) -> set[int]:
    if isinstance(node, q.Term):
        return _term_docs(node.fieldname, node.text, searcher)
    if isinstance(node, q.MultiTerm):  # a wildcard or fuzzy word: the words it stands for
        expanded: set[int] = set()
        for text in node._btexts(searcher.reader()):
            expanded |= _term_docs(node.fieldname, text, searcher)
        return expanded
    if isinstance(node, q.Or):
        found: set[int] = set()
        for child in node.subqueries:
            found |= _docs(child, searcher)
        return found
    if isinstance(node, q.And) and node.subqueries:
        sets = sorted((_docs(child, searcher) for child in node.subqueries), key=len)
        return sets[0].intersection(*sets[1:])
    if isinstance(node, q.AndNot):
        return _docs(node.a, searcher) - _docs(node.b, searcher)
    if isinstance(node, q.NumericRange):
        # A date range: the index terms it covers (Whoosh's tiered terms), their turns read
        # from the posting blocks, not one matcher step per turn.
        compiled = node._compile_query(searcher.reader())
        if isinstance(compiled, ConstantScoreQuery):
            compiled = compiled.child
        return _docs(compiled, searcher)
    if node is q.NullQuery:
        return set()
    if isinstance(node, q.Every) and node.fieldname in (None, "*"):
        return set(range(searcher.reader().doc_count_all()))
    return set(searcher.docs_for_query(node))


def _term_docs(fieldname: str, text, searcher) -> set[int]:
    found: set[int] = set()
    for reader, base in searcher.reader().leaf_readers():
        if (fieldname, text) not in reader:
            continue
        # The raw postings (deleted turns included: they are removed once, at the end).
        btext = reader._text_to_bytes(fieldname, text)
        matcher = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
        _add_ids(matcher, base, found)
    return found


def _add_ids(matcher, base: int, found: set[int]) -> None:
    for ids, _, _ in posting_blocks(matcher, weights=False):
        found.update(ids if base == 0 else map(base.__add__, ids))
