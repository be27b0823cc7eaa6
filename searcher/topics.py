"""Topics at search time: resolve what the user typed, rank turns by topic, list topics."""

from collections import Counter
from dataclasses import dataclass

from whoosh import query as q

from indexer.errors import UsageError
from indexer.schema import PHRASE_FIELD
from searcher.session import TurnIndex

# Tagged turns come first: a constant score for the tag outweighs any BM25 score of the text,
# which then orders the tagged turns (and the untagged ones after them).
TAGGED_BOOST = 100.0
TOP_SPEAKERS = 5


@dataclass(frozen=True)
class TopicSummary:
    """A topic, how many turns carry it, and who speaks most in them."""

    name: str
    description: str
    turns: int
    top_speakers: list[str]
    speaker_turns: dict[str, int]

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "turns": self.turns,
            "top_speakers": self.top_speakers,
            "speaker_turns": self.speaker_turns,
        }


def known_topics(index: TurnIndex) -> dict[str, dict]:
    """Return the topics of the index: the taxonomy's, then any transcripts declare."""
    topics = {t["name"]: t for t in index.meta.get("topics", [])}
    for term in index.searcher.reader().field_terms("topics"):
        name = term.decode() if isinstance(term, bytes) else term
        topics.setdefault(name, {"name": name, "description": name, "terms": [], "phrases": []})
    return topics


def resolve_topic(index: TurnIndex, value: str) -> str:
    """Return the topic a user means: exact name, else the one name it starts or is a word of."""
    wanted = " ".join(value.lower().split())
    names = list(known_topics(index))
    if wanted in names:
        return wanted
    for match in (
        [n for n in names if n.replace(" ", "") == wanted.replace(" ", "")],  # "healthcare"
        [n for n in names if n.startswith(wanted)],
        [n for n in names if wanted in n.split()],
        [n for n in names if wanted in n],
    ):
        if len(match) == 1:
            return match[0]
    listing = ", ".join(names) or "none"
    raise UsageError(
        f"--topic {value!r} is not a topic of this index.",
        f"Use one of: {listing} (see `remarks topics`).",
    )


def topic_query(index: TurnIndex, name: str) -> q.Query:
    """Return a query ranking turns by how strongly they are about a topic."""
    topic = known_topics(index)[name]
    tagged = q.ConstantScoreQuery(q.Term("topics", name), score=TAGGED_BOOST)
    parts: list[q.Query] = [tagged]
    parts += [q.Term("text", term) for term in topic["terms"]]
    parts += [q.Phrase(PHRASE_FIELD, list(phrase)) for phrase in topic["phrases"]]
    return q.Or(parts)


def list_topics(index: TurnIndex) -> list[TopicSummary]:
    """Return every topic with its turn count and most frequent speakers, in taxonomy order."""
    return summarize_topics(topic_parts(index))


def topic_parts(index: TurnIndex) -> dict[str, tuple[dict, Counter[str]]]:
    """Every topic of the index (in taxonomy order) and the speakers of its turns, counted."""
    reader = index.searcher.reader()
    speakers = reader.column_reader("speaker")
    parts = {}
    for name, topic in known_topics(index).items():
        docs = (
            [d for d in reader.postings("topics", name).all_ids() if not reader.is_deleted(d)]
            if reader.doc_frequency("topics", name)
            else []
        )
        parts[name] = (topic, Counter(speakers[d] for d in docs))
    return parts


def summarize_topics(parts: dict[str, tuple[dict, Counter[str]]]) -> list[TopicSummary]:
    """Topic summaries: turns, and the most frequent speakers (equal counts by name)."""
    summaries = []
    for name, (topic, counts) in parts.items():
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_SPEAKERS]
        summaries.append(
            TopicSummary(
                name=name,
                description=topic.get("description", name),
                turns=sum(counts.values()),
                top_speakers=[s for s, _ in top],
                speaker_turns=dict(top),
            )
        )
    return summaries
