"""Look around the index: a turn in its context, the speakers, and overall figures."""

from dataclasses import dataclass, field

from whoosh import query as q

from indexer import index_size
from indexer.errors import UnknownTurnError, UsageError
from indexer.ids import turn_seq
from indexer.schema import ATTR_SEPARATOR
from searcher.hits import TurnRecord, column_text, record_from_fields
from searcher.session import TurnIndex


@dataclass(frozen=True)
class TurnInContext:
    """A turn with the turns just before and after it in its transcript."""

    turn: TurnRecord
    before: list[TurnRecord]
    after: list[TurnRecord]

    def to_json(self) -> dict:
        return {
            "turn": self.turn.to_json(),
            "before": [t.to_json() for t in self.before],
            "after": [t.to_json() for t in self.after],
            "exchange": self.turn.exchange,
        }


@dataclass(frozen=True)
class SpeakerSummary:
    """A speaker, the roles they were given, and how much they said."""

    name: str
    roles: list[str]
    turns: int
    transcripts: int
    # From the speaker table; several values of one attribute are joined with "; ".
    attributes: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "roles": self.roles,
            "turns": self.turns,
            "transcripts": self.transcripts,
            "attributes": dict(self.attributes),
        }


@dataclass(frozen=True)
class IndexStats:
    """Figures about the whole index."""

    transcripts: int
    turns: int
    speakers: int
    first_date: str | None
    last_date: str | None
    index_bytes: int

    def to_json(self) -> dict:
        return {
            "transcripts": self.transcripts,
            "turns": self.turns,
            "speakers": self.speakers,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "index_bytes": self.index_bytes,
        }


def get_turn(index: TurnIndex, turn_id: str) -> TurnRecord:
    """Return one turn by its id."""
    docnum = index.turn_documents([turn_id]).get(turn_id)
    if docnum is None:
        raise UnknownTurnError(
            f"There is no turn {turn_id!r} in the index.",
            "Turn ids look like TRANSCRIPT:NUMBER; copy one from `remarks search` output.",
        )
    return record_from_fields(index.searcher.stored_fields(docnum))


def show_turn(
    index: TurnIndex, turn_id: str, context: int = 0, exchange: bool = False
) -> TurnInContext:
    """Return a turn with up to `context` turns on each side, or with its whole exchange."""
    if context < 0:
        raise UsageError(f"--context {context} is out of range.", "Use 0 or more turns.")
    turn = get_turn(index, turn_id)
    if exchange and turn.exchange:
        first = turn_seq(turn.exchange["turn_ids"][0])
        last = turn_seq(turn.exchange["turn_ids"][-1])
    else:
        first, last = turn.seq - context, turn.seq + context
    around = _turns_between(index, turn.transcript, first, last) if last > first else []
    before = [r for r in around if r.seq < turn.seq]
    after = [r for r in around if r.seq > turn.seq]
    return TurnInContext(turn, before, after)


def answer_to(index: TurnIndex, turn: TurnRecord) -> TurnRecord | None:
    """Return the reply to a turn: the next turn of its exchange by someone else, if any."""
    if not turn.exchange:
        return None
    last = turn_seq(turn.exchange["turn_ids"][-1])
    for record in _turns_between(index, turn.transcript, turn.seq + 1, last):
        if record.speaker != turn.speaker:
            return record
    return None


def transcript_turns(index: TurnIndex, transcript: str) -> list[TurnRecord]:
    """Return every turn of a transcript in order (empty if there is no such transcript)."""
    hits = index.searcher.search(q.Term("transcript", transcript), limit=None, sortedby="seq")
    return [record_from_fields(hit.fields()) for hit in hits]


def _turns_between(index: TurnIndex, transcript: str, first: int, last: int) -> list[TurnRecord]:
    span = q.And([q.Term("transcript", transcript), q.NumericRange("seq", first, last)])
    hits = index.searcher.search(span, limit=None, sortedby="seq")
    return [record_from_fields(hit.fields()) for hit in hits]


def list_speakers(index: TurnIndex) -> list[SpeakerSummary]:
    """Return every speaker with their roles, turn and transcript counts, most turns first."""
    return summarize_speakers(speaker_parts(index))


@dataclass
class SpeakerPart:
    """What one index (or shard) knows of a speaker: turns, transcripts, and each role and
    speaker-table entry with the place (transcript, turn number) it first appears."""

    turns: int
    transcripts: int
    roles: dict[str, tuple[str, int]]
    attrs: dict[str, tuple[str, int]]

    def __add__(self, other: "SpeakerPart") -> "SpeakerPart":
        # A transcript is in one shard only: transcript counts add up.
        return SpeakerPart(
            self.turns + other.turns,
            self.transcripts + other.transcripts,
            _first_places(self.roles, other.roles),
            _first_places(self.attrs, other.attrs),
        )


def _first_places(a: dict, b: dict) -> dict:
    merged = dict(a)
    for key, place in b.items():
        if key not in merged or place < merged[key]:
            merged[key] = place
    return merged


def speaker_parts(index: TurnIndex) -> dict[str, SpeakerPart]:
    """Every speaker of the index with the figures `summarize_speakers` lists."""
    reader = index.searcher.reader()
    transcripts = reader.column_reader("transcript")
    seqs = reader.column_reader("seq")
    roles = reader.column_reader("role")
    attrs = reader.column_reader("attr_list")
    deleted = reader.has_deletions()
    parts = {}
    for name in reader.field_terms("speaker"):
        docs = [d for d in reader.postings("speaker", name).all_ids()]
        if deleted:
            docs = [d for d in docs if not reader.is_deleted(d)]
        if not docs:
            continue
        seen_roles: dict[str, tuple[str, int]] = {}
        seen_attrs: dict[str, tuple[str, int]] = {}
        for d in docs:
            place = (column_text(transcripts[d]), seqs[d])
            role = column_text(roles[d])
            if role and (role not in seen_roles or place < seen_roles[role]):
                seen_roles[role] = place
            pairs = column_text(attrs[d])
            if pairs not in seen_attrs or place < seen_attrs[pairs]:
                seen_attrs[pairs] = place
        parts[name] = SpeakerPart(
            len(docs), len({transcripts[d] for d in docs}), seen_roles, seen_attrs
        )
    return parts


def summarize_speakers(parts: dict[str, SpeakerPart]) -> list[SpeakerSummary]:
    """Speaker summaries, most turns first; roles and table values in the order they first
    appear in the corpus."""
    summaries = []
    for name, part in parts.items():
        values: dict[str, dict[str, None]] = {}
        for pairs in sorted(part.attrs, key=part.attrs.__getitem__):
            for pair in pairs.split(ATTR_SEPARATOR):
                if pair:
                    key, _, value = pair.partition("=")
                    values.setdefault(key, {})[value] = None
        summaries.append(
            SpeakerSummary(
                name=name,
                roles=sorted(part.roles, key=part.roles.__getitem__),
                turns=part.turns,
                transcripts=part.transcripts,
                attributes={key: "; ".join(found) for key, found in values.items()},
            )
        )
    summaries.sort(key=lambda s: (-s.turns, s.name))
    return summaries


def index_stats(index: TurnIndex) -> IndexStats:
    """Return the number of transcripts, turns and speakers, and the date range."""
    reader = index.searcher.reader()
    first = last = None
    if reader.doc_count():
        dated = [d for d in reader.column_reader("date") if d]
        if dated:
            first, last = min(dated).strftime("%Y-%m-%d"), max(dated).strftime("%Y-%m-%d")
    return IndexStats(
        transcripts=_live_terms(reader, "transcript"),
        turns=reader.doc_count(),
        speakers=_live_terms(reader, "speaker"),
        first_date=first,
        last_date=last,
        index_bytes=index_size(index.index_dir),
    )


def _live_terms(reader, fieldname: str) -> int:
    """Count the terms of a field that some live turn has (a deleted turn's terms stay in its
    segment until the segment is merged)."""
    if not reader.has_deletions():
        return sum(1 for _ in reader.field_terms(fieldname))
    return sum(
        1
        for term in reader.field_terms(fieldname)
        if any(not reader.is_deleted(d) for d in reader.postings(fieldname, term).all_ids())
    )
