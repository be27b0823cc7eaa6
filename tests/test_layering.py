"""The layering of the house style, checked on the source: dependencies point one way."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_indexer_never_imports_searcher_or_the_cli_toolkit():
    for path in (ROOT / "indexer").glob("*.py"):
        assert not imported_modules(path) & {"searcher", "typer", "rich"}, path.name


def test_only_the_cli_knows_typer_and_rich():
    for path in (ROOT / "searcher").glob("*.py"):
        if path.name != "cli.py":
            assert not imported_modules(path) & {"typer", "rich"}, path.name


def test_the_parser_is_pure():
    for name in ("parser.py", "labels.py", "transcript.py"):
        assert not imported_modules(ROOT / "indexer" / name) & {"whoosh", "os", "pathlib"}, name
