"""The one-pass postings formats write what Whoosh's own formats write (positions as bytes
when they fit, read back as the same positions)."""

from whoosh.formats import Characters, Frequency, Positions

from indexer.analysis import name_analyzer, text_analyzer
from indexer.schema import make_schema
from indexer.whoosh_ext.postings import TurnCharacters, TurnFrequency, TurnPositions

TEXTS = [
    "The President: in 2021 the Ministry of Defence’s budget (the “defence order”) grew.",
    "Thank you. Thank you very much!",
    "",
    "the of and",
    "Niinistö, Sauli — Président; don’t stop",
]


def test_formats_match_whoosh_formats(seed_text):
    texts = [*TEXTS, seed_text, *seed_text.split("\n")]
    pairs = [(TurnCharacters(), Characters()), (TurnPositions(), Positions())]
    pairs.append((TurnFrequency(), Frequency()))
    for ours, theirs in pairs:
        for analyzer in (text_analyzer(), name_analyzer()):
            for text in texts:
                mine = list(ours.word_values(text, analyzer, mode="index"))
                whoosh = list(theirs.word_values(text, analyzer, mode="index"))
                if isinstance(ours, TurnPositions):
                    assert [row[:3] for row in mine] == [row[:3] for row in whoosh]
                    positions = [ours.decode_positions(row[3]) for row in mine]
                    assert positions == [theirs.decode_positions(row[3]) for row in whoosh]
                    assert [ours.decode_frequency(row[3]) for row in mine] == [
                        row[1] for row in whoosh
                    ]
                else:
                    assert mine == whoosh


def test_positions_are_stored_as_bytes_when_every_gap_fits():
    ours, theirs = TurnPositions(), Positions()
    for positions in ([0], [3, 7, 255], [0, 1, 2, 300], [5, 400], list(range(0, 5000, 7))):
        value = ours.encode(positions)
        assert ours.decode_positions(value) == positions
        assert ours.decode_frequency(value) == len(positions)
        gaps = [b - a for a, b in zip([0, *positions], positions, strict=False)]
        if max(gaps) < 256:
            assert len(value) == 5 + len(positions) < len(theirs.encode(positions))
        else:  # Whoosh's pickle, which both read
            assert value == theirs.encode(positions)
            assert theirs.decode_positions(value) == positions


def test_the_schema_uses_them():
    schema = make_schema()
    assert isinstance(schema["exact"].format, TurnFrequency)
    # Positions without character offsets for phrases (schema 13): nothing reads the offsets.
    assert not schema["text"].format.supports("characters")
    assert all(isinstance(schema[f].format, TurnPositions) for f in ("text", "title", "role"))
