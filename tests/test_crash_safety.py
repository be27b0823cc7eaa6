"""Crash safety: SIGKILLed writers, stale locks, concurrent writers, searching during updates."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from indexer.building.build import index_corpus
from indexer.errors import IndexLockedError
from indexer.storage.lock import IndexLock
from searcher.search import search
from searcher.session import TurnIndex
from tests.conftest import CORPUS, ROOT, SEED_NAME, write_transcript

HOLD_LOCK = (
    "import sys, time; from pathlib import Path; from indexer.storage.lock import IndexLock; "
    "lock = IndexLock(Path(sys.argv[1])); lock.__enter__(); print('locked', flush=True); "
    "time.sleep(float(sys.argv[2]))"
)


def cli(*args) -> list[str]:
    return [sys.executable, "-m", "searcher.app.cli", *map(str, args)]


def hold_lock(index, seconds) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(index), str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS / SEED_NAME, folder)
    for path in sorted(CORPUS.glob("201[78]-*.txt"))[:12]:
        shutil.copy(path, folder)
    return folder


def state(index):
    """Return (transcripts, turns with 'chessboxing', turns with 'zeppelins') or raise."""
    with TurnIndex(index) as turns:
        transcripts = len(list(turns.searcher.reader().field_terms("transcript")))
        return (
            transcripts,
            search(turns, "chessboxing").total,
            search(turns, "zeppelins").total,
        )


def test_sigkill_at_any_moment_leaves_old_or_new_content(corpus, tmp_path):
    index = tmp_path / "index"
    index_corpus(corpus, index)
    old = state(index)
    assert old == (13, 4, 0)
    write_transcript(corpus, "zeppelin.txt", "Ivan Petrov: Zeppelins are back.\n")
    new = (14, 4, 1)
    for command in (["index", "--rebuild"], ["index"]):
        for delay in (0.3, 0.8, 1.5, 2.5, 4.0):
            if command == ["index"]:
                # Give the sync real work: every file changes.
                for path in corpus.glob("*.txt"):
                    path.write_text(path.read_text() + f"\nIvan Petrov: Round {delay}.\n")
            proc = subprocess.Popen(
                cli(*command, "--corpus", corpus, "--index", index, "--quiet"), cwd=ROOT
            )
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and proc.poll() is None:
                assert state(index) in (old, new)  # searching while the update runs
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert state(index) in (old, new), (command, delay)
    finished = subprocess.run(
        cli("index", "--corpus", corpus, "--index", index, "--format", "json"),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert finished.returncode == 0, finished.stderr
    assert state(index) == new
    with TurnIndex(index) as turns:
        for delay in (0.3, 0.8, 1.5, 2.5, 4.0):
            assert search(turns, f'"Round {delay}"').total == 14
    leftovers = [p.name for p in index.iterdir() if p.name.startswith("gen-")]
    assert len(leftovers) <= 2


def test_a_lock_left_by_a_killed_writer_is_cleared(corpus, tmp_path):
    index = tmp_path / "index"
    holder = hold_lock(index, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (index / "LOCK").read_text().strip() == str(holder.pid)
    # timeout=0: a lock still held would raise IndexLockedError at once (no clock involved).
    with IndexLock(index, timeout=0) as lock:
        assert (index / "LOCK").read_text().strip() == str(os.getpid())
        assert lock.path == index / "LOCK"


def test_a_second_writer_waits_then_fails_clearly(corpus, tmp_path):
    index = tmp_path / "index"
    holder = hold_lock(index, 30)
    try:
        with pytest.raises(IndexLockedError) as err:
            index_corpus(corpus, index, wait=0.5)
        assert err.value.message == (
            f"Another remarks process (pid {holder.pid}) is updating the index at {index}; "
            "waited 0.5 s."
        )
        result = subprocess.run(
            cli("index", "--corpus", corpus, "--index", index, "--wait", "0.2"),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 1
        assert result.stderr.startswith("Error: Another remarks process (pid ")
        assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()


def test_a_second_writer_proceeds_when_the_first_finishes(corpus, tmp_path):
    index = tmp_path / "index"
    holder = hold_lock(index, 1.0)
    report = index_corpus(corpus, index, wait=20)
    holder.wait()
    assert report.added == 13
