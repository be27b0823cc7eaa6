"""Shared fixtures: the bundled corpus, the shared corpora, and real indexes in tmp folders."""

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexer.building.build import index_corpus
from searcher.session import TurnIndex

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared" / "corpora"
SEED_NAME = "000_af3ddc70366262e7.txt"
SEED_ID = "000_af3ddc70366262e7"


def shared(name: str) -> Path:
    """Return a folder of ../shared/corpora. Without it the test fails in CI (`CI` set, as
    `.ci/run` does) and is skipped elsewhere, saying why."""
    path = SHARED / name
    if not path.is_dir():
        reason = f"../shared/corpora/{name} is not beside the repository"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must have it", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def seed_text() -> str:
    return (CORPUS / SEED_NAME).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory) -> Path:
    """A real index of the whole bundled corpus, built once per test session."""
    index_dir = tmp_path_factory.mktemp("bundled") / "index"
    index_corpus(CORPUS, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def turns(bundled_index):
    with TurnIndex(bundled_index) as opened:
        yield opened


@pytest.fixture
def seed_corpus(tmp_path) -> Path:
    """A corpus folder holding only the seed transcript."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / SEED_NAME, corpus)
    return corpus


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for var in ("REMARKS_INDEX", "REMARKS_CORPUS"):
        monkeypatch.delenv(var, raising=False)
    return CliRunner()


def write_transcript(folder: Path, name: str, body: str, header: str | None = None) -> Path:
    """Write a small transcript with a standard header into `folder`."""
    header = header if header is not None else "A test meeting\nMarch 3, 2021, Moscow\n\n"
    path = folder / name
    path.write_text(header + body, encoding="utf-8")
    return path


os.environ.setdefault("NO_COLOR", "1")
