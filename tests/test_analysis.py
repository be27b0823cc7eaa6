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


def test_one_pass_analyzer_equals_the_filter_pipeline():
    from indexer.analysis import pipeline_analyzer
    from tests.conftest import CORPUS

    options = [
        {},
        {"positions": True, "chars": True},
        {"positions": True, "removestops": False},
        {"positions": True, "no_morph": True},
        {"tokenize": False},
    ]
    for path in sorted(CORPUS.glob("*.txt"))[:8]:
        text = path.read_text(encoding="utf-8")
        for kw in options:
            fused = [
                (t.text, t.stopped, getattr(t, "pos", 0), getattr(t, "startchar", 0))
                for t in text_analyzer()(text, **kw)
            ]
            reference = [
                (t.text, t.stopped, getattr(t, "pos", 0), getattr(t, "startchar", 0))
                for t in pipeline_analyzer()(text, **kw)
            ]
            assert fused == reference, (path.name, kw)


def test_a_search_process_stems_from_the_index_table_without_nltk(bundled_index):
    import subprocess
    import sys

    from tests.conftest import ROOT

    script = (
        "import sys; from pathlib import Path; from searcher.session import TurnIndex; "
        "from searcher.search import search; "
        f"t = TurnIndex(Path({str(bundled_index)!r})); r = search(t, 'robots in industry'); "
        "print(r.total, 'nltk' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    total, nltk_loaded = out.stdout.split()
    assert int(total) > 0 and nltk_loaded == "False", out.stderr


def test_term_counts_equal_the_counted_occurrences(seed_text):
    """The frequency-only fields (text, exact) count terms without positions; the counts are
    those of the full analysis, for the stemming and the unstemmed analyzer, fresh or cached."""
    from collections import Counter

    from indexer.analysis import TextAnalyzer

    paragraphs = [p for p in seed_text.split("\n") if p.strip()]
    for analyzer in (text_analyzer(), name_analyzer(), TextAnalyzer(frozenset({"robots"}))):
        for paragraph in paragraphs:
            fresh = analyzer.term_counts(paragraph)
            expected = Counter(term for term, *_ in analyzer.occurrences(paragraph))
            assert fresh == dict(expected), paragraph
            assert analyzer.term_counts(paragraph) == dict(expected)  # from the cache
