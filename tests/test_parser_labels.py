"""Speaker labels: which paragraphs start a turn, and the name and role they carry."""

import pytest

from indexer.parsing.labels import Label, parse_label
from indexer.parsing.parser import parse_transcript
from tests.conftest import SEED_ID


@pytest.mark.parametrize(
    ("label", "name", "role"),
    [
        ("President of Russia Vladimir Putin", "Vladimir Putin", "President of Russia"),
        (
            "Director of the Chelyabinsk Forging and Pressing Plant Andrei Gartung",
            "Andrei Gartung",
            "Director of the Chelyabinsk Forging and Pressing Plant",
        ),
        (
            "Chelyabinsk Region Governor Alexei Teksler",
            "Alexei Teksler",
            "Chelyabinsk Region Governor",
        ),
        (
            "Security Council Secretary NIKOLAI PATRUSHEV",
            "Nikolai Patrushev",
            "Security Council Secretary",
        ),
        ("Alisa Shmelyova, metrology engineer", "Alisa Shmelyova", "metrology engineer"),
        ("Panel moderator, NBC host Megyn Kelly", "Megyn Kelly", "Panel moderator, NBC host"),
        ("Yelena Yeskina (Daghestan)", "Yelena Yeskina", "Daghestan"),
        (
            "President of Uganda Yoweri Museveni (retranslated)",
            "Yoweri Museveni",
            "President of Uganda",
        ),
        ("N. Yakovlev", "N. Yakovlev", None),
        ("Joe R Biden", "Joe R Biden", None),
        ("VladimirPutin", "Vladimir Putin", None),
        ("Dmitry, Moscow", "Dmitry", "Moscow"),
        ("John Chancellor", "John Chancellor", None),
    ],
)
def test_label_name_and_role(label, name, role):
    assert parse_label(label) == Label(label, name, role)


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Remark", "Remark"),
        ("Question", "Question"),
        ("Question (retranslated)", "Question"),
        ("Audience questioner", "Audience questioner"),
    ],
)
def test_anonymous_labels(label, name):
    parsed = parse_label(label)
    assert (parsed.name, parsed.anonymous) == (name, True)


@pytest.mark.parametrize(
    "text",
    [
        "He says",
        "I asked",
        "Many thanks to them",
        "Therefore, I am certain",
        "The same applies to Britain",
        "A young girl writes from Ivanovo",
        "Minister of Defence",
        "Hence, the question",
    ],
)
def test_sentences_with_a_colon_are_not_labels(text):
    assert parse_label(text) is None


def test_colon_sentences_stay_in_the_turn(seed_text):
    t = parse_transcript(seed_text, SEED_ID)
    last = t.turns[-1]
    assert last.speaker == "Vladimir Putin"
    assert any(
        p.startswith("What has happened? Some brands have left. Many thanks to them:")
        for p in last.paragraphs
    )
    assert any(
        p.startswith(
            "The head of the enterprise where we are now was showing the products. I asked:"
        )
        for p in last.paragraphs
    )
    first = t.turns[0]
    assert any("He immediately agreed: it is true." in p for p in first.paragraphs)


def test_continuation_paragraphs_belong_to_the_speaker(seed_text):
    t = parse_transcript(seed_text, SEED_ID)
    first = t.turns[0]
    assert (first.seq, first.speaker, first.role, len(first.paragraphs)) == (
        1,
        "Vladimir Putin",
        "President of Russia",
        7,
    )
    assert first.paragraphs[0] == "Good afternoon."
    assert first.paragraphs[-1] == "Please, let’s begin."


def test_one_canonical_name_per_speaker(seed_text):
    t = parse_transcript(seed_text, SEED_ID)
    labels = {turn.label for turn in t.turns if turn.speaker == "Vladimir Putin"}
    assert labels == {"President of Russia Vladimir Putin", "Vladimir Putin"}
    yakovlev = [(turn.seq, turn.label) for turn in t.turns if turn.speaker == "Nikolai Yakovlev"]
    assert yakovlev == [(6, "Nikolai Yakovlev"), (12, "N. Yakovlev")]


def test_role_carries_to_the_speakers_later_turns(seed_text):
    t = parse_transcript(seed_text, SEED_ID)
    teksler = [(turn.label, turn.role) for turn in t.turns if turn.speaker == "Alexei Teksler"]
    assert teksler == [
        ("Chelyabinsk Region Governor Alexei Teksler", "Chelyabinsk Region Governor"),
        ("Alexei Teksler", "Chelyabinsk Region Governor"),
    ]


def test_capitals_name_joins_its_mixed_case_turns():
    text = (
        "Meeting\nJune 14, 2010, Moscow\n\n"
        "Security Council Secretary NIKOLAI PATRUSHEV: Mr President.\n"
        "Dmitry Medvedev: Go on.\n"
        "Nikolai Patrushev: Yes.\n"
    )
    t = parse_transcript(text, "x")
    assert [(turn.speaker, turn.role) for turn in t.turns] == [
        ("Nikolai Patrushev", "Security Council Secretary"),
        ("Dmitry Medvedev", None),
        ("Nikolai Patrushev", "Security Council Secretary"),
    ]


def test_surname_only_label_joins_the_full_name():
    text = "T\nMay 1, 2020\n\nPresident of Russia Vladimir Putin: Hello.\nPresident Putin: Again.\n"
    t = parse_transcript(text, "x")
    assert [turn.speaker for turn in t.turns] == ["Vladimir Putin", "Vladimir Putin"]


def test_one_word_label_that_names_nobody_is_prose():
    text = "T\nMay 1, 2020\n\nIvan Petrov: We went there.\nMoscow: a city of contrasts.\n"
    t = parse_transcript(text, "x")
    assert [(turn.speaker, turn.paragraphs) for turn in t.turns] == [
        ("Ivan Petrov", ("We went there.", "Moscow: a city of contrasts."))
    ]


def test_three_word_name_printed_later_is_preferred():
    text = (
        "T\nMay 1, 2020\n\nPresident of Turkey Recep Tayyip Erdogan: Hello.\n"
        "Vladimir Putin: Hi.\nRecep Tayyip Erdogan: Thanks.\n"
    )
    t = parse_transcript(text, "x")
    assert [(turn.speaker, turn.role) for turn in t.turns] == [
        ("Recep Tayyip Erdogan", "President of Turkey"),
        ("Vladimir Putin", None),
        ("Recep Tayyip Erdogan", "President of Turkey"),
    ]
