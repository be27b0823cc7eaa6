"""The layering of the house style, checked on the source: dependencies point one way.

indexer/parsing     transcript text → Transcript, Turns and roles (pure but reading.py)
indexer/annotation  exchanges, topics, the speakers file
indexer/storage     the index on disk: generations, commit records, lock, documents
indexer/building    index_corpus, add, sync, parallel workers
indexer/whoosh_ext  every use of Whoosh internals, applied by one `apply()`
indexer/*.py        shared vocabulary: errors, ids, schema, analysis, the facade
searcher/           the library API: search, browse, topics
searcher/app        the command line and the web app, thin layers over the library
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = {"indexer", "indexer.errors", "indexer.ids", "indexer.schema", "indexer.analysis"}


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Full names of the modules `path` imports (`from a.b import c` gives a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def tops(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported(path)}


def package_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])


def test_indexer_never_imports_searcher_or_the_cli_toolkit():
    for path in modules("indexer"):
        assert not tops(path) & {"searcher", "typer", "rich", "fastapi"}, path


def test_only_the_cli_knows_typer_and_rich_and_only_the_app_fastapi():
    for path in modules("searcher"):
        if path.name != "cli.py":
            assert not tops(path) & {"typer", "rich"}, path
        if package_of(path) != "searcher.app":
            assert not tops(path) & {"fastapi", "uvicorn", "jinja2", "starlette"}, path


def test_the_library_never_imports_the_app():
    for path in [*modules("indexer"), *modules("searcher")]:
        if package_of(path) != "searcher.app":
            assert not {n for n in imported(path) if n.startswith("searcher.app")}, path


def test_the_searcher_sees_the_indexer_only_through_shared_modules_and_the_facade():
    allowed = SHARED | {"indexer.whoosh_ext"}
    for path in modules("searcher"):
        inner = {n for n in imported(path) if n.split(".")[0] == "indexer"}
        reaching = {
            n for n in inner if n not in allowed and not n.startswith("indexer.whoosh_ext.")
        }
        assert not reaching, (path, reaching)


def test_the_parser_is_pure():
    for name in ("parser.py", "labels.py", "transcript.py"):
        path = ROOT / "indexer" / "parsing" / name
        assert not tops(path) & {"whoosh", "os", "pathlib"}, name


def test_only_the_whoosh_extension_touches_whoosh_internals():
    """No module outside indexer/whoosh_ext reads a private name (`x._name`) of an object it
    did not define, nor imports a private name from Whoosh."""
    for path in [*modules("indexer"), *modules("searcher")]:
        if "whoosh_ext" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                if node.attr.startswith("__") or node.attr == "_exit":  # os._exit
                    continue
                base = node.value
                own = isinstance(base, ast.Name) and base.id in ("self", "cls")
                assert own, f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}"
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                assert not [a.name for a in node.names if a.name.startswith("_")], path


def test_the_indexer_subpackages_depend_one_way():
    """parsing ← annotation ← storage ← building; whoosh_ext needs none of them."""
    rank = {"parsing": 0, "annotation": 1, "storage": 2, "building": 3}
    for path in modules("indexer"):
        package = package_of(path).split(".")
        if len(package) < 2:
            continue
        for name in imported(path):
            parts = name.split(".")
            if len(parts) < 3 or parts[0] != "indexer" or parts[1] == package[1]:
                continue
            if package[1] == "whoosh_ext":
                assert parts[1] not in rank, (path, name)
            elif parts[1] in rank:
                assert rank[parts[1]] < rank[package[1]], (path, name)
