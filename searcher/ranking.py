"""How hits are ranked: BM25F with BM25's idf, field weights, and query-term frequency.

The defaults were chosen by leave-one-collection-out over eight test collections and the
judged transcript queries (benchmarks/loco.py, README: Ranking quality): each collection's
score comes from the setting chosen on the others.
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
from indexer.whoosh_ext.bm25f import FieldsTerm, field_lengths
from searcher.query import as_written


@dataclass(frozen=True)
class RankingConfig:
    """The free parameters of ranking."""

    k1: float = 1.2
    b: float = 0.9
    # Fields a plain query searches, with their weight relative to the turn text. Roles are
    # left out: "head of … at a robotics factory" would make every "Thank you." by that
    # speaker a hit for "robots"; role:… and --role search them.
    fields: dict[str, float] = field(
        default_factory=lambda: {"text": 1.0, "speaker_name": 0.5, "title": 0.6}
    )
    # Fields a plain word is scored in as one (BM25F proper: indexer/whoosh_ext/bm25f.py),
    # each occurrence counting this many times; the weights in `fields` then apply to
    # phrases and wildcards only. Empty: each field scored on its own.
    together: dict[str, float] = field(default_factory=lambda: {"text": 1.0, "title": 3.0})
    bm25_idf: bool = True
    query_term_frequency: bool = True
    # A word repeated n times in the query weighs n·(k3 + 1)/(n + k3) (0: n).
    query_term_saturation: float = 8.0
    # A turn of fewer than `short_turn` words ("Abroad?", "Thank you.") has its score
    # multiplied by (words / short_turn) ** short_turn_power: it rarely answers a search.
    short_turn: int = 5
    short_turn_power: float = 0.5
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
        self.use_final = config.short_turn > 0
        self._short = [
            min(1.0, n / config.short_turn) ** config.short_turn_power if n else 1.0
            for n in range(config.short_turn + 1)
        ]

    def final(self, searcher, docnum, score):
        """Whoosh's last step for each hit: the short-turn factor."""
        length = searcher.doc_field_length(docnum, "text", 0) or 0
        return score * self._short[length] if length < len(self._short) else score

    def final_scores(self, searcher, scores: dict[int, float]) -> dict[int, float]:
        """`final` for every scored turn at once (the block scorer's path)."""
        short = self._short
        lengths = field_lengths(searcher, "text", len(short) - 1)
        # Only the scored turns that are short: a set intersection, not a pass over either.
        for docnum in lengths.keys() & scores.keys():
            scores[docnum] *= short[lengths[docnum]]
        return scores

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
    # The statistics of the whole corpus when this index is one shard of several
    # (searcher/shards.py): scores then are those of one index over every shard's turns.
    corpus: "CorpusStats | None" = None

    def __init__(self, reader, deleted_lengths: dict | None = None, **kwargs) -> None:
        super().__init__(reader, **kwargs)
        self._deleted_lengths = deleted_lengths or {}
        self._live_df: dict[tuple[str, bytes], int] = {}
        self._live_field_length: dict[str, int] = {}

    def use_corpus(self, corpus: "CorpusStats | None") -> None:
        """Score with the whole corpus's statistics from now on (None: this index's own)."""
        self.corpus = corpus
        self._idf_cache.clear()  # a word's figures may have changed since the last search

    def live_doc_count(self) -> int:
        if self.corpus is not None:
            return self.corpus.doc_count
        return self.reader().doc_count()

    def live_doc_frequency(self, fieldname: str, text) -> int:
        if self.corpus is not None:
            found = self.corpus.df.get((fieldname, as_bytes(text)))
            if found is not None:
                return found
        return self.shard_doc_frequency(fieldname, text)

    def shard_doc_frequency(self, fieldname: str, text) -> int:
        """The live turns of this index holding the word (whatever `corpus` says)."""
        reader = self.reader()
        df = reader.doc_frequency(fieldname, text)
        if not df or not reader.has_deletions():
            return df
        key = (fieldname, text)
        if key not in self._live_df:
            ids = reader.postings(fieldname, text).all_ids()
            self._live_df[key] = sum(1 for d in ids if not reader.is_deleted(d))
        return self._live_df[key]

    def fields_doc_frequency(self, text: str, fields: tuple[str, ...], here: int) -> int:
        """The turns holding a word in any of `fields` (`FieldsTerm`): `here` counts this
        index's; with `corpus`, the whole corpus's."""
        if self.corpus is None:
            return here
        return self.corpus.fields_df.get((text, fields), here)

    def avg_field_length(self, fieldname, default=None):
        if not self.schema[fieldname].scorable:
            return default
        if self.corpus is not None:
            return self.corpus.field_lengths.get(fieldname, 0) / (self.corpus.doc_count or 1)
        if not self.reader().has_deletions():
            return super().avg_field_length(fieldname, default)
        return self.live_field_length(fieldname) / (self.reader().doc_count() or 1)

    def live_field_length(self, fieldname: str) -> int:
        """The total length of a field over this index's live turns."""
        reader = self.reader()
        if not reader.has_deletions():
            return reader.field_length(fieldname)
        total = self._live_field_length.get(fieldname)
        if total is None:
            total = reader.field_length(fieldname)
            for leaf, _ in reader.leaf_readers():
                lengths = self._deleted_lengths.get(leaf.segment().segment_id(), {})
                total -= lengths.get(fieldname, 0)
            self._live_field_length[fieldname] = total
        return total


@dataclass(frozen=True)
class CorpusStats:
    """What BM25 needs from the whole corpus, summed over shards: live turns, total field
    lengths, and the turns holding each word of a query (per field, and per `FieldsTerm`)."""

    doc_count: int = 0
    field_lengths: dict[str, int] = field(default_factory=dict)
    df: dict[tuple[str, bytes], int] = field(default_factory=dict)
    fields_df: dict[tuple[str, tuple[str, ...]], int] = field(default_factory=dict)

    def __add__(self, other: "CorpusStats") -> "CorpusStats":
        return CorpusStats(
            self.doc_count + other.doc_count,
            _sum(self.field_lengths, other.field_lengths),
            _sum(self.df, other.df),
            _sum(self.fields_df, other.fields_df),
        )


def _sum(a: dict, b: dict) -> dict:
    total = dict(a)
    for key, value in b.items():
        total[key] = total.get(key, 0) + value
    return total


def as_bytes(text) -> bytes:
    return text.encode("utf-8") if isinstance(text, str) else text


PLAIN_QUERY_RE = re.compile(r'["*~:^=]|\w\?\w|\b(?:AND|OR|NOT)\b')


def is_plain(text: str) -> bool:
    """Whether a query is just words: no quotes, wildcards, fields or operators (brackets
    are only grouping). In a query written all in capitals, AND, OR and NOT are words."""
    return not PLAIN_QUERY_RE.search(as_written(text))


def search_together(parsed: q.Query, config: RankingConfig) -> q.Query:
    """Score each plain word of the `together` fields as one field (BM25F): the parser's
    Or(text:w, title:w^0.6, …) becomes Or(FieldsTerm(w, together), …)."""
    together = config.together
    if len(together) < 2 or "text" not in together:
        return parsed

    def rewrite(node: q.Query) -> q.Query:
        if isinstance(node, FieldsTerm):
            return node
        if isinstance(node, q.Or):
            children = [rewrite(c) for c in node.subqueries]
            words = {
                c.text: c
                for c in children
                if isinstance(c, q.Term) and c.fieldname == "text" and isinstance(c.text, str)
            }
            merged, kept = {}, []
            for c in children:
                if (
                    isinstance(c, q.Term)
                    and c.fieldname in together
                    and isinstance(c.text, str)
                    and c.text in words
                ):
                    if c.text not in merged:
                        boost = words[c.text].boost / (config.fields.get("text") or 1.0)
                        merged[c.text] = FieldsTerm(c.text, together, boost)
                        kept.append(merged[c.text])
                    continue
                kept.append(c)
            if len(kept) == 1 and not merged:
                return kept[0] if node.boost == 1.0 else node
            return q.Or(kept, boost=node.boost, minmatch=node.minmatch, scale=node.scale)
        if isinstance(node, q.And | q.AndMaybe | q.AndNot | q.Not):
            return node.apply(rewrite)
        return node

    return rewrite(parsed)


def add_closeness(
    parsed: q.Query, text: str, config: RankingConfig, analyzers: Analyzers | None = None
) -> q.Query:
    """For a plain query of several words, reward turns with all of its content words (not
    "who", "will", "your"…), or with its words close together."""
    analyzers = analyzers or default_analyzers()
    if (not config.proximity and not config.all_words) or not is_plain(text):
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
    if not config.long_query_words or not is_plain(text):
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
        if isinstance(node, FieldsTerm):
            return node.text not in stopped_stems
        if not isinstance(node, q.Term):
            return True
        drop = stopped if node.fieldname == "speaker_name" else stopped_stems
        return node.text not in drop

    def prune(node: q.Query) -> q.Query:
        if isinstance(node, q.Or) and not isinstance(node, FieldsTerm):
            kept = [prune(c) for c in node.subqueries if keep(c)]
            kept = [c for c in kept if c is not q.NullQuery]
            return q.Or(kept, boost=node.boost) if kept else q.NullQuery
        return node

    pruned = prune(parsed)
    return parsed if pruned is q.NullQuery else pruned


def weight_query_terms(
    parsed: q.Query, text: str, analyzers: Analyzers | None = None, saturation: float = 0.0
) -> q.Query:
    """Boost each term by how often the user's query repeats it (n times: n, or with
    `saturation` k3, n·(k3 + 1)/(n + k3), BM25's query-term saturation).

    Whoosh's parser keeps one copy of a repeated word, so "fast flow … flow" weighs "flow"
    like any other word; BM25 counts query-term frequency.
    """
    analyzers = analyzers or default_analyzers()
    stems = Counter(t.text for t in analyzers.text(text))
    words = Counter(t.text for t in analyzers.names(text))
    if max(stems.values(), default=1) < 2 and max(words.values(), default=1) < 2:
        return parsed

    def weight(times: int) -> float:
        return times * (saturation + 1) / (times + saturation) if saturation else times

    def boost(node: q.Query) -> q.Query:
        if isinstance(node, FieldsTerm):
            times = stems.get(node.text, 1)
            return node.with_boost(node.boost * weight(times)) if times > 1 else node
        if isinstance(node, q.Term):
            counts = words if node.fieldname == "speaker_name" else stems
            times = counts.get(node.text, 1)
            if times > 1:
                node = node.copy()
                node.boost *= weight(times)
            return node
        if isinstance(node, q.Or | q.And):
            return type(node)([boost(c) for c in node.subqueries], boost=node.boost)
        if isinstance(node, q.AndNot):
            return q.AndNot(boost(node.a), node.b)
        return node

    return boost(parsed)
