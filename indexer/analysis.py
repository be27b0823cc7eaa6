"""The text analyzer, shared by indexing and querying: tokens with offsets → lower case →
typographic and accent folding → stop words → NLTK Snowball stems (memoised).

Whoosh pickles the analyzer into the index by reference to this module, so the names here are
part of the index format: renaming them requires `ANALYZER_VERSION` to change.
"""

import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

ANALYZER_VERSION = 1

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
    word = word.translate(FOLD_TABLE)
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _english_stemmer():
    from nltk.stem.snowball import SnowballStemmer  # slow import: only when first needed

    return SnowballStemmer("english")


@lru_cache(maxsize=1 << 18)
def stem(word: str) -> str:
    """Return the Snowball (Porter2) English stem of a lower-cased word."""
    return _english_stemmer().stem(word)


class FoldFilter(Filter):
    """Fold typographic characters and accents in each token."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


def text_analyzer():
    """Return the analyzer for turn text, titles and roles."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | FoldFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(stemfn=stem, cachesize=None)
    )


def name_analyzer():
    """Return the analyzer for speaker names: folded words, no stemming, no stop words."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldFilter()


def analyze(text: str) -> list[str]:
    """Return the index terms of a text, as the text analyzer produces them."""
    return [t.text for t in text_analyzer()(text)]
