"""Topics: a user-editable taxonomy (`topics.toml` in the corpus, else the built-in general
topics in `default_topics.toml`) and keyword-evidence tagging.

Each question–answer exchange is tagged with the topics whose keywords occur in it often
enough: at least `MIN_HITS` matches, at least `MIN_PER_1000` matches per thousand words, and
at least `RELATIVE` of the density of the exchange's strongest topic; at most `MAX_TOPICS`.
Matching is on stems, so "robot" matches "robots" and "robotics"; a phrase matches its stems
in order. An exchange with no such evidence gets no topic rather than a guess.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from indexer.analysis import analyze
from indexer.annotation.settings_file import read_settings
from indexer.errors import CorpusError

TOPICS_FILE = "topics.toml"
MIN_HITS = 3
MIN_PER_1000 = 10.0
RELATIVE = 0.3
MAX_TOPICS = 3
# A turn keeps a topic of its exchange with a keyword per 65 of its index terms, about one per
# 130 words spoken (half of speech is stop words): a long turn that names a hospital once, in
# passing, is not about health care; Putin's 111-term answer on pensions for people who worked
# abroad (two keywords) is about pensions.
TURN_PER_1000 = 15.0


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

    @cached_property
    def _topics_by_term(self) -> dict[str, list[int]]:
        """Which topics (by position) each keyword stem belongs to."""
        by_term: dict[str, list[int]] = defaultdict(list)
        for i, topic in enumerate(self.topics):
            for term in topic.terms:
                by_term[term].append(i)
        return dict(by_term)

    def hits(self, stems: list[str]) -> dict[str, int]:
        """How many keywords and phrases of each topic a text's index terms hold (one pass
        over the text, then a look-up per keyword)."""
        counts = Counter(stems)
        by_term = self._topics_by_term
        totals = [0] * len(self.topics)
        for term, count in counts.items():
            for i in by_term.get(term, ()):
                totals[i] += count
        starts: dict[str, list[int]] | None = None
        found = {}
        for topic, hits in zip(self.topics, totals, strict=True):
            for phrase in topic.phrases:
                if phrase[0] not in counts:
                    continue
                if starts is None:
                    starts = defaultdict(list)
                    for i, stem in enumerate(stems):
                        starts[stem].append(i)
                n = len(phrase)
                hits += sum(1 for i in starts[phrase[0]] if tuple(stems[i : i + n]) == phrase)
            found[topic.name] = hits
        return found

    def tag_terms(self, stems: list[str]) -> tuple[str, ...]:
        """Return the names of the topics a text is about, given its index terms in order."""
        if not stems:
            return ()
        density = {}
        for name, hits in self.hits(stems).items():
            per_1000 = hits * 1000 / len(stems)
            if hits >= MIN_HITS and per_1000 >= MIN_PER_1000:
                density[name] = per_1000
        if not density:
            return ()
        best = max(density.values())
        strong = sorted(
            (n for n, d in density.items() if d >= RELATIVE * best), key=lambda n: density[n]
        )
        chosen = set(strong[-MAX_TOPICS:])
        return tuple(name for name in self.names() if name in chosen)

    def evidence(self, stems: list[str], names: tuple[str, ...]) -> tuple[str, ...]:
        """Which of the named topics a turn speaks of itself: keywords, at least
        `TURN_PER_1000` per thousand index terms."""
        if not stems or not names:
            return ()
        hits = self.hits(stems)
        return tuple(
            n
            for n in self.names()
            if n in names and hits[n] and hits[n] * 1000 / len(stems) >= TURN_PER_1000
        )


EMPTY = Taxonomy((), "none")


DEFAULT_TOPICS = Path(__file__).with_name("default_topics.toml")


def load_taxonomy(corpus: Path) -> Taxonomy:
    """Read `topics.toml` from the corpus folder; without one, the built-in general topics."""
    path = corpus / TOPICS_FILE
    hint = "Fix the file (see README: Topics) or remove it, then run `remarks index` again."
    settings = read_settings(path, hint)
    if settings is None:
        path = DEFAULT_TOPICS
        settings = read_settings(path, hint)
        assert settings is not None, "the built-in topics ship with remarks"
        data, fingerprint = settings
        return _taxonomy(data, path, f"default-{fingerprint}")
    data, fingerprint = settings
    return _taxonomy(data, path, fingerprint)


def init_topics(corpus: Path) -> Path:
    """Write the built-in topics into the corpus as `topics.toml`, for editing."""
    path = corpus / TOPICS_FILE
    if path.exists():
        raise CorpusError(
            f"{path} exists already.",
            "Edit it, or remove it first to start again from the built-in topics.",
        )
    if not corpus.is_dir():
        raise CorpusError(f"The corpus folder {corpus} does not exist.", "Pass --corpus FOLDER.")
    path.write_bytes(DEFAULT_TOPICS.read_bytes())
    return path


def _taxonomy(data: dict, path: Path, fingerprint: str) -> Taxonomy:
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
