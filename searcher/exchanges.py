"""Exchanges as results: a question and its answer found as one unit.

A question often holds the query's words and its answer the substance ("pension for people who
worked abroad": the question asks it, the answer two turns later explains it). Each
question–answer exchange with a matching turn among the best `CANDIDATE_TURNS` is scored
as one text, its turns together, with BM25 (the index's k1 and b; word rarity from the
index; length against the average exchange); a turn outside any exchange is its own unit.
Each result gives the exchange's question (the best-matching turn before the answer, by
someone other than the answerer), its main answer (the answerer's best-matching turn, or
their longest), and the ids of every turn of the exchange and of those that matched.
"""

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass, field

from whoosh import query as q

from indexer.analysis import count_words
from indexer.errors import UsageError
from searcher.hits import TurnRecord, record_from_fields
from searcher.query import Filters
from searcher.ranking import QUERY_STOP_WORDS
from searcher.search import MAX_LIMIT, all_matches, prepare_search, term_weights
from searcher.session import TurnIndex
from searcher.snippets import SnippetBudget, make_snippet

CANDIDATE_TURNS = 300  # exchanges of the best this many matching turns are scored
CLARIFYING_WORDS = 15


@dataclass(frozen=True)
class ExchangeHit:
    rank: int
    score: float
    id: str
    transcript: str
    title: str
    date: str | None
    place: str | None
    turn_ids: list[str]
    matching_turn_ids: list[str]
    question: TurnRecord | None
    answer: TurnRecord

    def to_json(self) -> dict:
        return {
            "rank": self.rank,
            "score": round(self.score, 4),
            "id": self.id,
            "transcript": self.transcript,
            "title": self.title,
            "date": self.date,
            "place": self.place,
            "turn_ids": self.turn_ids,
            "matching_turn_ids": self.matching_turn_ids,
            "question": self.question.to_json() if self.question else None,
            "answer": self.answer.to_json(),
        }


@dataclass(frozen=True)
class ExchangeResult:
    query: str
    total: int  # exchanges (and lone turns) with a matching turn among the candidates
    page: int
    limit: int
    exchanges: list[ExchangeHit] = field(default_factory=list)

    @property
    def hits(self) -> list[TurnRecord]:
        """The question and answer turns of this page, in order."""
        return [t for x in self.exchanges for t in (x.question, x.answer) if t is not None]

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "by": "exchange",
            "total": self.total,
            "page": self.page,
            "limit": self.limit,
            "exchanges": [x.to_json() for x in self.exchanges],
            "hits": [h.to_json() for h in self.hits],
        }


def search_exchanges(
    index: TurnIndex, query: str, filters: Filters | None = None, limit: int = 10, page: int = 1
) -> ExchangeResult:
    """One page of the exchanges that best answer `query` (see the module)."""
    if limit < 1 or limit > MAX_LIMIT:
        raise UsageError(f"--limit {limit} is out of range.", f"Use 1 to {MAX_LIMIT}.")
    if page < 1:
        raise UsageError(f"--page {page} is out of range.", "Pages are numbered from 1.")
    prepared = prepare_search(index, query, filters)
    if prepared.no_query:
        raise UsageError(
            "--by exchange ranks exchanges by how well they answer a query: give one.",
            'For example: remarks search "pension abroad" --by exchange',
        )
    searcher = index.searcher
    ranked = all_matches(index, prepared, "relevance")
    scores = dict(ranked)
    units: dict[str, list[int]] = {}  # exchange id (or turn id) → its matching turns
    spans: dict[str, tuple[str, int, int]] = {}
    candidates = [docnum for docnum, _ in ranked[:CANDIDATE_TURNS]]
    # Read in index order (stored fields are deflated a block of neighbouring turns at a time).
    stored = {d: searcher.stored_fields(d) for d in sorted(candidates)}
    for docnum in candidates:
        fields = stored[docnum]
        key = fields.get("exchange") or fields["turn_id"]
        units.setdefault(key, []).append(docnum)
        span = fields.get("exchange_span") or (fields["seq"], fields["seq"])
        spans[key] = (fields["transcript"], span[0], span[1])
    model = _Model(index, _content_stems(index, prepared.text))
    gathered = []
    for key, matching in units.items():
        transcript, first, last = spans[key]
        turns = _turns(index, transcript, first, last)
        gathered.append((model.counts(turns), key, turns, matching))
    # Lengths against the average of the exchanges competing for this query.
    average = max(1.0, sum(c[1] for c, *_ in gathered) / max(1, len(gathered)))
    scored = [(model.score(c, average), key, turns, m) for c, key, turns, m in gathered]
    scored.sort(key=lambda item: (-item[0], item[2][0].transcript, item[2][0].seq))
    offset = (page - 1) * limit
    terms = term_weights(prepared.parsed, searcher)
    found = []
    for i, (score, key, turns, matching) in enumerate(scored[offset : offset + limit]):
        turn_score = {searcher.stored_fields(d)["turn_id"]: scores[d] for d in matching}
        question, answer = _question_and_answer(turns, turn_score)
        reading = SnippetBudget()
        opening = turns[0]
        found.append(
            ExchangeHit(
                rank=offset + i + 1,
                score=score,
                id=key,
                transcript=opening.transcript,
                title=opening.title,
                date=opening.date,
                place=opening.place,
                turn_ids=[r.turn_id for r in turns],
                matching_turn_ids=[r.turn_id for r in turns if r.turn_id in turn_score],
                question=_with_snippet(index, question, terms, reading) if question else None,
                answer=_with_snippet(index, answer, terms, reading),
            )
        )
    return ExchangeResult(prepared.text, len(scored), page, limit, found)


def _content_stems(index: TurnIndex, text: str) -> list[str]:
    """The query's stems without function words ("who", "for"), unless that is all it has."""
    words = [t.text for t in index.analyzers.names(text)]
    content = [w for w in words if w not in QUERY_STOP_WORDS] or words
    return [t.text for w in content for t in index.analyzers.text(w)]


class _Model:
    """BM25 over whole exchanges: the index's k1 and b, word rarity from the index's turns."""

    def __init__(self, index: TurnIndex, stems: list[str]) -> None:
        reader = index.searcher.reader()
        self.k1, self.b = index.ranking.k1, index.ranking.b
        turns = max(1, reader.doc_count())
        self.idf = {
            s: math.log(1 + (turns - df + 0.5) / (df + 0.5))
            for s in set(stems)
            if (df := reader.doc_frequency("text", s)) > 0
        }
        self.weight = Counter(s for s in stems if s in self.idf)  # a repeated word counts more
        self.analyzer = index.analyzers.text

    def counts(self, turns: list[TurnRecord]) -> tuple[Counter[str], int]:
        """How often each query stem occurs in the turns together, and their length."""
        counts: Counter[str] = Counter()
        length = 0
        for record in turns:
            for term, *_ in self.analyzer.occurrences(record.text):
                if term in self.idf:
                    counts[term] += 1
            length += count_words(record.text)
        return counts, length

    def score(self, counted: tuple[Counter[str], int], average: float) -> float:
        counts, length = counted
        norm = self.k1 * (1 - self.b + self.b * length / average)
        return sum(
            self.weight[s] * idf * counts[s] * (self.k1 + 1) / (counts[s] + norm)
            for s, idf in self.idf.items()
            if counts[s]
        )


def _turns(index: TurnIndex, transcript: str, first: int, last: int) -> list[TurnRecord]:
    span = q.And([q.Term("transcript", transcript), q.NumericRange("seq", first, last)])
    hits = index.searcher.search(span, limit=None, sortedby="seq")
    return [record_from_fields(hit.fields()) for hit in hits]


def _question_and_answer(
    turns: list[TurnRecord], score: dict[str, float]
) -> tuple[TurnRecord | None, TurnRecord]:
    """The answerer is who speaks most. The question is the best-matching turn by someone
    else (the first, if none matches); the main answer is the answerer's first substantive
    reply after it: not a short clarifying question ("How old are you?"). Without a reply
    after the question, the answerer's best-matching, then longest, turn."""
    if len(turns) == 1:
        return None, turns[0]
    spoken: Counter[str] = Counter()
    for record in turns:
        spoken[record.speaker] += len(record.text)
    answerer = max(spoken, key=lambda name: (spoken[name], name))
    theirs = [r for r in turns if r.speaker == answerer]
    others = [r for r in turns if r.speaker != answerer]
    if not others:
        return None, max(theirs, key=lambda r: (score.get(r.turn_id, 0.0), len(r.text)))
    # The best-matching turn by someone else that the answerer replies to, and the reply.
    for question in sorted(others, key=lambda r: (-score.get(r.turn_id, 0.0), r.seq)):
        replies = [r for r in theirs if r.seq > question.seq]
        if replies:
            substantive = [r for r in replies if not _clarifying(r.text)]
            return question, (substantive or replies)[0]
    return None, max(theirs, key=lambda r: (score.get(r.turn_id, 0.0), len(r.text)))


def _clarifying(text: str) -> bool:
    """A short question back ("Are you enrolled in an extramural programme?")."""
    return count_words(text) <= CLARIFYING_WORDS and text.rstrip().endswith("?")


def _with_snippet(index: TurnIndex, record: TurnRecord, terms, reading) -> TurnRecord:
    snippet = make_snippet(record.text, terms, budget=reading, analyzer=index.analyzers.text)
    return dataclasses.replace(record, snippet=snippet.text, highlights=snippet.highlights)
