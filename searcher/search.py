"""`search()` ↔ `remarks search`: ranked, filtered, paged hits with snippets."""

import contextlib
import dataclasses
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from whoosh import query as q
from whoosh import sorting

from indexer.analysis import stem
from indexer.errors import UsageError
from indexer.schema import PHRASE_FIELD
from indexer.whoosh_ext.matches import matching_docs, rank
from searcher.facets import FACET_SIZE, count_facets
from searcher.hits import TurnRecord, record_from_fields
from searcher.ordering import (
    CorpusOrder,
    TurnGroup,
    by_date,
    by_relevance,
    check_order,
    group_by_transcript,
)
from searcher.query import (
    SEARCH_SECONDS,
    Filters,
    QueryBudget,
    check_filters,
    clean_query,
    make_filter,
    parse_query,
)
from searcher.ranking import (
    add_closeness,
    drop_function_words,
    search_together,
    weight_query_terms,
)
from searcher.session import TurnIndex
from searcher.snippets import Snippet, SnippetBudget, make_snippet
from searcher.spelling import suggest
from searcher.topics import resolve_topic, topic_query

MAX_LIMIT = 1000
GROUP_SIZE = 3  # turns shown per transcript when grouping
EXPORT_SECONDS = 600.0  # an export reads every match: a longer budget than a search
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
    sort: str = "relevance"
    group: str | None = None
    groups: list[TurnGroup] | None = None  # with `group`: this page's transcripts
    total_groups: int | None = None
    facets_more: dict[str, int] | None = None  # facet values left out, per facet

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
            data["facets_more"] = self.facets_more or {name: 0 for name in self.facets}
        if self.sort != "relevance":
            data["sort"] = self.sort
        if self.groups is not None:
            data["group"] = self.group
            data["total_groups"] = self.total_groups
            data["groups"] = [g.to_json() for g in self.groups]
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
    sort: str = "relevance",
    group: str | None = None,
    group_size: int = GROUP_SIZE,
    facet_limit: int = FACET_SIZE,
) -> SearchResult:
    """Return one page of the turns that match `query` and `filters`, best first.

    With no query but a topic, the turns are ranked by how strongly they are about the topic
    (turns tagged with it first). With no query but other filters, every turn the filters
    allow is returned, newest first. `sort` "date" (oldest first) or "-date" (newest first)
    orders every match by date instead, ties in corpus order. `group="transcript"` pages
    over transcripts instead of turns: each with its best `group_size` turns and how many more
    match there (`groups`, `total_groups`). `facets` adds counts of all matching turns by
    speaker, role, topic and year (the `facet_limit` biggest values; `facets_more` says how
    many were left out). `snippets=False` skips snippets (for evaluation runs). The search
    is bounded (see `QueryBudget`): wildcards, fuzzy words and ranges expand to at most
    `MAX_EXPANSIONS` words (the result then says it is partial), and a search running past
    `seconds` stops with `QueryTooCostlyError`. Setting `cancel` (from another thread) stops
    it with `SearchCancelledError`: the server does so when the client goes away.
    """
    check_page(sort, group, limit, page, group_size, facet_limit)
    prepared = prepare_search(index, query, filters, seconds, cancel)
    with bounded(index, prepared):
        return run_prepared(
            index, prepared, limit, page, facets, snippets, sort, group, group_size, facet_limit
        )


def check_page(
    sort: str, group: str | None, limit: int, page: int, group_size: int, facet_limit: int
) -> None:
    """Refuse a page of results that cannot be asked for (one index or several shards)."""
    check_order(sort, group)
    if limit < 1 or limit > MAX_LIMIT:
        raise UsageError(f"--limit {limit} is out of range.", f"Use 1 to {MAX_LIMIT}.")
    if page < 1:
        raise UsageError(f"--page {page} is out of range.", "Pages are numbered from 1.")
    if group_size < 1 or group_size > MAX_LIMIT:
        raise UsageError(f"--group-size {group_size} is out of range.", f"Use 1 to {MAX_LIMIT}.")
    if facet_limit < 1:
        raise UsageError(f"--facet-limit {facet_limit} is out of range.", "Use 1 or more.")


@contextlib.contextmanager
def bounded(index: TurnIndex, prepared: "_Prepared"):
    """Within the block, the searcher's scoring loops check this search's budget (its
    deadline and cancel signal); after it, no budget outlives the search."""
    index.searcher.budget = prepared.budget
    try:
        yield
    finally:
        index.searcher.budget = None


def all_matches(
    index: TurnIndex, prepared: "_Prepared", sort: str, empty_means_all: bool = False
) -> list[tuple[int, float]]:
    """`every_match` within the search's budget; an empty list when nothing matches."""
    with bounded(index, prepared):
        return every_match(index, prepared, sort, empty_means_all) or []


def iter_hits(
    index: TurnIndex,
    query: str,
    filters: Filters | None = None,
    sort: str = "relevance",
    snippets: bool = True,
    seconds: float = EXPORT_SECONDS,
) -> Iterator[TurnRecord]:
    """Yield every turn that matches, in order (ranked, or by date), with its rank, score and
    snippet: for exports of any size (no query and no filter: every turn). Memory holds the
    ranked document numbers, not the turns; each turn is read as it is yielded."""
    check_order(sort, None)
    prepared = prepare_search(index, query, filters, seconds, None)
    ordered = all_matches(index, prepared, sort, empty_means_all=True)
    searcher = index.searcher
    terms = term_weights(prepared.parsed, searcher) if snippets else {}
    for i, (docnum, score) in enumerate(ordered):
        # each turn's own snippet budget: an export has no page to share one
        yield _record(index, docnum, score, i + 1, terms, SnippetBudget(), snippets)


@dataclass
class _Prepared:
    text: str
    parsed: q.Query
    filters: Filters
    filter_query: q.Query | None
    budget: QueryBudget
    allowed: set[int] | None = None
    no_query: bool = False


def prepare_search(
    index,
    query: str,
    filters: Filters | None,
    seconds: float = SEARCH_SECONDS,
    cancel=None,
    check: bool = True,
) -> _Prepared:
    """Parse and bound a query, resolve its filters: what every kind of search starts from.
    `check=False` lets a filter value the index does not know match nothing (one shard of
    several, whose filters were checked against them all)."""
    filters = filters or Filters()
    if filters.topic:
        filters = dataclasses.replace(filters, topic=resolve_topic(index, filters.topic))
    text = clean_query(query)
    budget = QueryBudget(seconds=seconds, query=text, cancel=cancel)
    if check:
        check_filters(index, filters)
    parsed = parse_query(index.parser, text, budget)
    if parsed is not q.NullQuery:
        parsed = search_together(parsed, index.ranking)
        parsed = drop_function_words(parsed, text, index.ranking, index.analyzers)
    if index.ranking.query_term_frequency and parsed is not q.NullQuery:
        saturation = index.ranking.query_term_saturation
        parsed = weight_query_terms(parsed, text, index.analyzers, saturation)
    if parsed is not q.NullQuery:
        parsed = add_closeness(parsed, text, index.ranking, index.analyzers)
    filter_query = make_filter(filters, index.analyzers)
    prepared = _Prepared(text, parsed, filters, filter_query, budget)
    prepared.no_query = parsed is q.NullQuery or isinstance(parsed, q.Every)
    prepared.allowed = index.allowed_docs(filter_query)
    if prepared.no_query and filters.topic:
        prepared.parsed = topic_query(index, filters.topic)
        prepared.no_query = False
        prepared.allowed = index.allowed_docs(
            make_filter(dataclasses.replace(filters, topic=None), index.analyzers)
        )
    return prepared


def _nothing(prepared: _Prepared) -> bool:
    """True when nothing can match: no query and no filter, or a filter that allows no turn
    (Whoosh reads a filter that allows no turn as no filter at all)."""
    if prepared.parsed is q.NullQuery and prepared.filter_query is None:
        return True
    return prepared.allowed is not None and not prepared.allowed


def every_match(
    index, prepared: _Prepared, sort: str, empty_means_all: bool = False
) -> list[tuple[int, float]] | None:
    """Every matching turn with its score, in the requested order (None: nothing matches).
    With `empty_means_all`, no query and no filter means every turn (exports, trends)."""
    empty = prepared.parsed is q.NullQuery and prepared.filter_query is None
    if not (empty and empty_means_all) and _nothing(prepared):
        return None
    searcher = index.searcher
    order = CorpusOrder(searcher)
    if prepared.no_query:
        every = prepared.allowed
        if every is None:
            every = matching_docs(q.Every(), searcher)
        pairs = [(docnum, 0.0) for docnum in every]
        return by_date(pairs, order, newest_first=sort != "date")
    ranked = rank(searcher, prepared.parsed, searcher.doc_count_all() or 1, prepared.allowed)
    pairs = by_relevance(((d, float(s or 0.0)) for d, s in ranked.hits), order)
    if sort == "relevance":
        return pairs
    return by_date(pairs, order, newest_first=sort == "-date")


def _record(index, docnum, score, position, terms, reading, snippets) -> TurnRecord:
    searcher = index.searcher
    record = record_from_fields(searcher.stored_fields(docnum))
    snippet = (
        make_snippet(record.text, terms, budget=reading, analyzer=index.analyzers.text)
        if snippets
        else Snippet("", [])
    )
    score = score if isinstance(score, int | float) else 0.0
    return dataclasses.replace(
        record,
        snippet=snippet.text,
        highlights=snippet.highlights,
        rank=position,
        score=float(score),
    )


def run_prepared(
    index, prepared, limit, page, facets, snippets, sort, group, group_size, facet_limit
) -> SearchResult:
    """`search` once its arguments are checked and its query prepared."""
    searcher = index.searcher
    text, parsed, allowed, budget = (
        prepared.text,
        prepared.parsed,
        prepared.allowed,
        prepared.budget,
    )
    if prepared.parsed is q.NullQuery and prepared.filter_query is None:
        return SearchResult(text, 0, page, limit, [], None, sort=sort, group=group)
    if _nothing(prepared):
        return SearchResult(
            text,
            0,
            page,
            limit,
            [],
            suggest(searcher, text, index.vocabulary) if text else None,
            _no_facets() if facets else None,
            sort=sort,
            group=group,
            groups=[] if group else None,
            total_groups=0 if group else None,
        )
    offset = (page - 1) * limit
    matched = None
    groups = None
    total_groups = None
    positions: dict[int, int] = {}
    if sort != "relevance" or group:
        ordered = every_match(index, prepared, sort) or []
        matched = {docnum for docnum, _ in ordered}
        total = len(ordered)
        positions = {docnum: i + 1 for i, (docnum, _) in enumerate(ordered)}
        if group:
            every_group = group_by_transcript(ordered, CorpusOrder(searcher))
            total_groups = len(every_group)
            chosen = every_group[offset : offset + limit]
            page_hits = [pair for members in chosen for pair in members[:group_size]]
        else:
            page_hits = ordered[offset : offset + limit]
    elif prepared.no_query:
        results = searcher.search(
            q.Every(), limit=page * limit, sortedby=NEWEST_FIRST, filter=allowed
        )
        every = allowed if allowed is not None else matching_docs(q.Every(), searcher)
        page_hits = [(hit.docnum, hit.score) for hit in results[offset:]]
        matched = set(every)
        total = len(matched)
    else:
        ranked = rank(searcher, parsed, page * limit, allowed, matched=facets)
        page_hits, total, matched = ranked.hits[offset:], ranked.total, ranked.matched
    terms = term_weights(parsed, searcher)
    hits = []
    reading = SnippetBudget()
    for i, (docnum, score) in enumerate(page_hits):
        budget.check_cancelled()
        position = positions.get(docnum, offset + i + 1)
        hits.append(_record(index, docnum, score, position, terms, reading, snippets))
    if group:
        groups = []
        start = 0
        for members in chosen:
            shown = hits[start : start + min(group_size, len(members))]
            start += len(shown)
            lead = shown[0]
            groups.append(
                TurnGroup(lead.transcript, lead.title, lead.date, lead.place, len(members), shown)
            )
    suggestion = suggest(searcher, text, index.vocabulary) if text else None
    counts = more = None
    if facets:
        if matched is None:
            matched = set(searcher.docs_for_query(parsed))
            matched = matched if allowed is None else matched & allowed
        counts, more = count_facets(searcher.reader(), matched, facet_limit)
    return SearchResult(
        text,
        total,
        page,
        limit,
        hits,
        suggestion,
        counts,
        tuple(budget.notes),
        sort=sort,
        group=group,
        groups=groups,
        total_groups=total_groups,
        facets_more=more,
    )


def _no_facets() -> dict[str, dict[str, int]]:
    return {"speaker": {}, "role": {}, "topic": {}, "year": {}}


def term_weights(parsed: q.Query, searcher) -> dict[str, float]:
    """Return the stemmed text terms of a query (wildcards expanded), weighted by rarity."""
    reader = searcher.reader()
    # iter_all_terms sees through every wrapper; existing_terms expands wildcards and fuzzies.
    terms = {(f, t) for f, t in parsed.iter_all_terms(phrases=True)}
    # An expansion over a huge vocabulary must not break the snippet.
    with contextlib.suppress(Exception):
        terms |= parsed.existing_terms(reader, phrases=True, expand=True)
    weights = {}
    corpus = getattr(searcher, "corpus", None)  # one shard of several: the corpus's figures
    n = max(corpus.doc_count if corpus is not None else reader.doc_count(), 1)
    for fieldname, term in terms:
        if fieldname not in {"text", PHRASE_FIELD, "exact"}:
            continue
        word = term.decode("utf-8") if isinstance(term, bytes) else term
        df = (
            searcher.live_doc_frequency(fieldname, word)
            if corpus is not None
            else reader.doc_frequency(fieldname, word)
        )
        if not df:
            continue
        # Snippets mark words by their stems: an exact word marks its stem's forms too.
        weights[stem(word) if fieldname == "exact" else word] = math.log(1 + n / (df + 1))
    return weights
