"""Golden figures for real transcripts: the seed, the 44 kremlin.ru files and the debates."""

import csv
from collections import Counter
from datetime import date

import pytest

from indexer.parsing.reading import find_transcripts, read_transcript
from tests.conftest import CORPUS, SEED_ID, shared

SEED_SPEAKERS = {
    "Vladimir Putin": 40,
    "Remark": 3,
    "Nikolai Yakovlev": 2,
    "Andrei Gartung": 2,
    "Pavel Baglai": 2,
    "Alexei Vertyankin": 2,
    "Ivan Baryshev": 3,
    "Amina Akhmadulina": 4,
    "Maxim Kasyanov": 6,
    "Andrei Lupu": 2,
    "Denis Vildanov": 4,
    "Alexei Teksler": 2,
    "Valeria Bobrovskaya": 3,
    "Yevgeny Klyuchnikov": 7,
}


def test_seed_turn_count_and_speakers():
    t = read_transcript(CORPUS / f"{SEED_ID}.txt", CORPUS)
    assert t.id == SEED_ID
    assert len(t.turns) == 82
    assert [turn.seq for turn in t.turns] == list(range(1, 83))
    assert dict(Counter(turn.speaker for turn in t.turns)) == SEED_SPEAKERS


def test_seed_roles_from_labels_and_introductions():
    t = read_transcript(CORPUS / f"{SEED_ID}.txt", CORPUS)
    roles = {turn.speaker: turn.role for turn in t.turns}
    assert roles == {
        "Vladimir Putin": "President of Russia",
        "Remark": None,
        "Nikolai Yakovlev": "personnel department at the Chelyabinsk tractor plant – URALTRAK",
        "Andrei Gartung": "Director of the Chelyabinsk Forging and Pressing Plant",
        "Pavel Baglai": "head of the Industrial Process Automation Department "
        "at a robotics factory",
        "Alexei Vertyankin": "chief designed at this plant",
        "Ivan Baryshev": "fourth-year student, Faculty of Energy, South Urals State University",
        "Amina Akhmadulina": "fourth-year student at the Law Institute "
        "at South Ural State University",
        "Maxim Kasyanov": "works at the Chelyabinsk forge-and-press plant; "
        "student at South Ural State University",
        "Andrei Lupu": "student at South Ural State University, "
        "Higher School of Electronics and Computer Science",
        "Denis Vildanov": "fourth-year student at Miass Engineering College; "
        "assembly metal worker at the Ural automotive plant",
        "Alexei Teksler": "Chelyabinsk Region Governor",
        "Valeria Bobrovskaya": "design engineer at this industrial site",
        "Yevgeny Klyuchnikov": "Chelyabinsk Plant of Urban Electric Transport, "
        "head of the workshop",
    }


def test_every_bundled_transcript_parses():
    paths = find_transcripts(CORPUS)
    assert len(paths) == 45
    turns = sum(len(read_transcript(p, CORPUS).turns) for p in paths)
    assert turns == 6108


def test_kremlin_collection_parses_with_dates_and_titles():
    folder = shared("kremlin-en")
    rows = list(csv.DictReader((folder / "index.tsv").open(encoding="utf-8"), delimiter="\t"))
    assert len(rows) == 44
    for row in rows:
        t = read_transcript(folder / row["file"], folder)
        assert t.title == row["title"]
        assert t.date == date.fromisoformat(row["date"])
        assert len(t.turns) >= int(row["turns"]) - 1, row["file"]


def test_debates_parse_to_the_published_turn_counts():
    folder = shared("us-presidential-debates")
    rows = list(csv.DictReader((folder / "index.tsv").open(encoding="utf-8"), delimiter="\t"))
    assert len(rows) == 35
    counts = {row["file"]: len(read_transcript(folder / row["file"], folder).turns) for row in rows}
    assert counts == {row["file"]: int(row["turns"]) for row in rows}


def test_patrushev_meeting_spot_check():
    name = "2010-06-14_8043_meeting-with-security-council-secretary-nikolai-patrushev-an.txt"
    t = read_transcript(CORPUS / name, CORPUS)
    assert [(turn.speaker, turn.role) for turn in t.turns[:4]] == [
        ("Dmitry Medvedev", "President of Russia"),
        ("Nikolai Patrushev", "Security Council Secretary"),
        ("Dmitry Medvedev", "President of Russia"),
        ("Nikolai Bordyuzha", "Csto Secretary General"),
    ]
    assert len(t.turns) == 9


def test_debate_spot_check():
    folder = shared("us-presidential-debates")
    t = read_transcript(folder / "2020-09-29_biden-trump-1-of-2.txt", folder)
    assert (t.title, t.date, t.place) == (
        "US Presidential Debate, Biden, Trump (1 of 2)",
        date(2020, 9, 29),
        "Hofstra University, Hempstead, NY",
    )
    assert dict(Counter(turn.speaker for turn in t.turns)) == {
        "Chris Wallace": 230,
        "Donald J Trump": 350,
        "Joe R Biden": 272,
    }
    assert t.turns[1].paragraphs == ("How you doing, man?",)


@pytest.mark.parametrize(
    ("file", "seq", "speaker", "role"),
    [
        (
            "2017-11-09_56028_the-president-visited-the-chelyabinsk-compressor-plant.txt",
            2,
            "Albert Yalaletdinov",
            "Chelyabinsk Compressor Plant Director",
        ),
        (
            "2017-11-09_56028_the-president-visited-the-chelyabinsk-compressor-plant.txt",
            1,
            "Vladimir Putin",
            "President of Russia",
        ),
    ],
)
def test_kremlin_spot_checks(file, seq, speaker, role):
    t = read_transcript(CORPUS / file, CORPUS)
    turn = t.turns[seq - 1]
    assert (turn.seq, turn.speaker, turn.role) == (seq, speaker, role)


def test_label_detection_agrees_with_the_archive_turn_list():
    """The 1,395-transcript archive lists every labelled turn; nearly all must be found."""
    import json

    folder = shared("kremlin-en-all")
    expected: dict[str, Counter] = {}
    for line in (folder / "turns.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        if record["speaker"]:
            first = record["text"].split("\n")[0][-40:]
            expected.setdefault(record["doc_id"], Counter())[first] += 1
    found = missed = 0
    for path in sorted((folder / "texts").glob("*.txt")):
        doc_id = path.stem.split("_")[1]
        t = read_transcript(path, folder)
        mine = Counter(turn.paragraphs[0][-40:] for turn in t.turns)
        gold = expected.get(doc_id, Counter())
        found += sum((mine & gold).values())
        missed += sum((gold - mine).values())
    assert found + missed == 14099
    assert missed <= 10
