"""How hits are ranked: BM25F with BM25's idf, field weights, and query-term frequency.

The defaults were chosen on the Cranfield and CISI test collections (benchmarks/relevance.py,
README: Ranking quality), each collection checked against the other.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from math import log

from whoosh import query as q
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from indexer.analysis import Analyzers, default_analyzers
from indexer.schema import PHRASE_FIELD


@dataclass(frozen=True)
class RankingConfig:
    """The free parameters of ranking."""

    k1: float = 1.6
    b: float = 0.75
    # Fields a plain query searches, with their weight relative to the turn text. Roles are
    # left out: "head of … at a robotics factory" would make every "Thank you." by that
    # speaker a hit for "robots"; role:… and --role search them.
    fields: dict[str, float] = field(
        default_factory=lambda: {"text": 1.0, "speaker_name": 0.5, "title": 0.6}
    )
    bm25_idf: bool = True
    query_term_frequency: bool = True
    # Extra weight for turns with the words of a plain query close together (a sloppy phrase),
    # and for turns with all of them.
    proximity: float = 0.0
    proximity_slop: int = 8
    all_words: float = 0.5
    # A long question ("What problems are there in making up descriptive titles?") loses its
    # function words; a short query keeps every word ("your successor", "US sanctions").
    long_query_words: int = 8


DEFAULT = RankingConfig()


class TranscriptBM25F(BM25F):
    """Whoosh's BM25F, optionally with BM25's idf instead of Whoosh's TF-IDF-style one.

    Whoosh scores with idf = log(N / (df + 1)) + 1, which barely separates common from rare
    words; BM25's log(1 + (N - df + 0.5) / (df + 0.5)) does.
    """

    def __init__(self, config: RankingConfig) -> None:
        super().__init__(B=config.b, K1=config.k1)
        self.bm25_idf = config.bm25_idf

    def idf(self, searcher, fieldname, text):
        if not self.bm25_idf:
            return super().idf(searcher, fieldname, text)
        if isinstance(searcher, TurnSearcher):
            n, df = searcher.live_doc_count(), searcher.live_doc_frequency(fieldname, text)
        else:
            n, df = searcher.doc_count_all(), searcher.doc_frequency(fieldname, text)
        return log(1 + (n - df + 0.5) / (df + 0.5))


class TurnSearcher(Searcher):
    """Whoosh's searcher with BM25 statistics of the live turns only.

    A turn deleted by a sync stays in its segment until the segment is merged, and Whoosh
    still counts it in the number of turns, the number of turns with a word and the total
    length of each field. Here they count live turns, so an index kept up to date by syncs
    ranks as a clean build of the same files does (tested). Without deletions nothing changes.
    `deleted_lengths`: per segment id, per field, the lengths of the deleted turns (recorded
    by the sync that deleted them: indexer/storage/deletions.py).
    """

    budget = None  # the QueryBudget of the search under way (searcher/query.py), if any

    def __init__(self, reader, deleted_lengths: dict | None = None, **kwargs) -> None:
        super().__init__(reader, **kwargs)
        self._deleted_lengths = deleted_lengths or {}
        self._live_df: dict[tuple[str, bytes], int] = {}
        self._live_field_length: dict[str, int] = {}

    def live_doc_count(self) -> int:
        return self.reader().doc_count()

    def live_doc_frequency(self, fieldname: str, text) -> int:
        reader = self.reader()
        df = reader.doc_frequency(fieldname, text)
        if not df or not reader.has_deletions():
            return df
        key = (fieldname, text)
        if key not in self._live_df:
            ids = reader.postings(fieldname, text).all_ids()
            self._live_df[key] = sum(1 for d in ids if not reader.is_deleted(d))
        return self._live_df[key]

    def avg_field_length(self, fieldname, default=None):
        reader = self.reader()
        if not reader.has_deletions():
            return super().avg_field_length(fieldname, default)
        if not self.schema[fieldname].scorable:
            return default
        total = self._live_field_length.get(fieldname)
        if total is None:
            total = reader.field_length(fieldname)
            for leaf, _ in reader.leaf_readers():
                lengths = self._deleted_lengths.get(leaf.segment().segment_id(), {})
                total -= lengths.get(fieldname, 0)
            self._live_field_length[fieldname] = total
        return total / (reader.doc_count() or 1)


PLAIN_QUERY_RE = re.compile(r'["*~():]|\w\?\w|\b(?:AND|OR|NOT)\b')


def add_closeness(
    parsed: q.Query, text: str, config: RankingConfig, analyzers: Analyzers | None = None
) -> q.Query:
    """For a plain query of several words, reward turns with all of its content words (not
    "who", "will", "your"…), or with its words close together."""
    analyzers = analyzers or default_analyzers()
    if (not config.proximity and not config.all_words) or PLAIN_QUERY_RE.search(text):
        return parsed
    if isinstance(parsed, q.AndNot):
        return parsed
    words = [t.text for t in analyzers.names(text)]
    content = [w for w in dict.fromkeys(words) if w not in QUERY_STOP_WORDS]
    stems = list(dict.fromkeys(s for w in content for s in (t.text for t in analyzers.text(w))))
    if len(stems) < 2:
        return parsed
    extra: list[q.Query] = []
    if config.proximity:
        extra.append(
            q.Phrase(PHRASE_FIELD, stems, slop=config.proximity_slop, boost=config.proximity)
        )
    if config.all_words:
        extra.append(q.And([q.Term("text", s) for s in stems], boost=config.all_words))
    return q.Or([parsed, *extra])


# Function words dropped from long natural-language queries (the index keeps them, so a
# phrase or a short query can still use them).
QUERY_STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves""".split()
)


def drop_function_words(
    parsed: q.Query, text: str, config: RankingConfig, analyzers: Analyzers | None = None
) -> q.Query:
    """Drop function words from a long plain query, keeping at least one word."""
    analyzers = analyzers or default_analyzers()
    if not config.long_query_words or PLAIN_QUERY_RE.search(text):
        return parsed
    words = [t.text for t in analyzers.names(text)]
    if len(words) < config.long_query_words:
        return parsed
    stopped = {w for w in words if w in QUERY_STOP_WORDS}
    if not stopped or stopped >= set(words):
        return parsed
    stopped_stems = {stem for w in stopped for stem in (t.text for t in analyzers.text(w))}
    stopped_stems -= {t.text for w in set(words) - stopped for t in analyzers.text(w)}

    def keep(node: q.Query) -> bool:
        if not isinstance(node, q.Term):
            return True
        drop = stopped if node.fieldname == "speaker_name" else stopped_stems
        return node.text not in drop

    def prune(node: q.Query) -> q.Query:
        if isinstance(node, q.Or):
            kept = [prune(c) for c in node.subqueries if keep(c)]
            kept = [c for c in kept if c is not q.NullQuery]
            return q.Or(kept, boost=node.boost) if kept else q.NullQuery
        return node

    pruned = prune(parsed)
    return parsed if pruned is q.NullQuery else pruned


def weight_query_terms(parsed: q.Query, text: str, analyzers: Analyzers | None = None) -> q.Query:
    """Boost each term by how often the user's query repeats it.

    Whoosh's parser keeps one copy of a repeated word, so "fast flow … flow" weighs "flow"
    like any other word; BM25 counts query-term frequency.
    """
    analyzers = analyzers or default_analyzers()
    stems = Counter(t.text for t in analyzers.text(text))
    words = Counter(t.text for t in analyzers.names(text))
    if max(stems.values(), default=1) < 2 and max(words.values(), default=1) < 2:
        return parsed

    def boost(node: q.Query) -> q.Query:
        if isinstance(node, q.Term):
            counts = words if node.fieldname == "speaker_name" else stems
            times = counts.get(node.text, 1)
            if times > 1:
                node = node.copy()
                node.boost *= times
            return node
        if isinstance(node, q.Or | q.And):
            return type(node)([boost(c) for c in node.subqueries], boost=node.boost)
        if isinstance(node, q.AndNot):
            return q.AndNot(boost(node.a), node.b)
        return node

    return boost(parsed)
