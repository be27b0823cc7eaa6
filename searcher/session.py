"""An open index and a Whoosh searcher reused for every request in a process."""

import contextlib
from pathlib import Path

from whoosh import query as q
from whoosh.searching import Searcher

from indexer import OpenIndex, live_generation, open_index, whoosh_ext
from indexer.analysis import Analyzers, read_stem_table, use_stem_table
from indexer.ids import parse_turn_id
from indexer.whoosh_ext.matches import matching_docs
from searcher.query import make_parser, name_has_words, speaker_words
from searcher.ranking import DEFAULT, CorpusStats, RankingConfig, TranscriptBM25F, TurnSearcher

FILTER_CACHE_SIZE = 64


class TurnIndex:
    """A turn index opened for searching; reopens itself when a newer build is published."""

    def __init__(self, index_dir: Path, ranking: RankingConfig = DEFAULT) -> None:
        whoosh_ext.apply()
        self.index_dir = Path(index_dir)
        self.ranking = ranking
        self._open: OpenIndex | None = None
        self._searcher: Searcher | None = None
        self._wide: tuple[tuple, TurnSearcher] | None = None
        self._parser = None
        self._reopen()

    def _reopen(self) -> None:
        self.close()
        self._open = open_index(self.index_dir)
        use_stem_table(self._open.stem_table)
        self._searcher = self._new_searcher(closereader=True)
        self._wide = None
        self._filters: dict[str, set[int]] = {}
        self._speaker_words: list[tuple[str, list[str]]] | None = None
        schema = self._open.index.schema
        self._parser = make_parser(schema, self.ranking.fields)
        self.analyzers = Analyzers.of(schema)  # its stop list, whatever the defaults
        self._vocabulary: frozenset[str] | None = None

    def _new_searcher(self, closereader: bool) -> TurnSearcher:
        assert self._open is not None
        return TurnSearcher(
            self._open.reader,
            deleted_lengths=self._open.meta.get("deleted_lengths"),
            weighting=TranscriptBM25F(self.ranking),
            fromindex=self._open.index,
            closereader=closereader,
        )

    @contextlib.contextmanager
    def corpus_wide(self, corpus: CorpusStats):
        """Within the block, this index (one shard of several) scores with the statistics of
        the whole corpus (`corpus`, summed over the shards): searches give the scores one
        index over every shard's turns would. A second searcher over the same reader keeps
        the length norms of the corpus figures it was made for."""
        key = (corpus.doc_count, tuple(sorted(corpus.field_lengths.items())))
        if self._wide is None or self._wide[0] != key:
            self._wide = (key, self._new_searcher(closereader=False))
        wide = self._wide[1]
        wide.use_corpus(corpus)
        own = self._searcher
        self._searcher = wide
        try:
            yield
        finally:
            self._searcher = own
            wide.use_corpus(None)

    @property
    def vocabulary(self) -> frozenset[str]:
        """The words of this index (its stem table's words), for "did you mean": read on
        first use, and afresh when the index is reopened after a rebuild or sync."""
        if self._vocabulary is None:
            assert self._open is not None
            self._vocabulary = frozenset(read_stem_table(self._open.stem_table))
        return self._vocabulary

    def allowed_docs(self, query) -> set[int] | None:
        """Return the documents a filter query allows (None for no filter), computed once per
        filter and searcher: the same speaker or date range costs nothing the second time."""
        if query is None:
            return None
        key = repr(query)
        cache = self._filters
        if key not in cache:
            if len(cache) >= FILTER_CACHE_SIZE:
                cache.pop(next(iter(cache)))
            cache[key] = self._docs(query)
        return cache[key]

    def _docs(self, query) -> set[int]:
        # The parts of an And one by one: a filter that compares a column (an exact speaker
        # or transcript) lists its documents but has no matcher to combine.
        words = speaker_words(query)
        if words is not None:
            return self._speaker_docs(words)
        if isinstance(query, q.And):
            return set.intersection(*(self._docs(sub) for sub in query.subqueries))
        if isinstance(query, q.Term | q.MultiTerm | q.NumericRange):
            # Read from the posting blocks (a role's words, a topic, a date range): a block
            # of document numbers at a time, not one matcher step per turn.
            return matching_docs(query, self.searcher)
        return set(self.searcher.docs_for_query(query))

    def _speaker_docs(self, words: tuple[str, ...]) -> set[int]:
        # A partial name resolved once to the full names it stands for (from the index's
        # list of speakers), whose turns are read from the `speaker` field: the same turns as
        # the prefixes of the speaker's words, at a tenth of the cost.
        if self._speaker_words is None:
            self._speaker_words = [
                (name, [t.text for t in self.analyzers.names(name)])
                for name in self.searcher.reader().field_terms("speaker")
            ]
        names = [name for name, own in self._speaker_words if name_has_words(own, words)]
        return matching_docs(q.Or([q.Term("speaker", name) for name in names]), self.searcher)

    def turn_documents(self, turn_ids: list[str]) -> dict[str, int]:
        """The document number of each turn id the index holds (ids are stored, not indexed:
        a turn is its transcript's turn with that number). Ids it does not hold are left
        out."""
        wanted: dict[str, dict[int, str]] = {}
        for turn_id in turn_ids:
            parsed = parse_turn_id(turn_id)
            if parsed is not None:
                wanted.setdefault(parsed[0], {})[parsed[1]] = turn_id
        if not wanted:
            return {}
        seqs = self.searcher.reader().column_reader("seq")
        found = {}
        for transcript, numbers in wanted.items():
            for docnum in matching_docs(q.Term("transcript", transcript), self.searcher):
                asked = numbers.get(seqs[docnum])
                if asked is not None:
                    found[asked] = docnum
        return found

    def refresh(self) -> None:
        """Catch up with the index: a rebuilt generation, or a sync committed in place."""
        if (
            self._open is None
            or live_generation(self.index_dir) != self._open.path
            or not self.searcher.up_to_date()
        ):
            self._reopen()

    @property
    def searcher(self) -> Searcher:
        assert self._searcher is not None
        return self._searcher

    @property
    def parser(self):
        return self._parser

    @property
    def meta(self) -> dict:
        assert self._open is not None
        return self._open.meta

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None

    def __enter__(self) -> "TurnIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
