"""Topics: a user-editable taxonomy (`topics.toml` in the corpus) and keyword-evidence tagging.

Each question–answer exchange is tagged with the topics whose keywords occur in it often
enough: at least `MIN_HITS` matches, at least `MIN_PER_1000` matches per thousand words, and
at least `RELATIVE` of the density of the exchange's strongest topic; at most `MAX_TOPICS`.
Matching is on stems, so "robot" matches "robots" and "robotics"; a phrase matches its stems
in order. An exchange with no such evidence gets no topic rather than a guess.
"""

from dataclasses import dataclass
from pathlib import Path

from indexer.analysis import analyze
from indexer.annotation.settings_file import read_settings
from indexer.errors import CorpusError

TOPICS_FILE = "topics.toml"
MIN_HITS = 3
MIN_PER_1000 = 10.0
RELATIVE = 0.3
MAX_TOPICS = 3


@dataclass(frozen=True)
class Topic:
    """A topic: its name, a description, and the stemmed keywords and phrases that mark it."""

    name: str
    description: str
    terms: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]

    @property
    def query_terms(self) -> list[tuple[str, ...]]:
        """Every keyword as a tuple of stems (one stem for a word, several for a phrase)."""
        return [(t,) for t in sorted(self.terms)] + list(self.phrases)


@dataclass(frozen=True)
class Taxonomy:
    """The topics of a corpus, and a fingerprint that changes when the file does."""

    topics: tuple[Topic, ...]
    fingerprint: str

    def names(self) -> list[str]:
        return [t.name for t in self.topics]

    def to_json(self) -> list[dict]:
        """The topics with their stemmed keywords, as saved beside the index for searching."""
        return [
            {
                "name": t.name,
                "description": t.description,
                "terms": sorted(t.terms),
                "phrases": [list(p) for p in t.phrases],
            }
            for t in self.topics
        ]

    def get(self, name: str) -> Topic | None:
        return next((t for t in self.topics if t.name == name), None)

    def tag(self, text: str) -> tuple[str, ...]:
        """Return the names of the topics the text is about, in taxonomy order."""
        return self.tag_terms(analyze(text))

    def tag_terms(self, stems: list[str]) -> tuple[str, ...]:
        """Return the names of the topics a text is about, given its index terms in order."""
        if not stems:
            return ()
        density = {}
        for topic in self.topics:
            hits = sum(1 for s in stems if s in topic.terms) + _phrase_hits(stems, topic.phrases)
            per_1000 = hits * 1000 / len(stems)
            if hits >= MIN_HITS and per_1000 >= MIN_PER_1000:
                density[topic.name] = per_1000
        if not density:
            return ()
        best = max(density.values())
        strong = sorted(
            (n for n, d in density.items() if d >= RELATIVE * best), key=lambda n: density[n]
        )
        chosen = set(strong[-MAX_TOPICS:])
        return tuple(name for name in self.names() if name in chosen)


EMPTY = Taxonomy((), "none")


def load_taxonomy(corpus: Path) -> Taxonomy:
    """Read `topics.toml` from the corpus folder; no file means no topics."""
    path = corpus / TOPICS_FILE
    hint = "Fix the file (see README: Topics) or remove it, then run `remarks index` again."
    settings = read_settings(path, hint)
    if settings is None:
        return EMPTY
    data, fingerprint = settings
    topics = []
    for i, entry in enumerate(data.get("topic", []), start=1):
        name = str(entry.get("name", "")).strip().lower()
        keywords = entry.get("keywords", [])
        if not name or not isinstance(keywords, list) or not keywords:
            raise CorpusError(
                f"{path}: topic {i} needs a name and a list of keywords.",
                'Write it as [[topic]] name = "sport" keywords = ["sport", "athlete"].',
            )
        terms, phrases = set(), []
        for keyword in keywords:
            stems = tuple(analyze(str(keyword)))
            if len(stems) == 1:
                terms.add(stems[0])
            elif stems:
                phrases.append(stems)
        description = str(entry.get("description", name))
        topics.append(Topic(name, description, frozenset(terms), tuple(phrases)))
    return Taxonomy(tuple(topics), fingerprint)


def _phrase_hits(stems: list[str], phrases: tuple[tuple[str, ...], ...]) -> int:
    hits = 0
    for phrase in phrases:
        n = len(phrase)
        first = phrase[0]
        hits += sum(
            1 for i, s in enumerate(stems) if s == first and tuple(stems[i : i + n]) == phrase
        )
    return hits
