"""The one-pass postings formats write exactly what Whoosh's own formats write."""

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
                assert mine == whoosh


def test_the_schema_uses_them():
    schema = make_schema()
    assert isinstance(schema["exact"].format, TurnFrequency)
    # Positions without character offsets for phrases (schema 13): nothing reads the offsets.
    assert not schema["text"].format.supports("characters")
    assert all(isinstance(schema[f].format, TurnPositions) for f in ("text", "title", "role"))
