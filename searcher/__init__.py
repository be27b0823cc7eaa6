"""remarks as a library: index a folder of transcripts, then search and browse it.

    import searcher
    searcher.index_corpus(Path("corpus"), Path("index"))
    with searcher.open_index(Path("index")) as index:
        index.search("pension abroad", searcher.Filters(speaker="putin"))

Everything a script needs is importable from here, and these names are stable: building
(`index_corpus`, `add_transcripts`, `check_index`), reading (`open_index` → `Index` with
`search`, `turn`, `show`, `answer_to`, `transcript`, `speakers`, `topics`, `stats`, `quote`,
`terms`, `kwic`),
`Filters`, the result types, and the error types (each with a `message` and a `hint`).
Names are loaded on first use, so `import searcher` costs nothing.

    searcher/       the library: search, ranking, snippets, browse, topics (this package)
    searcher/app    the command line (`remarks`) and the web app (`remarks serve`)
"""

from importlib import import_module
from typing import TYPE_CHECKING

_EXPORTS = {
    # building and checking
    "index_corpus": "indexer",
    "add_transcripts": "indexer",
    "check_index": "indexer",
    "IndexReport": "indexer",
    "IndexCheck": "indexer",
    # reading
    "open_index": "searcher.api",
    "Index": "searcher.api",
    "Filters": "searcher.query",
    "SearchResult": "searcher.search",
    "TurnRecord": "searcher.hits",
    "TurnInContext": "searcher.browse",
    "SpeakerSummary": "searcher.browse",
    "IndexStats": "searcher.browse",
    "TopicSummary": "searcher.topics",
    "Trend": "searcher.trends",
    "ExchangeResult": "searcher.exchanges",
    "ExchangeHit": "searcher.exchanges",
    "TurnGroup": "searcher.ordering",
    "RankingConfig": "searcher.ranking",
    "QuoteResult": "searcher.quotes",
    "QuoteMatch": "searcher.quotes",
    "KeyTerms": "searcher.keyness",
    "KeyTerm": "searcher.keyness",
    "Concordance": "searcher.kwic",
    "KwicLine": "searcher.kwic",
    # errors
    "RemarksError": "indexer.errors",
    "UsageError": "indexer.errors",
    "CorpusError": "indexer.errors",
    "TranscriptError": "indexer.errors",
    "IndexMissingError": "indexer.errors",
    "IndexUnreadableError": "indexer.errors",
    "IndexDamagedError": "indexer.errors",
    "IndexLockedError": "indexer.errors",
    "DiskFullError": "indexer.errors",
    "UnknownTurnError": "indexer.errors",
    "UnknownTranscriptError": "indexer.errors",
    "QueryTooCostlyError": "indexer.errors",
    "SearchCancelledError": "indexer.errors",
    "AddError": "indexer.errors",
    "BuildError": "indexer.errors",
}

if TYPE_CHECKING:  # the same names, eagerly, for the type checker
    from indexer import IndexCheck, IndexReport, add_transcripts, check_index, index_corpus
    from indexer.errors import (
        AddError,
        BuildError,
        CorpusError,
        DiskFullError,
        IndexDamagedError,
        IndexLockedError,
        IndexMissingError,
        IndexUnreadableError,
        QueryTooCostlyError,
        RemarksError,
        SearchCancelledError,
        TranscriptError,
        UnknownTranscriptError,
        UnknownTurnError,
        UsageError,
    )
    from searcher.api import Index, open_index
    from searcher.browse import IndexStats, SpeakerSummary, TurnInContext
    from searcher.exchanges import ExchangeHit, ExchangeResult
    from searcher.hits import TurnRecord
    from searcher.keyness import KeyTerm, KeyTerms
    from searcher.kwic import Concordance, KwicLine
    from searcher.ordering import TurnGroup
    from searcher.query import Filters
    from searcher.quotes import QuoteMatch, QuoteResult
    from searcher.ranking import RankingConfig
    from searcher.search import SearchResult
    from searcher.topics import TopicSummary
    from searcher.trends import Trend

__all__ = [
    "AddError",
    "BuildError",
    "Concordance",
    "CorpusError",
    "DiskFullError",
    "ExchangeHit",
    "ExchangeResult",
    "Filters",
    "Index",
    "IndexCheck",
    "IndexDamagedError",
    "IndexLockedError",
    "IndexMissingError",
    "IndexReport",
    "IndexStats",
    "IndexUnreadableError",
    "KeyTerm",
    "KeyTerms",
    "KwicLine",
    "QueryTooCostlyError",
    "QuoteMatch",
    "QuoteResult",
    "RankingConfig",
    "RemarksError",
    "SearchCancelledError",
    "SearchResult",
    "SpeakerSummary",
    "TopicSummary",
    "TranscriptError",
    "Trend",
    "TurnGroup",
    "TurnInContext",
    "TurnRecord",
    "UnknownTranscriptError",
    "UnknownTurnError",
    "UsageError",
    "add_transcripts",
    "check_index",
    "index_corpus",
    "open_index",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'searcher' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
