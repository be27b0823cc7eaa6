"""`search()` ↔ `remarks search`: ranked, filtered, paged hits with snippets."""

import contextlib
import dataclasses
import math
import threading
from dataclasses import dataclass

from whoosh import query as q
from whoosh import sorting

from indexer.errors import UsageError
from indexer.schema import PHRASE_FIELD
from indexer.whoosh_ext.matches import matching_docs, rank
from searcher.facets import facet_counts
from searcher.hits import TurnRecord, record_from_fields
from searcher.query import (
    SEARCH_SECONDS,
    Filters,
    QueryBudget,
    check_filters,
    clean_query,
    make_filter,
    parse_query,
)
from searcher.ranking import add_closeness, drop_function_words, weight_query_terms
from searcher.session import TurnIndex
from searcher.snippets import Snippet, SnippetBudget, make_snippet
from searcher.spelling import suggest
from searcher.topics import resolve_topic, topic_query

MAX_LIMIT = 1000
NEWEST_FIRST = sorting.MultiFacet(
    [
        sorting.FieldFacet("date", reverse=True),
        sorting.FieldFacet("transcript"),
        sorting.FieldFacet("seq"),
    ]
)


@dataclass(frozen=True)
class SearchResult:
    """One page of hits, the total number of matching turns, and a spelling suggestion."""

    query: str
    total: int
    page: int
    limit: int
    hits: list[TurnRecord]
    suggestion: str | None
    facets: dict[str, dict[str, int]] | None = None
    notes: tuple[str, ...] = ()  # why the result is partial (a cap on wildcards was hit)

    @property
    def partial(self) -> bool:
        return bool(self.notes)

    def to_json(self) -> dict:
        data = {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "limit": self.limit,
            "hits": [h.to_json() for h in self.hits],
            "suggestion": self.suggestion,
            "partial": self.partial,
        }
        if self.notes:
            data["message"] = "; ".join(self.notes) + "."
        if self.facets is not None:
            data["facets"] = self.facets
        return data


def search(
    index: TurnIndex,
    query: str,
    filters: Filters | None = None,
    limit: int = 10,
    page: int = 1,
    facets: bool = False,
    snippets: bool = True,
    seconds: float = SEARCH_SECONDS,
    cancel: threading.Event | None = None,
) -> SearchResult:
    """Return one page of the turns that match `query` and `filters`, best first.

    With no query but a topic, the turns are ranked by how strongly they are about the topic
    (turns tagged with it first). With no query but other filters, every turn the filters
    allow is returned, newest first. `facets` adds counts of all matching turns by speaker,
    role, topic and year. `snippets=False` skips snippets (for evaluation runs). The search
    is bounded (see `QueryBudget`): wildcards, fuzzy words and ranges expand to at most
    `MAX_EXPANSIONS` words (the result then says it is partial), and a search running past
    `seconds` stops with `QueryTooCostlyError`. Setting `cancel` (from another thread) stops
    it with `SearchCancelledError`: the server does so when the client goes away.
    """
    filters = filters or Filters()
    if filters.topic:
        filters = dataclasses.replace(filters, topic=resolve_topic(index, filters.topic))
    if limit < 1 or limit > MAX_LIMIT:
        raise UsageError(f"--limit {limit} is out of range.", f"Use 1 to {MAX_LIMIT}.")
    if page < 1:
        raise UsageError(f"--page {page} is out of range.", "Pages are numbered from 1.")
    text = clean_query(query)
    budget = QueryBudget(seconds=seconds, query=text, cancel=cancel)
    check_filters(index, filters)
    parsed = parse_query(index.parser, text, budget)
    if parsed is not q.NullQuery:
        parsed = drop_function_words(parsed, text, index.ranking, index.analyzers)
    if index.ranking.query_term_frequency and parsed is not q.NullQuery:
        parsed = weight_query_terms(parsed, text, index.analyzers)
    if parsed is not q.NullQuery:
        parsed = add_closeness(parsed, text, index.ranking, index.analyzers)
    filter_query = make_filter(filters, index.analyzers)
    searcher = index.searcher
    searcher.budget = budget  # read by the scoring loops; only for this search
    try:
        return _run(
            index, parsed, filter_query, filters, text, limit, page, facets, snippets, budget
        )
    finally:
        searcher.budget = None


def _run(index, parsed, filter_query, filters, text, limit, page, facets, snippets, budget):
    searcher = index.searcher
    if parsed is q.NullQuery and filter_query is None:
        return SearchResult(text, 0, page, limit, [], None)
    no_query = parsed is q.NullQuery or isinstance(parsed, q.Every)
    allowed = index.allowed_docs(filter_query)
    if allowed is not None and not allowed:
        # Whoosh reads a filter that allows no turn as no filter at all.
        return SearchResult(
            text,
            0,
            page,
            limit,
            [],
            suggest(searcher, text, index.vocabulary) if text else None,
            _no_facets() if facets else None,
        )
    offset = (page - 1) * limit
    matched = None
    if no_query and filters.topic:
        parsed = topic_query(index, filters.topic)
        allowed = index.allowed_docs(
            make_filter(dataclasses.replace(filters, topic=None), index.analyzers)
        )
    if no_query and not filters.topic:
        results = searcher.search(
            q.Every(), limit=page * limit, sortedby=NEWEST_FIRST, filter=allowed
        )
        every = allowed if allowed is not None else matching_docs(q.Every(), searcher)
        page_hits = [(hit.docnum, hit.score) for hit in results[offset:]]
        matched = set(every)
        total = len(matched)
    else:
        ranked = rank(searcher, parsed, page * limit, allowed)
        page_hits, total, matched = ranked.hits[offset:], ranked.total, ranked.matched
    terms = _term_weights(parsed, searcher)
    hits = []
    reading = SnippetBudget()
    for i, (docnum, score) in enumerate(page_hits):
        budget.check_cancelled()
        record = record_from_fields(searcher.stored_fields(docnum))
        snippet = (
            make_snippet(record.text, terms, budget=reading, analyzer=index.analyzers.text)
            if snippets
            else Snippet("", [])
        )
        score = score if isinstance(score, int | float) else 0.0
        hits.append(
            dataclasses.replace(
                record,
                snippet=snippet.text,
                highlights=snippet.highlights,
                rank=offset + i + 1,
                score=float(score),
            )
        )
    suggestion = suggest(searcher, text, index.vocabulary) if text else None
    counts = None
    if facets:
        if matched is None:
            matched = set(searcher.docs_for_query(parsed))
            matched = matched if allowed is None else matched & allowed
        counts = facet_counts(searcher.reader(), matched)
    return SearchResult(text, total, page, limit, hits, suggestion, counts, tuple(budget.notes))


def _no_facets() -> dict[str, dict[str, int]]:
    return {"speaker": {}, "role": {}, "topic": {}, "year": {}}


def _term_weights(parsed: q.Query, searcher) -> dict[str, float]:
    """Return the stemmed text terms of a query (wildcards expanded), weighted by rarity."""
    reader = searcher.reader()
    # iter_all_terms sees through every wrapper; existing_terms expands wildcards and fuzzies.
    terms = {(f, t) for f, t in parsed.iter_all_terms(phrases=True)}
    # An expansion over a huge vocabulary must not break the snippet.
    with contextlib.suppress(Exception):
        terms |= parsed.existing_terms(reader, phrases=True, expand=True)
    weights = {}
    n = max(reader.doc_count(), 1)
    for fieldname, term in terms:
        if fieldname not in ("text", PHRASE_FIELD):
            continue
        word = term.decode("utf-8") if isinstance(term, bytes) else term
        df = reader.doc_frequency(fieldname, word)
        if not df:
            continue
        weights[word] = math.log(1 + n / (df + 1))
    return weights
