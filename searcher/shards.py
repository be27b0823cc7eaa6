"""A sharded index searched as one: the same hits, scores, totals and facets as one index.

BM25 needs figures of the whole corpus: the number of turns, the average length of each
field, and how many turns hold each word. A shard scored with its own figures ranks
differently from one index (a word common in one shard and rare in another), so a search
runs in two phases, as Elasticsearch's dfs_query_then_fetch:

1. every shard reports its figures for the query (`query_stats`: live turns, total field
   lengths, the turns holding each word the query expands to), and they are added up;
2. every shard searches with the corpus's figures (`TurnIndex.corpus_wide`) and returns its
   best `page × limit` hits with snippets, its total, and full facet counts; the client
   merges them in the one index's order and cuts the page.

Totals and facets add up exactly, since every turn is in one shard. Showing a turn, its
context and its transcript asks the one shard holding the transcript. The shards run on a
Dask cluster (`Cluster`: each shard pinned to a worker, which keeps it open) or, without
one, in this process (`InProcess`).
"""

import bisect
import contextlib
import dataclasses
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import query as q

from indexer import ShardLayout, read_layout
from indexer.errors import ClusterError, IndexMissingError, UsageError
from indexer.whoosh_ext.bm25f import FieldsTerm, fields_doc_count, scored_fields
from searcher.api import Index
from searcher.browse import (
    IndexStats,
    SpeakerPart,
    SpeakerSummary,
    TurnInContext,
    get_turn,
    index_stats,
    show_turn,
    speaker_parts,
    summarize_speakers,
    transcript_turns,
)
from searcher.facets import FACET_SIZE, keep_facets
from searcher.hits import TurnRecord
from searcher.ordering import CorpusOrder
from searcher.profiles import marks, query_stems
from searcher.query import SEARCH_SECONDS, Filters, check_filters
from searcher.ranking import DEFAULT, CorpusStats, RankingConfig, as_bytes
from searcher.search import (
    GROUP_SIZE,
    SearchResult,
    bounded,
    check_page,
    every_match,
    prepare_search,
    run_prepared,
    term_weights,
)
from searcher.session import TurnIndex
from searcher.snippets import SnippetBudget, make_snippet
from searcher.topics import TopicSummary, summarize_topics, topic_parts

ALL_VALUES = 1 << 30  # a facet limit that keeps every value: the client cuts after merging
# What the shards and the client say to each other; a worker running another version of
# remarks is refused, not half understood.
PROTOCOL = 1


# ----------------------------------------------------------------- one shard (on a worker)


class Shard:
    """One shard opened for searching, kept between searches by whoever runs it (a Dask
    worker's keeper, or `InProcess`); one search at a time."""

    def __init__(self, folder: Path, ranking: RankingConfig) -> None:
        self.folder = Path(folder)
        self.ranking = ranking
        self._turns: TurnIndex | None = None
        self.lock = threading.Lock()

    def index(self) -> TurnIndex:
        if self._turns is None:
            self._turns = TurnIndex(self.folder, self.ranking)
        else:
            self._turns.refresh()
        return self._turns

    def call(self, what: str, args: tuple) -> Any:
        with self.lock:
            return SHARD_CALLS[what](self.index(), *args)

    def close(self) -> None:
        if self._turns is not None:
            self._turns.close()
            self._turns = None


@dataclass(frozen=True)
class ShardStats:
    """Phase one's answer from one shard: its figures, and for each part of the filters
    (speaker, role, transcript, each attribute) the error saying this shard has no such
    value, or None. A part no shard knows is refused, as one index refuses it."""

    corpus: CorpusStats
    filter_errors: tuple[UsageError | None, ...]
    protocol: int = PROTOCOL


def filter_errors(index: TurnIndex, filters: Filters | None) -> tuple[UsageError | None, ...]:
    filters = filters or Filters()
    parts = [
        Filters(speaker=filters.speaker),
        Filters(role=filters.role),
        Filters(transcript=filters.transcript),
        *(Filters(attr=(given,)) for given in filters.attr),
    ]
    errors: list[UsageError | None] = []
    for part in parts:
        try:
            check_filters(index, part)
            errors.append(None)
        except UsageError as exc:
            errors.append(exc)
    return tuple(errors)


def shard_stats(index: TurnIndex, query: str, filters: Filters | None) -> ShardStats:
    """Phase one, on one shard."""
    return ShardStats(query_stats(index, query, filters), filter_errors(index, filters))


def query_stats(index: TurnIndex, query: str, filters: Filters | None) -> CorpusStats:
    """This shard's figures for the query, whatever its filters allow here (a word's rarity
    is the corpus's, not the filtered turns')."""
    searcher = index.searcher
    reader = searcher.reader()
    schema = reader.schema
    lengths = {name: searcher.live_field_length(name) for name in schema.scorable_names()}
    prepared = prepare_search(index, query, filters, check=False)
    df: dict[tuple[str, bytes], int] = {}
    fields_df: dict[tuple[str, tuple[str, ...]], int] = {}
    parsed = prepared.parsed
    if parsed is not q.NullQuery:
        terms = set(parsed.iter_all_terms(phrases=True))
        # Leaf by leaf: Whoosh's `existing_terms` stops at the first field (it reuses its
        # `fieldname` argument as a loop variable). An expansion over a huge vocabulary
        # keeps the words found so far, as the snippets do.
        for leaf in parsed.leaves():
            with contextlib.suppress(Exception):
                terms.update(leaf.expanded_terms(reader, phrases=True))
        for fieldname, text in terms:
            if fieldname in schema and schema[fieldname].scorable:
                btext = as_bytes(text)
                df[fieldname, btext] = searcher.shard_doc_frequency(fieldname, btext)
        for node in _nodes(parsed):
            if isinstance(node, FieldsTerm):
                key = (node.text, scored_fields(schema, node.weights))
                fields_df[key] = fields_doc_count(reader, node.text, node.weights)
    return CorpusStats(reader.doc_count(), lengths, df, fields_df)


def _nodes(node: q.Query):
    yield node
    if isinstance(node, FieldsTerm):
        return
    for child in node.children():
        yield from _nodes(child)


@dataclass(frozen=True)
class ShardPage:
    """Phase two's answer from one shard: its result (hits of the first `page × limit`, full
    facet counts) and, when grouping, the order key of every match (for the hits' ranks)."""

    result: SearchResult
    no_query: bool = False  # filters only: newest first
    keys: list | None = None
    terms: dict[str, float] = dataclasses.field(default_factory=dict)  # for the snippets


def search_shard(
    index: TurnIndex, corpus: CorpusStats, query: str, filters: Filters | None, options: dict
) -> ShardPage:
    """Phase two: this shard's first `page × limit` hits, scored with the corpus's figures."""
    with index.corpus_wide(corpus):
        prepared = prepare_search(index, query, filters, options["seconds"], check=False)
        with bounded(index, prepared):
            result = run_prepared(
                index,
                prepared,
                options["limit"] * options["page"],
                1,
                options["facets"],
                False,  # the client makes the snippets of the page it shows
                options["sort"],
                options["group"],
                options["group_size"],
                ALL_VALUES,
            )
            keys = None
            if options["group"]:
                ordered = every_match(index, prepared, options["sort"]) or []
                keys = _match_keys(index, ordered, options["sort"], prepared.no_query)
            terms = term_weights(prepared.parsed, index.searcher) if options["snippets"] else {}
    return ShardPage(result, prepared.no_query, keys, terms)


def _match_keys(index: TurnIndex, ordered: list[tuple[int, float]], sort: str, no_query: bool):
    order = CorpusOrder(index.searcher)
    keys = []
    for docnum, score in ordered:
        transcript, seq = order.place(docnum)
        when = order.date(docnum)
        day = when.strftime("%Y-%m-%d") if when else None
        keys.append(_key(sort, no_query, True, score, transcript, seq, day))
    return keys


def _key(sort, no_query, grouped, score, transcript, seq, day) -> tuple:
    """A turn's place in a result's order, as one index orders it (searcher/ordering.py,
    whoosh_ext/matches.py): by score, equal scores in corpus order; or by date."""
    if sort == "relevance" and not no_query:
        # The ranked top page orders ties by file name; every match ranked, by transcript id.
        return (-score, transcript if grouped else transcript + ".txt", seq)
    newest = sort == "-date" or (sort == "relevance" and no_query)
    if day is None:
        return (1, (), transcript, seq)
    return (
        0,
        tuple(-ord(c) for c in day) if newest else tuple(ord(c) for c in day),
        transcript,
        seq,
    )


def _hit_key(sort: str, no_query: bool, grouped: bool, hit: TurnRecord) -> tuple:
    return _key(sort, no_query, grouped, hit.score or 0.0, hit.transcript, hit.seq, hit.date)


def _query_terms(index: TurnIndex, query: str) -> frozenset[str]:
    return query_stems(index, query)


def _marks(index: TurnIndex, text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    return marks(text, terms, index)


def _text_analyzer(index: TurnIndex):
    return index.analyzers.text


def _turn_count(index: TurnIndex) -> int:
    """The cheapest call there is (what a round trip to the shards costs by itself)."""
    return index.searcher.reader().doc_count()


SHARD_CALLS: dict[str, Callable[..., Any]] = {
    "turn_count": _turn_count,
    "text_analyzer": _text_analyzer,
    "query_terms": _query_terms,
    "marks": _marks,
    "stats": shard_stats,
    "search": search_shard,
    "turn": get_turn,
    "show": show_turn,
    "transcript": transcript_turns,
    "speakers": speaker_parts,
    "topics": topic_parts,
    "index_stats": index_stats,
}


def on_worker(folder: Path, ranking: RankingConfig, what: str, args: tuple) -> Any:
    """A Dask task: `what` on the shard at `folder`, kept open by this worker."""
    from indexer import keeper

    shard = keeper().get(("shard", str(folder), repr(ranking)), lambda: Shard(folder, ranking))
    return shard.call(what, args)


# ------------------------------------------------------------------------ running shards


class InProcess:
    """The shards searched one after another in this process (no cluster)."""

    def __init__(self, layout: ShardLayout, ranking: RankingConfig) -> None:
        self.shards = [Shard(folder, ranking) for folder in layout.folders]

    def each(self, what: str, *args) -> list:
        return [shard.call(what, args) for shard in self.shards]

    def one(self, i: int, what: str, *args) -> Any:
        return self.shards[i].call(what, args)

    def close(self) -> None:
        for shard in self.shards:
            shard.close()


class OnCluster:
    """The shards searched by Dask workers, each shard pinned to one worker."""

    def __init__(self, layout: ShardLayout, ranking: RankingConfig, scheduler: str) -> None:
        from indexer import Cluster

        self.layout = layout
        self.ranking = ranking
        self.cluster = Cluster(scheduler)

    def _name(self, folder: Path) -> str:
        return f"shard {folder.name} ({folder})"

    def each(self, what: str, *args) -> list:
        return self.cluster.run(
            on_worker, self.layout.folders, self.ranking, what, args, name=self._name
        )

    def one(self, i: int, what: str, *args) -> Any:
        folder = self.layout.folder(i)
        return self.cluster.run(
            on_worker, [folder], self.ranking, what, args, name=self._name, slots=[i]
        )[0]

    def close(self) -> None:
        self.cluster.close()


# ------------------------------------------------------------------ the index, as a whole


class ShardedIndex(Index):
    """A sharded index opened for reading, with `Index`'s methods: the same answers as one
    index over the same transcripts. `scheduler`: a Dask scheduler's address whose workers
    search the shards; without one, the shards are searched in this process."""

    def __init__(
        self,
        index_dir: Path,
        ranking: RankingConfig = DEFAULT,
        scheduler: str | None = None,
        layout: ShardLayout | None = None,
    ) -> None:
        self.index_dir = Path(index_dir).absolute()
        found = layout or read_layout(self.index_dir)
        if found is None:
            raise IndexMissingError(
                f"There is no sharded index at {index_dir}.",
                "Build one with `remarks index --shards N`.",
            )
        self.layout = found
        missing = [f for f in self.layout.folders if not f.exists()]
        if missing and scheduler is None:
            raise IndexMissingError(
                f"Shard {missing[0].name} of the index at {index_dir} is missing ({missing[0]}).",
                "Rebuild the index with `remarks index --shards N --rebuild`.",
            )
        self.ranking = ranking
        self._analyzer = None
        self.shards: InProcess | OnCluster = (
            OnCluster(self.layout, ranking, scheduler)
            if scheduler
            else InProcess(self.layout, ranking)
        )

    @property
    def path(self) -> Path:
        return self.index_dir

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
        """`Index.search` over every shard, in two phases (see the module's notes)."""
        check_page(sort, group, limit, page, group_size, facet_limit)
        parts = self.shards.each("stats", query, filters)
        if any(getattr(p, "protocol", None) != PROTOCOL for p in parts):
            raise ClusterError(
                "The Dask workers run another version of remarks than this command.",
                "Install the same version of remarks on every worker and restart them.",
            )
        for errors in zip(*(p.filter_errors for p in parts), strict=True):
            if all(errors):  # no shard has that speaker, role, transcript or attribute
                raise errors[0]  # type: ignore[misc]
        corpus = sum((p.corpus for p in parts[1:]), parts[0].corpus)
        options = {
            "limit": limit,
            "page": page,
            "facets": facets,
            "snippets": snippets,
            "seconds": seconds,
            "sort": sort,
            "group": group,
            "group_size": group_size,
        }
        pages = self.shards.each("search", corpus, query, filters, options)
        result = merge_pages(pages, limit, page, sort, group, facets, facet_limit)
        if not snippets:
            return result
        # The snippets of the page shown only, here, in page order, with the query's words
        # weighted by the corpus's figures (the union of the shards' expansions).
        terms: dict[str, float] = {}
        for p in pages:
            terms.update(p.terms)
        reading = SnippetBudget()
        made = {}
        for hit in result.hits:
            snippet = make_snippet(hit.text, terms, budget=reading, analyzer=self.analyzer)
            made[hit.turn_id] = dataclasses.replace(
                hit, snippet=snippet.text, highlights=snippet.highlights
            )
        groups = None
        if result.groups is not None:
            groups = [
                dataclasses.replace(g, hits=[made[h.turn_id] for h in g.hits])
                for g in result.groups
            ]
        return dataclasses.replace(
            result, hits=[made[h.turn_id] for h in result.hits], groups=groups
        )

    @property
    def analyzer(self):
        """The shards' text analyzer (the snippets mark words by it), asked once."""
        if self._analyzer is None:
            self._analyzer = self.shards.one(0, "text_analyzer")
        return self._analyzer

    def turn(self, turn_id: str) -> TurnRecord:
        return self.shards.one(self._shard_of_turn(turn_id), "turn", turn_id)

    def show(self, turn_id: str, context: int = 0, exchange: bool = False) -> TurnInContext:
        return self.shards.one(self._shard_of_turn(turn_id), "show", turn_id, context, exchange)

    def answer_to(self, turn: TurnRecord) -> TurnRecord | None:
        if not turn.exchange:
            return None
        shown = self.show(turn.turn_id, exchange=True)
        return next((r for r in shown.after if r.speaker != turn.speaker), None)

    def transcript(self, transcript_id: str) -> list[TurnRecord]:
        return self.shards.one(self.layout.shard_of(transcript_id), "transcript", transcript_id)

    def speakers(self) -> list[SpeakerSummary]:
        merged: dict[str, SpeakerPart] = {}
        for parts in self.shards.each("speakers"):
            for name, part in parts.items():
                merged[name] = merged[name] + part if name in merged else part
        return summarize_speakers(merged)

    def topics(self) -> list[TopicSummary]:
        merged: dict[str, tuple[dict, Counter[str]]] = {}
        for parts in self.shards.each("topics"):
            for name, (topic, counts) in parts.items():
                if name in merged:
                    merged[name][1].update(counts)
                else:
                    merged[name] = (topic, Counter(counts))
        return summarize_topics(merged)

    def stats(self) -> IndexStats:
        parts = self.shards.each("index_stats")
        firsts = [p.first_date for p in parts if p.first_date]
        lasts = [p.last_date for p in parts if p.last_date]
        speakers = {s.name for s in self.speakers()}
        return IndexStats(
            transcripts=sum(p.transcripts for p in parts),
            turns=sum(p.turns for p in parts),
            speakers=len(speakers),
            first_date=min(firsts) if firsts else None,
            last_date=max(lasts) if lasts else None,
            index_bytes=sum(p.index_bytes for p in parts),
        )

    def _shard_of_turn(self, turn_id: str) -> int:
        transcript = turn_id.strip().rpartition(":")[0]
        return self.layout.shard_of(transcript)

    def _not_here(self, what: str):
        raise UsageError(
            f"{what} is not available on a sharded index yet.",
            "Use search, show, speakers, topics or stats, or build an index of one shard "
            "(`remarks index` without --shards) for the rest.",
        )

    def hits(self, *args, **kwargs):
        self._not_here("Exporting every match")

    def exchanges(self, *args, **kwargs):
        self._not_here("Searching exchanges")

    def trend(self, *args, **kwargs):
        self._not_here("A trend")

    def quote(self, *args, **kwargs):
        self._not_here("Checking a quote")

    def terms(self, *args, **kwargs):
        self._not_here("Distinctive terms")

    def kwic(self, *args, **kwargs):
        self._not_here("A concordance")

    def speaker(self, *args, **kwargs):
        self._not_here("A speaker's page")

    def query_terms(self, query: str) -> frozenset[str]:
        return self.shards.one(0, "query_terms", query)

    def marks(self, text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
        return self.shards.one(0, "marks", text, terms)

    def close(self) -> None:
        self.shards.close()


def merge_pages(
    pages: list[ShardPage],
    limit: int,
    page: int,
    sort: str,
    group: str | None,
    facets: bool,
    facet_limit: int,
) -> SearchResult:
    """One page of results from the shards' first pages, in the one index's order."""
    results = [p.result for p in pages]
    first = results[0]
    offset = (page - 1) * limit
    no_query = pages[0].no_query
    notes = tuple(dict.fromkeys(n for r in results for n in r.notes))
    total = sum(r.total for r in results)
    suggestion = next((r.suggestion for r in results if r.suggestion), None) if not total else None
    counts = more = None
    if facets and any(r.facets is not None for r in results):
        summed: dict[str, Counter[str]] = {}
        for r in results:
            for name, values in (r.facets or {}).items():
                summed.setdefault(name, Counter()).update(values)
        counts, more = keep_facets(summed, facet_limit)
    groups = total_groups = None
    if group:
        every_group = [g for r in results for g in (r.groups or [])]
        every_group.sort(key=lambda g: _hit_key(sort, no_query, True, g.hits[0]))
        chosen = every_group[offset : offset + limit]
        keys = [p.keys or [] for p in pages]
        groups = [
            dataclasses.replace(
                g,
                hits=[
                    _ranked(h, _global_rank(keys, _hit_key(sort, no_query, True, h)))
                    for h in g.hits
                ],
            )
            for g in chosen
        ]
        hits = [h for g in groups for h in g.hits]
        total_groups = sum(r.total_groups or 0 for r in results)
    else:
        every_hit = [h for r in results for h in r.hits]
        every_hit.sort(key=lambda h: _hit_key(sort, no_query, False, h))
        hits = [
            _ranked(h, offset + i + 1) for i, h in enumerate(every_hit[offset : offset + limit])
        ]
    return SearchResult(
        first.query,
        total,
        page,
        limit,
        hits,
        suggestion,
        counts,
        notes,
        sort=sort,
        group=group,
        groups=groups,
        total_groups=total_groups,
        facets_more=more,
    )


def _ranked(hit: TurnRecord, rank: int) -> TurnRecord:
    return dataclasses.replace(hit, rank=rank)


def _global_rank(keys: list[list], key: tuple) -> int:
    """A turn's rank among every shard's matches (each shard's keys in order)."""
    return sum(bisect.bisect_left(k, key) for k in keys) + 1
