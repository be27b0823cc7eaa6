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
        role = book.role(speaker, transcript.date) or turn.role
        turns.append(replace(turn, speaker=speaker, role=role))
    numbers = {}
    for exchange in group_exchanges(turns):
        for seq in range(exchange.first, exchange.last + 1):
            numbers[seq] = exchange.number
    turns = [replace(turn, exchange=numbers[turn.seq]) for turn in turns]
    return tag_topics(replace(transcript, turns=tuple(turns)), taxonomy)


def tag_topics(transcript: Transcript, taxonomy: Taxonomy) -> Transcript:
    """Give each turn the topics of its exchange, plus those the transcript declares."""
    members: dict[int, list[str]] = {}
    for turn in transcript.turns:
        members.setdefault(turn.exchange, []).append(turn.text)
    declared = [t.strip().lower() for t in transcript.topics]
    # Each turn is analyzed on its own (the analysis is then reused to index it); the terms
    # of an exchange are its turns' terms one after the other, as if the texts were joined.
    topics = {
        number: tuple(
            dict.fromkeys([*taxonomy.tag_terms([s for t in texts for s in analyze(t)]), *declared])
        )
        for number, texts in members.items()
    }
    turns = tuple(replace(turn, topics=topics[turn.exchange]) for turn in transcript.turns)
    return replace(transcript, turns=turns)
