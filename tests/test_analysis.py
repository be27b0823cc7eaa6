"""The analyzer: tokens with offsets, folding, stop words, Snowball stems."""

from indexer.analysis import analyze, fold, name_analyzer, stem, text_analyzer


def test_snowball_undoubles_consonants():
    assert [stem(w) for w in ("running", "stopped", "robots", "robotics")] == [
        "run",
        "stop",
        "robot",
        "robot",
    ]


def test_typographic_folding_and_accents():
    assert fold("don’t") == "don't"
    assert fold("Niinistö") == "Niinisto"
    assert analyze("the company’s “robots” — Niinistö") == ["compani", "robot", "niinisto"]


def test_curly_and_straight_apostrophes_index_alike():
    assert analyze("Russia’s") == analyze("Russia's") == ["russia"]


def test_hyphens_and_dashes_split_words():
    assert analyze("forge-and-press 230–240") == ["forg", "press", "230", "240"]


def test_character_offsets_point_at_the_surface_words():
    text = "We saw Russian-made robots."
    tokens = [(t.text, text[t.startchar : t.endchar]) for t in text_analyzer()(text, chars=True)]
    assert tokens == [
        ("we", "We"),
        ("saw", "saw"),
        ("russian", "Russian"),
        ("made", "made"),
        ("robot", "robots"),
    ]


def test_name_analyzer_keeps_whole_words():
    assert [t.text for t in name_analyzer()("Alexei Teksler")] == ["alexei", "teksler"]
