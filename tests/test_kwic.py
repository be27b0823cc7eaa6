"""Keyword in context (issue 15, part 2): every occurrence, counted as search counts."""

import csv
import io

import pytest

from indexer.analysis import TOKEN_RE
from indexer.errors import UsageError
from searcher.app.cli import app
from searcher.kwic import concordance
from searcher.query import Filters
from searcher.search import search


@pytest.mark.parametrize(
    ("words", "filters"),
    [
        ("pension", Filters()),
        ("robots", Filters()),
        ("young people", Filters()),
        ("Direct Line", Filters()),
        ("economy", Filters(speaker="putin", since="2017")),
    ],
)
def test_kwic_counts_equal_search_totals(turns, words, filters):
    found = concordance(turns, words, filters)
    query = f'text:"{words}"' if " " in words else f"text:{words}"
    assert found.turns == search(turns, query, filters).total > 0
    assert found.total == len(found.lines) >= found.turns
    stems = [t.text for t in turns.analyzers.text(words)]
    for line in found.lines:
        assert [t.text for t in turns.analyzers.text(line.match)] == stems
        assert len(TOKEN_RE.findall(line.left)) <= 6 and len(TOKEN_RE.findall(line.right)) <= 6


def test_kwic_sorts_by_context(turns):
    def before(line):
        words = TOKEN_RE.findall(line.left)
        return words[-1].lower() if words else ""

    def after(line):
        words = TOKEN_RE.findall(line.right)
        return words[0].lower() if words else ""

    left = [before(line) for line in concordance(turns, "pension", sort="left").lines]
    assert left == sorted(left) and len(set(left)) > 10
    right = [after(line) for line in concordance(turns, "pension", sort="right").lines]
    assert right == sorted(right) and len(set(right)) > 10
    dated = [line.date for line in concordance(turns, "pension").lines]
    assert dated == sorted(dated)


def test_kwic_refuses_query_syntax(turns):
    with pytest.raises(UsageError):
        concordance(turns, "robot*")
    with pytest.raises(UsageError):
        concordance(turns, "the")


def test_kwic_through_the_cli(turns, bundled_index, runner):
    result = runner.invoke(app, ["kwic", "pension", "--format", "csv", "--index", bundled_index])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == concordance(turns, "pension").total
    assert list(rows[0]) == ["left", "match", "right", "speaker", "date", "turn_id"]
    text = runner.invoke(app, ["kwic", "chessboxing", "--index", bundled_index])
    chess = concordance(turns, "chessboxing")
    assert chess.turns == search(turns, "chessboxing").total == 4
    assert text.stdout.startswith(f"{chess.total} occurrences of 'chessboxing' in 4 turns.")
    assert text.stdout.count("000_af3ddc70366262e7:") == chess.total
