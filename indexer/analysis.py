"""The text analyzer, shared by indexing and querying: tokens with offsets → lower case →
typographic and accent folding → stop words → NLTK Snowball stems (memoised).

It is the pipeline `RegexTokenizer | LowercaseFilter | FoldFilter | StopFilter | StemFilter`
(`pipeline_analyzer()`, kept as the reference), run as one loop (`TextAnalyzer`): the same
tokens, positions and offsets without a generator per stage, which makes indexing faster.

Whoosh pickles the analyzer into the index by reference to this module, so the names here are
part of the index format: renaming them requires `ANALYZER_VERSION` to change.
"""

import json
import re
import unicodedata
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)

ANALYZER_VERSION = 2

# Words joined by an apostrophe stay one token ("don’t", "Russia’s"); hyphens and dashes split.
TOKEN_PATTERN = r"\w+(?:['’ʼ`]\w+)*"

FOLD_TABLE = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "‑": "-",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "đ": "d",
        "ł": "l",
    }
)

# Lucene's English stop list: short function words that carry no topic.
STOP_WORDS = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the their
    then there these they this to was will with""".split()
)


@lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """Map typographic variants to ASCII and strip accents: `Niinistö` → `niinisto`."""
    return fold_text(word)


def fold_text(text: str) -> str:
    """`fold` for any text, not memoised (a paragraph would crowd the words out of the
    cache)."""
    text = text.translate(FOLD_TABLE)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _english_stemmer():
    from nltk.stem.snowball import SnowballStemmer  # slow import: only when first needed

    return SnowballStemmer("english")


# Stems computed so far, and stem tables saved with indexes (word → stem) not yet read. A
# search looks its words up in its index's table and imports NLTK (slow) only for a word
# the index has never seen. This is the memo of a pure function (Snowball gives a word one
# stem whatever the index), so it is shared by every index of the process, like `fold`'s
# cache; what differs per index (its vocabulary, for "did you mean"; its stop list, in its
# schema's analyzer) belongs to the opened index (`searcher.session.TurnIndex`).
_STEMS: dict[str, str] = {}
_PENDING_TABLES: list[Path] = []
_RECORDED: set[str] | None = None  # words stemmed while indexing, for the table


def stem(word: str) -> str:
    """Return the Snowball (Porter2) English stem of a lower-cased word."""
    if _RECORDED is not None:
        _RECORDED.add(word)
    found = _STEMS.get(word)
    if found is None:
        while _PENDING_TABLES:
            _read_table(_PENDING_TABLES.pop())
            found = _STEMS.get(word)
            if found is not None:
                return found
        found = _STEMS[word] = _english_stemmer().stem(word)
    return found


def use_stem_table(path: Path) -> None:
    """Read a stem table saved with an index (`stems-N.json`) before any word needs NLTK."""
    _PENDING_TABLES.append(path)


@contextmanager
def recording_stems():
    """Within the block, remember every word stemmed (the words being indexed)."""
    global _RECORDED
    _RAW_TERMS.clear()  # a cached token would skip stem() and go unrecorded
    _RECENT.clear()
    outer, _RECORDED = _RECORDED, set()
    try:
        yield _RECORDED
    finally:
        words = _RECORDED
        _RECORDED = outer
        if outer is not None:
            outer.update(words)


def stems_of(words: set[str]) -> dict[str, str]:
    """Return the stems computed in this process for `words` (word → stem)."""
    return {w: _STEMS[w] for w in words if w in _STEMS}


def _read_table(path: Path) -> None:
    for word, stemmed in read_stem_table(path).items():
        _STEMS.setdefault(word, stemmed)


def read_stem_table(path: Path) -> dict[str, str]:
    """Return the stem table saved with an index (word → stem); empty if unreadable."""
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return table if isinstance(table, dict) else {}


class FoldFilter(Filter):
    """Fold typographic characters and accents in each token."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


TOKEN_RE = re.compile(TOKEN_PATTERN)


@lru_cache(maxsize=1 << 18)
def _normal(raw: str) -> str:
    return fold(raw.lower())


class TextAnalyzer(Analyzer):
    """Tokenise, lower-case, fold, drop stop words and stem in one pass.

    Equivalent to `pipeline_analyzer()` for every option Whoosh passes (positions, character
    offsets, keeping stopped tokens, no_morph for spelling, tokenize=False).
    """

    def __init__(self, stoplist=STOP_WORDS, stemming: bool = True) -> None:
        self.stoplist = frozenset(stoplist)
        self.stemming = stemming

    def has_morph(self) -> bool:
        return self.stemming

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        no_morph=False,
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stoplist = self.stoplist
        stemming = self.stemming and not no_morph
        if tokenize:
            spans = _spans(value, start_pos, start_char)
        else:
            spans = [(value, start_pos, start_char, start_char + len(value))]
        renumbered = None
        for raw, pos, startchar, endchar in spans:
            word = _normal(raw)
            t.boost = 1.0
            if keeporiginal:
                t.original = raw
            if chars:
                t.startchar, t.endchar = startchar, endchar
            if word in stoplist:
                if removestops:
                    continue
                t.stopped = True
                t.text = word
                if positions:
                    t.pos = pos
                yield t
                continue
            t.stopped = False
            t.text = stem(word) if stemming else word
            if positions:
                renumbered = pos if renumbered is None else renumbered + 1
                t.pos = renumbered
            yield t

    def occurrences(self, value: str) -> list[tuple[str, int, int, int]]:
        """Return (term, position, start, end) for each indexed word of `value`: what the
        analyzer yields with positions and character offsets, as plain tuples."""
        key = (self.stemming, self.stoplist)
        # A turn's text is analyzed for its topics, then indexed in two fields; a transcript's
        # title is indexed with each of its turns: analyze each once.
        recent = _RECENT.get(key)
        if recent is None:
            recent = _RECENT[key] = {}
        found = recent.get(value)
        if found is not None:
            return found
        terms = _RAW_TERMS.get(key)
        if terms is None:
            terms = _RAW_TERMS[key] = {}
        found = []
        pos = None
        for i, m in enumerate(TOKEN_RE.finditer(value)):
            raw = m.group()
            term = terms.get(raw, _UNSEEN)
            if term is _UNSEEN:
                term = terms[raw] = self._term(raw)
            if term is not None:
                pos = i if pos is None else pos + 1
                start, end = m.span()
                found.append((term, pos, start, end))
        if len(recent) >= RECENT_TEXTS:
            recent.clear()
        recent[value] = found
        return found

    def term_counts(self, value: str) -> dict[str, int]:
        """Return how often each indexed word occurs in `value`: `occurrences` counted by
        term, without positions or offsets (raw tokens are counted first, in C, and each
        distinct one is looked up once)."""
        key = (self.stemming, self.stoplist)
        recent = _RECENT.get(key)
        found = recent.get(value) if recent is not None else None
        counts: dict[str, int] = {}
        if found is not None:
            for term, *_ in found:
                counts[term] = counts.get(term, 0) + 1
            return counts
        terms = _RAW_TERMS.get(key)
        if terms is None:
            terms = _RAW_TERMS[key] = {}
        for raw, n in Counter(TOKEN_RE.findall(value)).items():
            term = terms.get(raw, _UNSEEN)
            if term is _UNSEEN:
                term = terms[raw] = self._term(raw)
            if term is not None:
                counts[term] = counts.get(term, 0) + n
        return counts

    def _term(self, raw: str) -> str | None:
        word = _normal(raw)
        if word in self.stoplist:
            return None
        return stem(word) if self.stemming else word


# Raw token → indexed term (None: a stop word), per kind of analyzer; kept out of the
# analyzer objects, which Whoosh pickles into the index.
_RAW_TERMS: dict[tuple, dict[str, str | None]] = {}
_RECENT: dict[tuple, dict[str, list]] = {}  # text → occurrences, for the last few texts
RECENT_TEXTS = 512
_UNSEEN = object()


def _spans(value: str, start_pos: int, start_char: int):
    for i, m in enumerate(TOKEN_RE.finditer(value), start_pos):
        start, end = m.span()
        yield m.group(), i, start_char + start, start_char + end


@lru_cache(maxsize=1)
def text_analyzer() -> TextAnalyzer:
    """Return the analyzer for turn text, titles and roles."""
    return TextAnalyzer(STOP_WORDS)


@lru_cache(maxsize=1)
def name_analyzer() -> TextAnalyzer:
    """Return the analyzer for speaker names: folded words, no stemming, no stop words."""
    return TextAnalyzer((), stemming=False)


@dataclass(frozen=True)
class Analyzers:
    """The analyzers of one index: for text, titles and roles, and for speaker names."""

    text: TextAnalyzer
    names: TextAnalyzer

    @classmethod
    def of(cls, schema) -> "Analyzers":
        return cls(schema["text"].analyzer, schema["speaker_name"].analyzer)


@lru_cache(maxsize=1)
def default_analyzers() -> Analyzers:
    """The analyzers of an index built with the default settings."""
    return Analyzers(text_analyzer(), name_analyzer())


def pipeline_analyzer(stoplist=STOP_WORDS):
    """Return the same analysis as a Whoosh filter pipeline (the reference for tests)."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | FoldFilter()
        | StopFilter(stoplist=stoplist, minsize=1)
        | StemFilter(stemfn=stem, cachesize=None)
    )


def term_spans(text: str, analyzer: "TextAnalyzer | None" = None):
    """Yield (start, end, term) for each indexed word of `text`: what the text analyzer (of
    an index, else the default) gives with character offsets, without building Whoosh tokens
    (for snippets)."""
    stoplist = (analyzer or text_analyzer()).stoplist
    for m in TOKEN_RE.finditer(text):
        word = _normal(m.group())
        if word not in stoplist:
            start, end = m.span()
            yield start, end, stem(word)


def spans_of_terms(text: str, terms, analyzer: "TextAnalyzer | None" = None):
    """The (start, end, term) of `term_spans` whose term is one of `terms` (stems).

    Snowball changes only a word's ending ("possibl" from "possibility", "sky" from "skies"),
    so a word can only stem to a term if it starts with the term's first letters: in text
    whose words are ASCII (typographic quotes and dashes aside, which fold to ASCII
    punctuation) the regular expression engine finds those words, and only they are analysed
    (a snippet read every word of a turn). Other text is analysed word by word.
    """
    starts = _term_starts(frozenset(terms))
    if starts is None or (not text.isascii() and _OTHER_LETTER.search(text)):
        return [span for span in term_spans(text, analyzer) if span[2] in terms]
    stoplist = (analyzer or text_analyzer()).stoplist
    found = []
    for m in starts.finditer(text):
        word = _normal(m.group())
        if word not in stoplist:
            term = stem(word)
            if term in terms:
                found.append((m.start(), m.end(), term))
    return found


_APOSTROPHES = "'’ʼ`"
# A word character other than ASCII letters, digits and "_" (an accent, another script).
_OTHER_LETTER = re.compile(r"[^\Wa-zA-Z0-9_]")


@lru_cache(maxsize=256)
def _term_starts(terms: frozenset[str]) -> "re.Pattern | None":
    """A pattern finding, in ASCII text, the tokens `TOKEN_RE` finds that start (in any letter
    case) with the first letters of one of `terms`; None when there is no term to find."""
    starts = set()
    for term in terms:
        if not term.isascii():
            continue  # an ASCII word never folds to it
        # Every word with a stem of 4 letters or more starts with all but its last three
        # letters (Snowball's longest change of an ending); shorter stems, with their first.
        start = term[: max(3, len(term) - 3)] if len(term) > 3 else term[:1]
        if start:
            starts.add(start)
    if not starts:
        return None
    quote = f"[{_APOSTROPHES}]"
    alternatives = "|".join(
        re.escape(start).replace("'", quote) for start in sorted(starts, key=len, reverse=True)
    )
    # A token starts after no word character, nor after a word character and an apostrophe
    # (which would join it to the word before); then it runs on as TOKEN_RE's tokens do.
    return re.compile(rf"(?<!\w)(?<!\w{quote})(?:{alternatives})\w*(?:{quote}\w+)*", re.IGNORECASE)


def count_words(text: str) -> int:
    """How many words `text` holds: every token, stop words included."""
    return len(TOKEN_RE.findall(text))


def analyze(text: str) -> list[str]:
    """Return the index terms of a text, as the text analyzer produces them."""
    return [term for term, _, _, _ in text_analyzer().occurrences(text)]
