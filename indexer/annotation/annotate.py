"""Annotate a parsed transcript for indexing: the speakers file, exchanges and topics."""

from dataclasses import replace

from indexer.analysis import analyze
from indexer.annotation.exchanges import group_exchanges
from indexer.annotation.speakers_file import SpeakerBook
from indexer.annotation.topics import Taxonomy
from indexer.parsing.transcript import Transcript


def annotate(transcript: Transcript, taxonomy: Taxonomy, book: SpeakerBook) -> Transcript:
    """Apply the speakers file, group turns into exchanges and tag each exchange's topics.

    A turn's topics are its exchange's topics plus any the transcript declares itself.
    """
    turns = []
    for turn in transcript.turns:
        if turn.anonymous:
            turns.append(turn)
            continue
        speaker = book.canonical(turn.speaker)
        role = book.role(speaker, transcript.date, transcript.id) or turn.role
        attributes = book.attributes(speaker, transcript.date, transcript.id)
        turns.append(replace(turn, speaker=speaker, role=role, attributes=attributes))
    numbers = {}
    for exchange in group_exchanges(turns):
        for seq in range(exchange.first, exchange.last + 1):
            numbers[seq] = exchange.number
    turns = [replace(turn, exchange=numbers[turn.seq]) for turn in turns]
    return tag_topics(replace(transcript, turns=tuple(turns)), taxonomy)


def tag_topics(transcript: Transcript, taxonomy: Taxonomy) -> Transcript:
    """Give each turn the topics of its exchange that the turn itself speaks of, plus those
    the transcript declares.

    An exchange's topics are decided on its whole text (`Taxonomy.tag_terms`); a turn keeps
    one only with evidence of its own, as dense as an exchange needs (`Taxonomy.evidence`).
    So "Thank you, Joe", a long turn that names a hospital once, and the turns of a long
    exchange that are on another subject get no topic they do not speak of.
    """
    members: dict[int, list[int]] = {}
    terms = [analyze(turn.text) for turn in transcript.turns]
    for i, turn in enumerate(transcript.turns):
        members.setdefault(turn.exchange, []).append(i)
    declared = [t.strip().lower() for t in transcript.topics]
    # Each turn is analyzed on its own (the analysis is then reused to index it); the terms
    # of an exchange are its turns' terms one after the other, as if the texts were joined.
    chosen: list[tuple[str, ...]] = [()] * len(transcript.turns)
    for indexes in members.values():
        topics = taxonomy.tag_terms([s for i in indexes for s in terms[i]])
        if topics:
            for i in indexes:
                chosen[i] = taxonomy.evidence(terms[i], topics)
    turns = tuple(
        replace(turn, topics=tuple(dict.fromkeys([*chosen[i], *declared])))
        for i, turn in enumerate(transcript.turns)
    )
    return replace(transcript, turns=turns)
