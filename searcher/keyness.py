"""Distinctive terms: the words and two-word phrases over-represented in a set of turns (a
speaker's, a role's, a topic's, a query's) against the rest of the corpus.

Keyness is Dunning's log-likelihood (G², as in Rayson & Garside 2000 and Sketch Engine's
keyword lists), from the term's count in the subset and in the rest, each over its number of
index terms; the effect size is Hardie's log ratio (log₂ of the ratio of relative
frequencies, 0.5 added to a zero count). Terms are index terms — stemmed, stop words left
out — shown in their most frequent spelling in the subset. Word counts for the whole corpus
come from the index's term statistics; two-word phrases are counted in the subset's text and,
for the subset's most frequent ones, in the rest by reading the turns that hold both words.
"""

import itertools
import math
from collections import Counter
from dataclasses import dataclass, field

from whoosh import query as q

from indexer.analysis import TOKEN_RE, fold, stem
from indexer.errors import UsageError
from searcher.query import Filters
from searcher.search import all_matches, prepare_search
from searcher.session import TurnIndex

MIN_COUNT = 3
# Function words, left out whatever the index's stop list keeps (pronouns, auxiliaries,
# determiners, prepositions, conjunctions, common adverbs).
FUNCTION_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me might more most must my myself no nor not now of off on once only or
    other our ours ourselves out over own same shall she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves also may well yes let us get got go going one ok okay mr mrs ms
    like still even much many really already said say says think know see""".split()
)
PHRASE_CANDIDATES = 100
MAX_SUBSET_TURNS = 50_000


@dataclass(frozen=True)
class KeyTerm:
    term: str  # as shown: the most frequent spelling in the subset
    kind: str  # "word" or "phrase"
    count: int
    reference_count: int
    per_10k: float
    reference_per_10k: float
    log_likelihood: float
    log_ratio: float

    def to_json(self) -> dict:
        data = dict(vars(self))
        for key in ("per_10k", "reference_per_10k", "log_likelihood", "log_ratio"):
            data[key] = round(data[key], 3)
        return data


@dataclass(frozen=True)
class KeyTerms:
    turns: int
    words: int  # index terms in the subset
    reference_words: int
    terms: list[KeyTerm] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "turns": self.turns,
            "words": self.words,
            "reference_words": self.reference_words,
            "statistic": "log-likelihood (G2); effect size: log ratio",
            "terms": [t.to_json() for t in self.terms],
        }


def key_terms(
    index: TurnIndex, query: str = "", filters: Filters | None = None, limit: int = 30
) -> KeyTerms:
    """The terms most over-represented in the turns `query` and `filters` select."""
    if limit < 1:
        raise UsageError(f"--limit {limit} is out of range.", "Use 1 or more.")
    prepared = prepare_search(index, query, filters)
    if prepared.parsed is q.NullQuery and prepared.filter_query is None:
        raise UsageError(
            "Distinctive of what? Give a query or a filter.",
            "For example: remarks terms --speaker putin, or remarks terms --topic sport.",
        )
    docnums = [d for d, _ in all_matches(index, prepared, "date")][:MAX_SUBSET_TURNS]
    searcher = index.searcher
    analyzer = index.analyzers.text
    counts: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    spellings: dict[str, Counter[str]] = {}
    chosen = set(docnums)
    for docnum in docnums:
        text = searcher.stored_fields(docnum).get("text", "")
        terms = _terms(text, analyzer, spellings)
        counts.update(terms)
        pairs.update(itertools.pairwise(terms))
    reader = searcher.reader()
    corpus_total = reader.field_length("text")
    words = sum(counts.values())
    reference_words = max(1, corpus_total - words)
    if not words:
        return KeyTerms(len(docnums), 0, reference_words)
    found: list[tuple[str, str | tuple[str, str], int, int]] = []
    for term, count in counts.items():
        if count < MIN_COUNT or not _content(term, spellings):
            continue
        in_corpus = _total(reader, term)
        found.append(("word", term, count, max(0, in_corpus - count)))
    frequent = [
        p
        for p, c in pairs.most_common()
        if c >= MIN_COUNT and all(_content(t, spellings) for t in p)
    ][:PHRASE_CANDIDATES]
    rest = _phrase_counts(index, frequent, chosen, analyzer)
    for pair in frequent:
        found.append(("phrase", pair, pairs[pair], rest[pair]))
    scored = []
    for kind, key, a, b in found:
        if a / words <= b / reference_words:
            continue  # under-represented or even
        ll = _log_likelihood(a, b, words, reference_words)
        ratio = math.log2(((a or 0.5) / words) / ((b or 0.5) / reference_words))
        parts = [key] if isinstance(key, str) else list(key)
        shown = " ".join(_spelling(t, spellings) for t in parts)
        scored.append(
            KeyTerm(
                shown,
                kind,
                a,
                b,
                a * 10_000 / words,
                b * 10_000 / reference_words,
                ll,
                ratio,
            )
        )
    scored.sort(key=lambda t: (-t.log_likelihood, t.term))
    return KeyTerms(len(docnums), words, reference_words, scored[:limit])


def _terms(text: str, analyzer, spellings: dict[str, Counter[str]]) -> list[str]:
    stoplist = analyzer.stoplist
    terms = []
    for m in TOKEN_RE.finditer(text):
        lower = fold(m.group().lower())
        if lower in stoplist:
            continue
        term = stem(lower)
        spellings.setdefault(term, Counter())[lower] += 1
        terms.append(term)
    return terms


def _content(term: str, spellings: dict[str, Counter[str]]) -> bool:
    """A term worth listing: not a function word, not a number."""
    shown = _spelling(term, spellings)
    return shown not in FUNCTION_WORDS and term not in FUNCTION_WORDS and not shown.isdigit()


def _spelling(term: str, spellings: dict[str, Counter[str]]) -> str:
    seen = spellings.get(term)
    return seen.most_common(1)[0][0] if seen else term


def _total(reader, term: str) -> int:
    try:
        return int(reader.frequency("text", term))
    except KeyError:
        return 0


def _phrase_counts(index: TurnIndex, pairs, chosen: set[int], analyzer) -> Counter:
    """How often each pair occurs in the turns outside the subset that hold both words."""
    searcher = index.searcher
    rest: Counter = Counter()
    if not pairs:
        return rest
    wanted = set(pairs)
    docs: set[int] = set()
    for a, b in pairs:
        both = q.And([q.Term("text", a), q.Term("text", b)])
        docs.update(d for d in searcher.docs_for_query(both) if d not in chosen)
    spellings: dict[str, Counter[str]] = {}
    for docnum in docs:
        terms = _terms(searcher.stored_fields(docnum).get("text", ""), analyzer, spellings)
        for pair in itertools.pairwise(terms):
            if pair in wanted:
                rest[pair] += 1
    return rest


def _log_likelihood(a: int, b: int, n1: int, n2: int) -> float:
    """Dunning's G² for a term seen `a` times in `n1` words and `b` times in `n2`."""
    expected_a = n1 * (a + b) / (n1 + n2)
    expected_b = n2 * (a + b) / (n1 + n2)
    ll = 0.0
    if a:
        ll += a * math.log(a / expected_a)
    if b:
        ll += b * math.log(b / expected_b)
    return 2 * ll
