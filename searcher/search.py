"""`search()` ↔ `remarks search`: ranked, filtered, paged hits with snippets."""

import dataclasses
import math
from dataclasses import dataclass

from whoosh import query as q
from whoosh import sorting

from indexer.errors import UsageError
from searcher.hits import TurnRecord, record_from_fields
from searcher.query import Filters, clean_query, make_filter, parse_query
from searcher.session import TurnIndex
from searcher.snippets import make_snippet
from searcher.spelling import suggest

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

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "limit": self.limit,
            "hits": [h.to_json() for h in self.hits],
            "suggestion": self.suggestion,
        }


def search(
    index: TurnIndex, query: str, filters: Filters | None = None, limit: int = 10, page: int = 1
) -> SearchResult:
    """Return one page of the turns that match `query` and `filters`, best first.

    With no query but some filters, every turn the filters allow is returned, newest first.
    """
    filters = filters or Filters()
    if limit < 1 or limit > MAX_LIMIT:
        raise UsageError(f"--limit {limit} is out of range.", f"Use 1 to {MAX_LIMIT}.")
    if page < 1:
        raise UsageError(f"--page {page} is out of range.", "Pages are numbered from 1.")
    text = clean_query(query)
    parsed = parse_query(index.parser, text)
    filter_query = make_filter(filters)
    searcher = index.searcher
    if parsed is q.NullQuery and filter_query is None:
        return SearchResult(text, 0, page, limit, [], None)
    if parsed is q.NullQuery or isinstance(parsed, q.Every):
        results = searcher.search_page(
            filter_query or q.Every(), page, pagelen=limit, sortedby=NEWEST_FIRST
        )
    else:
        results = searcher.search_page(parsed, page, pagelen=limit, filter=filter_query)
    terms = _term_weights(parsed, searcher)
    hits = []
    offset = (page - 1) * limit
    for i, hit in enumerate(results):
        record = record_from_fields(hit.fields())
        snippet = make_snippet(record.text, terms)
        score = hit.score if isinstance(hit.score, int | float) else 0.0
        hits.append(
            dataclasses.replace(
                record,
                snippet=snippet.text,
                highlights=snippet.highlights,
                rank=offset + i + 1,
                score=float(score),
            )
        )
    total = results.total
    suggestion = suggest(searcher, text) if text else None
    return SearchResult(text, total, page, limit, hits, suggestion)


def _term_weights(parsed: q.Query, searcher) -> dict[str, float]:
    """Return the stemmed text terms of a query (wildcards expanded), weighted by rarity."""
    reader = searcher.reader()
    try:
        terms = parsed.existing_terms(reader, phrases=True, expand=True)
    except Exception:  # An expansion over a huge vocabulary must not break the snippet.
        terms = set()
    weights = {}
    n = max(reader.doc_count(), 1)
    for fieldname, term in terms:
        if fieldname != "text":
            continue
        word = term.decode("utf-8") if isinstance(term, bytes) else term
        df = reader.doc_frequency(fieldname, word)
        weights[word] = math.log(1 + n / (df + 1))
    return weights
