"""The library API of remarks: what the command line and the web app call, and what scripts
use. These names are stable.

    from pathlib import Path
    import searcher

    searcher.index_corpus(Path("corpus"), Path("index"))
    with searcher.open_index(Path("index")) as index:
        result = index.search("pension abroad", searcher.Filters(speaker="putin"), limit=5)
        for hit in result.hits:
            print(hit.turn_id, hit.speaker, hit.date, hit.snippet)
        print(index.show(result.hits[0].turn_id, context=1).turn.text)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from searcher.browse import (
    IndexStats,
    SpeakerSummary,
    TurnInContext,
    answer_to,
    get_turn,
    index_stats,
    list_speakers,
    show_turn,
    transcript_turns,
)
from searcher.facets import FACET_SIZE
from searcher.hits import TurnRecord
from searcher.kwic import WIDTH, Concordance, concordance
from searcher.query import SEARCH_SECONDS, Filters
from searcher.ranking import DEFAULT, RankingConfig
from searcher.search import GROUP_SIZE, SearchResult, iter_hits, search
from searcher.session import TurnIndex
from searcher.trends import SPLIT_LIMIT, Trend, trend

# Exchanges, quotes, key terms, speaker pages and topics are imported by the calls that need
# them: a one-shot `remarks search` does not pay for them (issue 20: cold start).
if TYPE_CHECKING:
    from searcher.exchanges import ExchangeResult
    from searcher.keyness import KeyTerms
    from searcher.profiles import SpeakerProfile
    from searcher.quotes import QuoteResult
    from searcher.topics import TopicSummary


class Index:
    """An index opened for reading. It follows rebuilds and syncs of the index by itself.

    Not for several threads at once (Whoosh's searchers are not thread-safe): open one per
    thread, as `remarks serve` does.
    """

    def __init__(self, index_dir: Path, ranking: RankingConfig = DEFAULT) -> None:
        self.turns = TurnIndex(Path(index_dir), ranking)
        self._just_opened = True

    def _current(self) -> TurnIndex:
        """The open index, caught up with a rebuild or sync since it was last used."""
        if self._just_opened:
            self._just_opened = False
        else:
            self.turns.refresh()
        return self.turns

    @property
    def path(self) -> Path:
        return self.turns.index_dir

    def search(
        self,
        query: str = "",
        filters: Filters | None = None,
        *,
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
        """One page of the turns matching `query` and `filters`: best first, or by date
        (`sort`), or one entry per transcript (`group="transcript"`); see
        `searcher.search.search`."""
        return search(
            self._current(),
            query,
            filters,
            limit=limit,
            page=page,
            facets=facets,
            snippets=snippets,
            seconds=seconds,
            cancel=cancel,
            sort=sort,
            group=group,
            group_size=group_size,
            facet_limit=facet_limit,
        )

    def hits(
        self,
        query: str = "",
        filters: Filters | None = None,
        *,
        sort: str = "relevance",
        snippets: bool = True,
    ) -> Iterator[TurnRecord]:
        """Every matching turn in order, one at a time (exports of any size)."""
        return iter_hits(self._current(), query, filters, sort=sort, snippets=snippets)

    def exchanges(
        self, query: str, filters: Filters | None = None, *, limit: int = 10, page: int = 1
    ) -> ExchangeResult:
        """Question–answer exchanges as results, each scored as one text (see
        `searcher.exchanges`)."""
        from searcher.exchanges import search_exchanges

        return search_exchanges(self._current(), query, filters, limit, page)

    def trend(
        self,
        query: str = "",
        filters: Filters | None = None,
        *,
        by: str = "year",
        split: str | None = None,
        split_limit: int = SPLIT_LIMIT,
    ) -> Trend:
        """Matching turns per year, month or transcript, absolute and per 10,000 words."""
        return trend(self._current(), query, filters, by, split, split_limit)

    def quote(self, text: str, filters: Filters | None = None, *, limit: int = 5) -> QuoteResult:
        """The passages closest to a pasted quote, with a verdict (see `searcher.quotes`)."""
        from searcher.quotes import find_quote

        return find_quote(self._current(), text, filters, limit)

    def terms(
        self, query: str = "", filters: Filters | None = None, *, limit: int = 30
    ) -> KeyTerms:
        """The words and phrases distinctive of the turns selected (see `searcher.keyness`)."""
        from searcher.keyness import key_terms

        return key_terms(self._current(), query, filters, limit)

    def kwic(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        width: int = WIDTH,
        sort: str = "date",
        limit: int = 1000,
    ) -> Concordance:
        """Every occurrence of a word or phrase with its context (see `searcher.kwic`)."""
        return concordance(self._current(), query, filters, width, sort, limit)

    def speaker(self, name: str) -> SpeakerProfile:
        """A speaker's role history, transcripts, turns per year and distinctive terms."""
        from searcher.profiles import speaker_profile

        return speaker_profile(self._current(), name)

    def query_terms(self, query: str) -> frozenset[str]:
        """The index terms of a query's words (to highlight them in a text)."""
        from searcher.profiles import query_stems

        return query_stems(self._current(), query)

    def marks(self, text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
        """Where the words of `text` whose index term is one of `terms` are."""
        from searcher.profiles import marks

        return marks(text, terms, self._current())

    def turn(self, turn_id: str) -> TurnRecord:
        """One turn by its id (`UnknownTurnError` if there is none)."""
        return get_turn(self._current(), turn_id)

    def show(self, turn_id: str, context: int = 0, exchange: bool = False) -> TurnInContext:
        """A turn with `context` turns on each side, or with its whole exchange."""
        return show_turn(self._current(), turn_id, context, exchange)

    def answer_to(self, turn: TurnRecord) -> TurnRecord | None:
        """The reply to a turn: the next turn of its exchange by someone else, if any."""
        return answer_to(self.turns, turn)

    def transcript(self, transcript_id: str) -> list[TurnRecord]:
        """Every turn of one transcript, in order (empty if there is no such transcript)."""
        return transcript_turns(self._current(), transcript_id)

    def speakers(self) -> list[SpeakerSummary]:
        """Every speaker: roles, turns, transcripts; most turns first."""
        return list_speakers(self._current())

    def topics(self) -> list[TopicSummary]:
        """Every topic: turns and most frequent speakers."""
        from searcher.topics import list_topics

        return list_topics(self._current())

    def stats(self) -> IndexStats:
        """How many transcripts, turns and speakers, the date range and the size on disk."""
        return index_stats(self._current())

    def close(self) -> None:
        self.turns.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_index(
    index_dir: Path, ranking: RankingConfig = DEFAULT, scheduler: str | None = None
) -> Index:
    """Open the index at `index_dir` for reading (`IndexMissingError`, `IndexDamagedError`
    or `IndexUnreadableError`, each with a hint, when it cannot be). A sharded index
    (`remarks index --shards N`) is searched by the workers of the Dask scheduler at
    `scheduler`, or in this process without one (searcher/shards.py)."""
    from indexer import read_layout

    layout = read_layout(Path(index_dir))
    if layout is None:
        return Index(index_dir, ranking)
    from searcher.shards import ShardedIndex

    return ShardedIndex(index_dir, ranking, scheduler, layout)
