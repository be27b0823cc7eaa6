"""Check a quote: find the passages closest to a pasted, possibly misremembered quote.

The index proposes candidate turns (the quote's words, ranked by BM25 with the filters);
each candidate is then aligned word by word with the quote — every word, stop words included,
compared by its stem, so "pensions" meets "pension" — and its best passage scored:
the larger of the sequence similarity (order matters: 2·matched / (quote + passage)) and 0.85 ×
the share of the quote's words the passage holds in any order (a reordered quote). The verdict
is "exact" when the passage has the quote's words in its order (letter case and punctuation
aside), "close" from `CLOSE` up, else "not found". A passage in quotation marks, or introduced
by "as X said", "in the words of X", "X said:", is flagged: its speaker may be quoting
someone else.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import combinations

from indexer.analysis import STOP_WORDS, TOKEN_RE, fold, stem, term_spans
from indexer.errors import UsageError
from searcher.hits import TurnRecord, citation
from searcher.query import Filters
from searcher.search import search
from searcher.session import TurnIndex

CANDIDATES = 40
RARE_WORDS = 4  # the quote's rarest words, paired: 6 more searches
PAIR_CANDIDATES = 10
RARE_TURNS = 300  # a rarest word in at most this many turns: read them all
CLOSE = 0.6
SHOWN_FROM = 0.45  # passages below this are not listed
REORDERED = 0.85
MAX_QUOTE_WORDS = 200
MAX_STARTS = 400
AFTER_RE = re.compile(
    r"^[,.]?\s*[”\"»’']?\s*[,.]?\s*(?:as|like)\s+(?P<who>he|she|they|you|someone|[A-Z][\w.’'-]*"
    r"(?:\s+[A-Z][\w.’'-]*){0,2})\s+(?:once\s+)?(?:said|says|put it|wrote|claimed)\b[^.?!]*"
)
WHO = r"(?P<who>(?:[\w.’'-]+\s+){0,3}?[\w.’'-]+)"
SAID = (
    r"(?:once\s+|recently\s+|just\s+)?(?:said|says|put it|wrote|claimed|told\s+\w+|"
    r"likes to say|used to say)"
)
ATTRIBUTION_RES = (
    re.compile(rf"\b(?i:as|what|like)\s+{WHO}\s+{SAID}\b[^.?!]*$"),
    re.compile(
        r"\b(?i:in the words of|to quote|quoting|according to)\s+(?P<who>[^,.;:]{1,60})[^.?!]*$"
    ),
    re.compile(
        r"\b(?P<who>(?:[A-Z][\w.’'-]*\s+){0,3}?(?:[A-Z][\w.’'-]*|he|she|they|you))\s+"
        r"(?:once\s+)?(?:said|says|wrote|claimed|tweeted|declared|announced)\s*(?:that\s*)?[:,]?"
        r"\s*[“\"«]?\s*$"
    ),
)
SELF = {"i", "we", "i have", "we have", "i've", "we've", "i just", "i already"}


@dataclass(frozen=True)
class QuoteMatch:
    """A passage that may be the quote: where it is, how close, and what differs."""

    turn: TurnRecord
    passage: str  # as spoken
    start: int  # character offsets of the passage in the turn's text
    end: int
    score: float
    exact: bool
    diff: list[dict] = field(default_factory=list)
    attribution: dict | None = None

    @property
    def marked_diff(self) -> str:
        """The diff as text: [-pasted-] where the quote differs, {+said+} what was said."""
        out = []
        for part in self.diff:
            if part["op"] == "equal":
                out.append(part["said"])
            else:
                if part["quote"]:
                    out.append(f"[-{part['quote']}-]")
                if part["said"]:
                    out.append(f"{{+{part['said']}+}}")
        return " ".join(out)

    def to_json(self) -> dict:
        turn = self.turn
        return {
            "turn_id": turn.turn_id,
            "speaker": turn.speaker,
            "role": turn.role,
            "transcript": turn.transcript,
            "title": turn.title,
            "date": turn.date,
            "place": turn.place,
            "url": turn.url,
            "passage": self.passage,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "exact": self.exact,
            "diff": self.diff,
            "attribution": self.attribution,
            "citation": citation(turn),
        }


@dataclass(frozen=True)
class QuoteResult:
    quote: str
    verdict: str  # "exact", "close" or "not found"
    matches: list[QuoteMatch]

    def to_json(self) -> dict:
        return {
            "quote": self.quote,
            "verdict": self.verdict,
            "matches": [m.to_json() for m in self.matches],
        }


def find_quote(
    index: TurnIndex, quote: str, filters: Filters | None = None, limit: int = 5
) -> QuoteResult:
    """The passages of the index closest to `quote`, best first, and a verdict."""
    words = [m for m in TOKEN_RE.finditer(quote or "")]
    if not words:
        raise UsageError(
            f"{quote!r} has no words to look for.", 'Paste the quote: remarks quote "…".'
        )
    if len(words) > MAX_QUOTE_WORDS:
        raise UsageError(
            f"The quote has {len(words)} words; remarks checks quotes of up to {MAX_QUOTE_WORDS}.",
            "Paste the sentence or two you want to check.",
        )
    if limit < 1:
        raise UsageError(f"--limit {limit} is out of range.", "Use 1 or more.")
    shown = [m.group() for m in words]
    keys = [_key(w) for w in shown]
    candidates = _candidates(index, shown, filters)
    found = []
    for rank, turn in enumerate(candidates):
        match = _align(turn, shown, keys)
        if match is not None and match.score >= SHOWN_FROM:
            found.append((match, rank))
    found.sort(key=lambda item: (-item[0].score, item[1]))
    matches = [m for m, _ in found[:limit]]
    if matches and matches[0].exact:
        verdict = "exact"
    elif matches and matches[0].score >= CLOSE:
        verdict = "close"
    else:
        verdict = "not found"
    return QuoteResult(quote, verdict, matches)


def _candidates(index: TurnIndex, shown: list[str], filters: Filters | None) -> list[TurnRecord]:
    """Turns that may hold the quote: the best by BM25 for any of its words, then those that
    hold two of its rarest words (a long turn, which BM25 ranks low for a few common words,
    is found by what is specific in the quote)."""
    # The quote's punctuation and quotation marks are not query syntax: words only.
    # (Lower case: "NOT" in a quote is a word, not Whoosh's operator.)
    words = " ".join(w.lower() for w in shown)
    found = search(index, words, filters, limit=CANDIDATES, snippets=False).hits
    reader = index.searcher.reader()
    rare: dict[str, str] = {}
    for word in shown:
        for _, _, term in term_spans(word, index.analyzers.text):
            if term not in rare and reader.doc_frequency("text", term):
                rare[term] = word
    rarest = sorted(rare, key=lambda t: (reader.doc_frequency("text", t), t))[:RARE_WORDS]
    seen = {t.turn_id for t in found}
    queries = [
        f"text:{rare[a].lower()} AND text:{rare[b].lower()}" for a, b in combinations(rarest, 2)
    ]
    # A quote of few content words ("only I can fix it"): every turn that holds its rarest
    # words, when they are rare enough to read them all.
    queries += [
        f"text:{rare[t].lower()}"
        for t in rarest[:2]
        if reader.doc_frequency("text", t) <= RARE_TURNS
    ]
    for query in queries:
        limit = RARE_TURNS if " AND " not in query else PAIR_CANDIDATES
        for turn in search(index, query, filters, limit=limit, snippets=False).hits:
            if turn.turn_id not in seen:
                seen.add(turn.turn_id)
                found.append(turn)
    return found


def _key(word: str) -> str:
    """A word as the alignment compares it: its stem, or itself for a stop word (stop words
    are not indexed, so their stems are not in the index's table: no stemmer to load)."""
    folded = fold(word.lower().replace("’", "'"))
    return folded if folded in STOP_WORDS else stem(folded)


def _align(turn: TurnRecord, shown: list[str], keys: list[str]) -> QuoteMatch | None:
    text = turn.text
    tokens = [(m.start(), m.end(), _key(m.group())) for m in TOKEN_RE.finditer(text)]
    if not tokens:
        return None
    turn_keys = [k for _, _, k in tokens]
    where: dict[str, list[int]] = {}
    for j, k in enumerate(keys):
        where.setdefault(k, []).append(j)
    # Windows start where the quote's content words are (stop words are everywhere); a quote
    # of stop words only starts at them.
    anchors = {k: js for k, js in where.items() if k not in STOP_WORDS} or where
    starts = sorted(
        {max(0, i - j) for i, k in enumerate(turn_keys) if k in anchors for j in anchors[k]}
    )
    if not starts:
        return None
    if len(starts) > MAX_STARTS:
        # A long turn full of the quote's common words: keep the starts of the rarest words.
        counts = Counter(turn_keys)
        rare = sorted(set(keys) & set(turn_keys), key=lambda k: counts[k])[:3]
        starts = sorted(
            {max(0, i - j) for i, k in enumerate(turn_keys) if k in rare for j in where[k]}
        )[:MAX_STARTS]
    span = len(keys) + max(3, len(keys) // 2)
    wanted = Counter(keys)
    best = None
    for s in starts:
        window = turn_keys[s : s + span]
        matcher = SequenceMatcher(None, keys, window, autojunk=False)
        blocks = [b for b in matcher.get_matching_blocks() if b.size]
        if not blocks:
            continue
        first, last = blocks[0].b, blocks[-1].b + blocks[-1].size - 1
        # In any order: the passage also takes in the quote's words missing from the
        # matched stretch that stand just around it (a swapped clause).
        missing = wanted - Counter(window[first : last + 1])
        for i in range(first - 1, -1, -1):
            if not missing[window[i]]:
                break
            missing[window[i]] -= 1
            first = i
        for i in range(last + 1, len(window)):
            if not missing[window[i]]:
                break
            missing[window[i]] -= 1
            last = i
        passage = window[first : last + 1]
        matched = sum(b.size for b in blocks)
        ordered = 2 * matched / (len(keys) + len(passage))
        coverage = sum((Counter(passage) & wanted).values()) / len(keys)
        extra = max(0, len(passage) - len(keys)) / len(keys)
        score = max(ordered, REORDERED * coverage - 0.5 * extra)
        if best is None or score > best[0]:
            best = (score, s + first, s + last)
    if best is None:
        return None
    score, first, last = best
    # Trim a passage to the words that match the quote at its ends.
    while first < last and turn_keys[first] not in wanted:
        first += 1
    while last > first and turn_keys[last] not in wanted:
        last -= 1
    start, end = tokens[first][0], tokens[last][1]
    said = [text[a:b] for a, b, _ in tokens[first : last + 1]]
    said_keys = turn_keys[first : last + 1]
    exact = [w.casefold() for w in said] == [w.casefold() for w in shown] or said_keys == keys
    return QuoteMatch(
        turn=turn,
        passage=text[start:end],
        start=start,
        end=end,
        score=1.0 if exact else min(score, 0.999),
        exact=exact,
        diff=_diff(shown, keys, said, said_keys),
        attribution=_attribution(text, start, end),
    )


def _diff(shown: list[str], keys: list[str], said: list[str], said_keys: list[str]) -> list[dict]:
    parts = []
    for op, a0, a1, b0, b1 in SequenceMatcher(None, keys, said_keys, autojunk=False).get_opcodes():
        parts.append({"op": op, "quote": " ".join(shown[a0:a1]), "said": " ".join(said[b0:b1])})
    return parts


def _attribution(text: str, start: int, end: int) -> dict | None:
    """How the turn itself attributes the passage to someone else, if it does: quotation
    marks open around it, or "as X said" / "X said:" before it, or ", as X said" after it."""
    before = text[max(0, start - 200) : start]
    sentence = re.split(r"(?<=[.?!])\s+(?=[A-Z“\"«])", before)[-1]
    after = text[end : end + 120]
    lead = _introduced_by(sentence)
    trail = AFTER_RE.match(after)
    who = (lead and lead["who"]) or (trail and trail.group("who")) or None
    if _inside_quotes(sentence):
        told = lead["text"] if lead else (trail.group().strip(' ,.”"»') if trail else "")
        text_ = f"{told}, in quotation marks" if told else "in quotation marks"
        return {"kind": "quoted", "text": text_, "who": who}
    if lead:
        return {"kind": "attributed", "text": lead["text"], "who": who}
    if trail:
        return {"kind": "attributed", "text": trail.group().strip(' ,.”"»'), "who": who}
    return None


def _inside_quotes(before: str) -> bool:
    """Whether a quotation opened before this point is still open."""
    opened = max(before.rfind(c) for c in "“«„")
    closed = max(before.rfind(c) for c in "”»")
    return opened > closed or before.count('"') % 2 == 1


def _introduced_by(sentence: str) -> dict | None:
    for pattern in ATTRIBUTION_RES:
        m = pattern.search(sentence)
        if m and m.group("who").strip().casefold() not in SELF:  # "as I said": their own
            return {"text": m.group().strip(' ,:“"«'), "who": m.group("who").strip()}
    return None
