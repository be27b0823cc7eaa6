"""Index integrity: odd files, full disks, killed builds, damaged index files (issue 19).

Every case ends in a correct answer or a clear `Error:`/`Hint:`, never a traceback and never a
silently different result.
"""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from indexer.building.build import index_corpus
from indexer.errors import IndexDamagedError, UsageError
from indexer.storage import store
from indexer.storage.store import live_generation, open_index
from indexer.whoosh_ext import writer as writer_module
from searcher import snippets
from searcher.app.cli import app
from searcher.app.web import create_app
from searcher.browse import index_stats, list_speakers
from searcher.query import Filters
from searcher.search import search
from searcher.session import TurnIndex
from tests.conftest import CORPUS, ROOT, SEED_NAME, shared, write_transcript

HEADER = "A test meeting\nMarch 3, 2021, Moscow\n\n"
CLI = [sys.executable, "-m", "searcher.app.cli"]


@pytest.fixture
def small_corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS / SEED_NAME, folder)
    for path in sorted(CORPUS.glob("2017-*.txt"))[:3]:
        shutil.copy(path, folder)
    return folder


def test_segments_with_different_columns_read_correctly(small_corpus, tmp_path, runner):
    """A speech (no speaker labels, so no role) added by a sync gives a segment without the
    role column: facets, speakers, stats and the web page read every segment right."""
    index = tmp_path / "index"
    index_corpus(small_corpus, index)
    (small_corpus / "aa.txt").write_text("A speech\n\nDear friends, hello.\n", encoding="utf-8")
    index_corpus(small_corpus, index)
    with TurnIndex(index) as turns:
        assert len(turns.searcher.reader().leaf_readers()) == 2
        speakers = {s.name: s for s in list_speakers(turns)}
        assert speakers["Unattributed"].roles == []
        assert speakers["Vladimir Putin"].roles == ["President of Russia"]
        result = search(turns, "friends OR putin", facets=True)
        assert result.facets["role"]["President of Russia"] == speakers["Vladimir Putin"].turns
        assert index_stats(turns).transcripts == 5
    result = runner.invoke(app, ["speakers", "--index", str(index), "--format", "json"])
    assert result.exit_code == 0, result.output
    client = TestClient(create_app(index), base_url="http://127.0.0.1")
    assert client.get("/", params={"q": "friends"}).status_code == 200
    api = client.get("/api/search", params={"q": "friends", "facets": "true"})
    assert api.status_code == 200
    assert "Unattributed" in [h["speaker"] for h in json.loads(api.text)["hits"]]


def test_dated_and_undated_transcripts_in_one_segment(tmp_path, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "A meeting\nMarch 3, 2021, Moscow\n\nIvan Petrov: Zeppelins are back.\n", encoding="utf-8"
    )
    (corpus / "b.txt").write_text("A speech\n\nDear friends, zeppelins.\n", encoding="utf-8")
    index = tmp_path / "index"
    index_corpus(corpus, index)
    with TurnIndex(index) as turns:
        assert search(turns, "zeppelins", facets=True).facets["year"] == {"2021": 1}
        stats = index_stats(turns)
        assert (stats.first_date, stats.last_date, stats.turns) == ("2021-03-03", "2021-03-03", 2)
    result = runner.invoke(app, ["stats", "--index", str(index)])
    assert result.exit_code == 0
    assert "Dates:       2021-03-03 to 2021-03-03" in result.stdout


def index_json(corpus, index, runner, *extra):
    args = ["index", "--corpus", str(corpus), "--index", str(index), "--format", "json", *extra]
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output
    return result, json.loads(result.stdout)


def test_a_file_name_that_is_not_utf8_is_reported_and_the_rest_applied(tmp_path, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_transcript(corpus, "good.txt", "Ivan Petrov: Zeppelins are back.\n")
    write_transcript(corpus, "gone.txt", "Ivan Petrov: Airships are gone.\n")
    index = tmp_path / "index"
    index_corpus(corpus, index)
    (corpus / "gone.txt").unlink()
    write_transcript(corpus, "new.txt", "Anna Lee: Balloons.\n")
    bad = os.fsencode(corpus) + b"/r\xe9sum\xe9.txt"
    with open(bad, "wb") as f:
        f.write(HEADER.encode() + b"Ivan Petrov: Hello.\n")
    for _ in range(2):  # the next run reports it the same way
        result, report = index_json(corpus, index, runner)
        assert result.exit_code == 1
        assert report["failed"] == [
            {
                "path": "r\\xe9sum\\xe9.txt",
                "error": f"The file name of {corpus}/r\\xe9sum\\xe9.txt is not valid UTF-8; "
                "rename it (letters, digits, - and _ are safe) and run `remarks index` again.",
            }
        ]
    with TurnIndex(index) as turns:
        assert [h.turn_id for h in search(turns, "balloons").hits] == ["new:1"]
        assert search(turns, "airships").total == 0
        assert search(turns, "zeppelins").total == 1


def test_pipes_and_devices_are_skipped_with_a_warning(tmp_path, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_transcript(corpus, "good.txt", "Ivan Petrov: Zeppelins are back.\n")
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "zero.txt").symlink_to("/dev/zero")
    result, report = index_json(corpus, tmp_path / "index", runner)
    assert result.exit_code == 0
    assert report["warnings"] == [
        {"path": "pipe.txt", "warning": "skipped: it is a named pipe, not a transcript file"},
        {"path": "zero.txt", "warning": "skipped: it is a device, not a transcript file"},
    ]
    assert (report["added"], report["failed"]) == (1, [])


def test_a_label_with_no_text_is_refused(tmp_path, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "label.txt").write_text("Vladimir Putin:", encoding="utf-8")
    (corpus / "no-title.txt").write_text("Vladimir Putin: Good afternoon.\n", encoding="utf-8")
    _, report = index_json(corpus, tmp_path / "index", runner)
    assert report["failed"] == [
        {"path": "label.txt", "error": f"{corpus / 'label.txt'} has speaker labels but no text."}
    ]
    with TurnIndex(tmp_path / "index") as turns:
        assert [(h.turn_id, h.speaker) for h in search(turns, "afternoon").hits] == [
            ("no-title:1", "Vladimir Putin")
        ]


def test_russian_transcripts_are_indexed(tmp_path, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = (
        "Встреча с журналистами\n\n"
        "Владимир Путин: Добрый день, уважаемые коллеги.\n\n"
        "Иван Петров: Спасибо. Вопрос о пенсиях.\n"
    )
    (corpus / "ru.txt").write_bytes(text.encode("cp1251"))
    (corpus / "ru8.txt").write_text(text, encoding="utf-8")
    result, report = index_json(corpus, tmp_path / "index", runner)
    assert (result.exit_code, report["failed"], report["added"]) == (0, [], 2)
    with TurnIndex(tmp_path / "index") as turns:
        hits = search(turns, "пенсиях").hits
        assert sorted((h.turn_id, h.speaker, h.title) for h in hits) == [
            ("ru8:2", "Иван Петров", "Встреча с журналистами"),
            ("ru:2", "Иван Петров", "Встреча с журналистами"),
        ]


def test_huge_paragraphs_index_and_search_in_bounded_work(tmp_path, runner):
    """A 5 MB one-line turn and an 800 KB file of separators: the title-repeat check and the
    snippets do bounded work (counted in characters analyzed, not timed)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    words = ["robots", "economy", "pension", "war", "peace", "tax"]
    line = " ".join(words[(i * 7) % 5] for i in range(900_000))
    (corpus / "one.txt").write_text("Vladimir Putin: " + line + "\n", encoding="utf-8")
    title = "A " + " ".join(words[i % 6] for i in range(60))
    parts = [title, "March 3, 2021, Moscow"]
    for i in range(3000):
        parts += ["***", " ".join(words[(i + j) % 6] for j in range(40))]
        parts += ["Ivan Petrov: robots " + words[i % 6]]
    (corpus / "sep.txt").write_text("\n\n".join(parts), encoding="utf-8")
    index_corpus(corpus, tmp_path / "index")
    analyzed = []
    real = snippets.spans_of_terms  # what a snippet analyses, and how much of it
    patch = pytest.MonkeyPatch()
    patch.setattr(
        snippets,
        "spans_of_terms",
        lambda text, terms, analyzer=None: (
            analyzed.append(len(text)) or real(text, terms, analyzer)
        ),
    )
    try:
        with TurnIndex(tmp_path / "index") as turns:
            result = search(turns, "robots", limit=1000)
            scanned = sum(analyzed)
            one = search(turns, "robots", Filters(transcript="one")).hits[0]
    finally:
        patch.undo()
    assert result.total == 3001
    assert scanned <= snippets.SEARCH_SCAN_CHARS + 1000 * 2 * snippets.SNIPPET_CHARS
    assert all(h.snippet and h.highlights for h in result.hits)
    assert len(one.text) > 5_000_000
    assert len(one.snippet) <= snippets.SNIPPET_CHARS + 1 and "robots" in one.snippet
    assert sum(analyzed) - scanned <= snippets.TURN_SCAN_CHARS


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["search", "x", "--limit", "0"],
            "Error: --limit 0 is out of range.\nHint: Use 1 to 1000.\n",
        ),
        (
            ["search", "x", "--page", "0"],
            "Error: --page 0 is out of range.\nHint: Pages are numbered from 1.\n",
        ),
        (
            ["show", "s:1", "--context", "-1"],
            "Error: --context -1 is out of range.\nHint: Use 0 or more turns.\n",
        ),
    ],
)
def test_out_of_range_numbers_say_error_and_hint(args, error, bundled_index, runner):
    result = runner.invoke(app, [*args, "--index", str(bundled_index)])
    assert (result.exit_code, result.stderr) == (1, error)


def test_a_query_starting_with_a_minus_is_a_query_that_excludes(bundled_index, runner):
    """Not an option: `-word` excludes the turns with the word, as `NOT word`."""
    result = runner.invoke(app, ["search", "-chessboxing", "--index", str(bundled_index)])
    assert result.exit_code == 0
    assert result.stdout.startswith("6,104 turns match '-chessboxing'")  # 6,108 turns, 4 with it


def test_stats_after_deletions_count_only_what_is_left(tmp_path, small_corpus, runner):
    index = tmp_path / "index"
    index_corpus(small_corpus, index)
    with TurnIndex(index) as turns:
        before = {s.name for s in list_speakers(turns)}
    gone = sorted(small_corpus.glob("2017-*.txt"))[0]
    gone.unlink()
    index_corpus(small_corpus, index)
    with TurnIndex(index) as turns:
        after = list_speakers(turns)
        stats = index_stats(turns)
    assert stats.transcripts == 3
    assert stats.speakers == len(after) < len(before)


def stored_fields(index):
    with TurnIndex(index) as turns:
        reader = turns.searcher.reader()
        return [reader.stored_fields(d) for d in reader.all_doc_ids()]


def test_two_clean_builds_are_identical_whatever_the_hash_seed(tmp_path):
    corpus = shared("us-presidential-debates")
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [*CLI, "index", "--corpus", str(corpus), "--index", str(tmp_path / seed), "-q"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    first = stored_fields(tmp_path / "1")
    assert len(first) > 5000
    assert stored_fields(tmp_path / "2") == first
    assert stored_fields(tmp_path / "3") == first


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_workers_end_when_the_main_process_of_a_build_is_killed(tmp_path):
    corpus = shared("kremlin-en-all")
    index = tmp_path / "index"
    args = ["--rebuild", "--workers", "2", "-q", "--corpus", str(corpus), "--index", str(index)]
    proc = subprocess.Popen(
        [*CLI, "index", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    deadline = time.monotonic() + 120  # a liveness bound, not a speed target
    while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
        # spawn starts a resource tracker first, then the two workers
        workers = [c for c in _children(proc.pid) if b"spawn_main" in _cmdline(c)]
        time.sleep(0.05)
    assert len(workers) == 2, "the build did not start its workers"
    # Kill the main process when a worker writes its segment: its result, too big for the
    # pipe, then had nobody to read it and the worker waited forever.
    while not list(index.glob("gen-*/*.seg")) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 60
    while any(_running(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _running(w)]
    # The killed build published nothing; the next run builds a complete index.
    report = index_corpus(corpus, index)
    assert report.rebuilt and report.failed == []


# --- Damage: 19 kinds × search, stats, speakers, index ------------------------------------


def _flip(path: Path, count: int = 1, keep_mtime: bool = False) -> None:
    st = path.stat()
    data = bytearray(path.read_bytes())
    for i in range(count):
        data[(len(data) // 3 + i * 7) % len(data)] ^= 0x5A
    path.write_bytes(bytes(data))
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _truncate(path: Path, share: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * share)])


def _largest_segment(gen: Path) -> Path:
    return max(gen.glob("*.seg"), key=lambda p: p.stat().st_size)


def _latest(gen: Path, pattern: str) -> Path:
    return max(gen.glob(pattern), key=lambda p: int(p.stem.rsplit("-", 1)[-1].split("_")[-1]))


DAMAGE = {
    "segment: one byte flipped": lambda g: _flip(_largest_segment(g)),
    "segment: 200 bytes flipped": lambda g: _flip(_largest_segment(g), 200),
    "segment: byte flipped, time kept": lambda g: _flip(_largest_segment(g), 1, True),
    "segment: cut in half": lambda g: _truncate(_largest_segment(g), 0.5),
    "segment: emptied": lambda g: _truncate(_largest_segment(g), 0),
    "segment: deleted": lambda g: _largest_segment(g).unlink(),
    "segment: junk appended": lambda g: _largest_segment(g).open("ab").write(b"\x00junk" * 9),
    "toc: byte flipped": lambda g: _flip(_latest(g, "_MAIN_*.toc")),
    "toc: cut": lambda g: _truncate(_latest(g, "_MAIN_*.toc"), 0.6),
    "toc: deleted": lambda g: _latest(g, "_MAIN_*.toc").unlink(),
    "commit record: garbage": lambda g: _latest(g, "commit-*.json").write_text("{nope"),
    "commit record: deleted": lambda g: _latest(g, "commit-*.json").unlink(),
    "stem table: byte flipped": lambda g: _flip(_latest(g, "stems-*.json")),
    "stem table: deleted": lambda g: _latest(g, "stems-*.json").unlink(),
    "remarks.json: garbage": lambda g: (g / "remarks.json").write_bytes(b"\xff\xfe{"),
    "remarks.json: deleted": lambda g: (g / "remarks.json").unlink(),
    "CURRENT: not UTF-8": lambda g: (g.parent / "CURRENT").write_bytes(b"\xff\xfe\n"),
    "CURRENT: empty": lambda g: (g.parent / "CURRENT").write_text(""),
    "generation folder: deleted": lambda g: shutil.rmtree(g),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A small index in two segments (a sync added a transcript), and its answers; its
    larger segment is over `SMALL_FILE_BYTES`, checked at open only when it changed."""
    folder = tmp_path_factory.mktemp("pristine")
    corpus = folder / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / SEED_NAME, corpus)
    for path in sorted(CORPUS.glob("2018-*.txt"))[:4]:
        shutil.copy(path, corpus)
    index = folder / "index"
    index_corpus(corpus, index)
    write_transcript(corpus, "late.txt", "Ivan Petrov: Zeppelins and robots.\n")
    index_corpus(corpus, index)
    runner = CliRunner()
    answers = {name: runner.invoke(app, [*args, "--index", str(index)]) for name, args in READS}
    assert all(r.exit_code == 0 for r in answers.values())
    return corpus, index, {name: r.stdout for name, r in answers.items()}


READS = [
    ("search", ["search", "robots", "--format", "json"]),
    ("stats", ["stats", "--format", "json"]),
    ("speakers", ["speakers", "--format", "json"]),
]


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_damage_gives_the_right_answer_or_a_clear_error(kind, pristine, tmp_path, runner):
    corpus, clean, answers = pristine
    index = tmp_path / "index"
    shutil.copytree(clean, index)
    DAMAGE[kind](live_generation(index))
    for name, args in READS:
        result = runner.invoke(app, [*args, "--index", str(index)])
        assert "Traceback" not in result.output
        if result.exit_code == 0:
            assert _comparable(result.stdout) == _comparable(answers[name]), (kind, name)
        else:
            assert result.exit_code == 1, (kind, name, result.output)
            assert result.stderr.startswith(f"Error: The index at {index} is damaged (file ")
            assert result.stderr.endswith(
                "Hint: Run `remarks index --rebuild` to build it again from the corpus.\n"
            )
    # remarks index notices the damage and rebuilds by itself, saying so.
    result = runner.invoke(app, ["index", "--corpus", str(corpus), "--index", str(index)])
    assert result.exit_code == 0, (kind, result.output)
    assert result.stdout.startswith("Built the index from scratch (the index was damaged: file ")
    for name, args in READS:
        again = runner.invoke(app, [*args, "--index", str(index)])
        assert _comparable(again.stdout) == _comparable(answers[name]), (kind, name)
    assert runner.invoke(app, ["check", "--index", str(index)]).exit_code == 0


def _comparable(stdout: str):
    data = json.loads(stdout)
    if isinstance(data, dict):
        data.pop("index_bytes", None)  # the rebuilt index is one segment, not two
    return data


def test_a_segment_rewritten_in_place_with_its_times_set_back_is_caught(pristine, tmp_path):
    """Wherever the byte lands, and also after the copy was opened (and its change times
    remembered): a write changes a file's change time, which no program can set back."""
    _, clean, _ = pristine
    segment = _largest_segment(live_generation(clean))
    assert segment.stat().st_size > store.SMALL_FILE_BYTES  # else every open checksums it
    for share in (0.05, 0.2, 1 / 3, 0.5, 0.7, 0.95):
        index = tmp_path / f"index-{share:.2f}"
        shutil.copytree(clean, index)
        open_index(index).reader.close()  # remembers the copy's change times
        path = _largest_segment(live_generation(index))
        st = path.stat()
        data = bytearray(path.read_bytes())
        data[int(len(data) * share)] ^= 0x5A
        path.write_bytes(bytes(data))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        with pytest.raises(IndexDamagedError) as caught:
            open_index(index)
        assert (caught.value.file, caught.value.problem) == (
            path.name,
            "its checksum differs from the one recorded",
        )


def test_a_copied_index_is_checksummed_once(pristine, tmp_path, monkeypatch):
    _, clean, _ = pristine
    index = tmp_path / "index"
    shutil.copytree(clean, index)
    segment = _largest_segment(live_generation(index))
    summed: list[str] = []
    real = store.checksum
    monkeypatch.setattr(store, "checksum", lambda path: summed.append(path.name) or real(path))
    open_index(index).reader.close()
    assert segment.name in summed  # new change times: checked
    summed.clear()
    open_index(clean).reader.close()
    open_index(index).reader.close()
    assert segment.name not in summed  # as built, and as remembered: not read again
    assert summed  # the small files still are


def test_check_names_every_damaged_file(pristine, tmp_path, runner):
    _, clean, _ = pristine
    index = tmp_path / "index"
    shutil.copytree(clean, index)
    gen = live_generation(index)
    _flip(_largest_segment(gen))
    _latest(gen, "stems-*.json").unlink()
    result = runner.invoke(app, ["check", "--index", str(index), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert not report["sound"]
    assert sorted(p["problem"] for p in report["problems"]) == [
        "it is missing",
        "its checksum differs from the one recorded",
    ]


def test_the_page_and_api_say_when_the_index_is_damaged(pristine, tmp_path):
    _, clean, _ = pristine
    index = tmp_path / "index"
    shutil.copytree(clean, index)
    client = TestClient(create_app(index), base_url="http://127.0.0.1")
    assert client.get("/api/search", params={"q": "robots"}).status_code == 200
    (index / "CURRENT").write_bytes(b"\xff")
    answer = client.get("/api/search", params={"q": "robots"})
    assert answer.status_code == 503
    assert answer.json() == {
        "error": f"The index at {index} is damaged (file CURRENT: it names no generation of "
        "the index).",
        "hint": "Run `remarks index --rebuild` to build it again from the corpus.",
    }
    assert client.get("/", params={"q": "robots"}).status_code == 503
    shutil.rmtree(index)
    shutil.copytree(clean, index)
    assert client.get("/api/search", params={"q": "robots"}).status_code == 200


# --- A full disk -----------------------------------------------------------------------------


def _leftovers(index: Path) -> list[str]:
    """Files of the index that no commit lists: what a failed writer left behind."""
    gen = live_generation(index)
    opened = open_index(index)
    opened.reader.close()
    listed = set(opened.meta["files"]) | {"remarks.json", "MAIN_WRITELOCK"}
    listed.add(f"commit-{opened.generation}.json")
    previous = {f"commit-{opened.generation - 1}.json", f"stems-{opened.generation - 1}.json"}
    extra = [p.name for p in gen.iterdir() if p.name not in listed | previous]
    kept = {"CURRENT", "PREVIOUS", "LOCK", (index / "PREVIOUS").read_text().strip()}
    extra += [p.name for p in index.iterdir() if p.name not in kept and p != gen]
    return sorted(extra)


def test_a_full_disk_is_reported_and_leaves_nothing_behind(small_corpus, tmp_path, runner):
    """Injected: writing the new segment fails with ENOSPC."""
    index = tmp_path / "index"
    index_corpus(small_corpus, index)
    write_transcript(small_corpus, "new.txt", "Ivan Petrov: Zeppelins are back.\n")

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writer_module, "write_terms", no_space)
        result = runner.invoke(app, ["index", "--corpus", str(small_corpus), "--index", str(index)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: The disk holding {index} is full (No space left on device); the index was not "
        "updated, and the last good index is unchanged and searchable.\n"
        "Hint: Free some space on that disk and run `remarks index` again.\n"
    )
    assert _leftovers(index) == []
    with TurnIndex(index) as turns:
        assert search(turns, "zeppelins").total == 0
    report = index_corpus(small_corpus, index)
    assert (report.added, report.rebuilt) == (1, False)
    with TurnIndex(index) as turns:
        assert search(turns, "zeppelins").total == 1


@pytest.fixture
def small_disk(tmp_path):
    """A 24 MB tmpfs (needs the right to mount, as root in CI); unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (the injected-ENOSPC test covers it)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return filler


@pytest.mark.parametrize("how", [[], ["--rebuild"], ["--rebuild", "--workers", "2"]])
def test_a_really_full_disk_never_leaves_the_index_stuck(how, small_corpus, small_disk, runner):
    index = small_disk / "index"
    index_corpus(small_corpus, index)
    with TurnIndex(index) as turns:
        before = [h.turn_id for h in search(turns, "chessboxing OR robots", limit=50).hits]
    big = sorted(CORPUS.glob("2017-*.txt"), key=lambda p: p.stat().st_size)[-1]
    shutil.copy(big, small_corpus / "big.txt")
    filler = _fill(small_disk, 200_000)
    args = ["index", "--corpus", str(small_corpus), "--index", str(index), *how]
    for _ in range(2):  # the second run fails the same clear way: nothing is stuck
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(f"Error: The disk holding {index} is full")
        assert "Traceback" not in result.output
        assert _leftovers(index) == []
    with TurnIndex(index) as turns:  # the last good index answers as before
        assert [h.turn_id for h in search(turns, "chessboxing OR robots", limit=50).hits] == before
        with pytest.raises(UsageError, match="no such transcript"):
            search(turns, "", Filters(transcript="big"))
    filler.unlink()
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    with TurnIndex(index) as turns:
        assert search(turns, "", Filters(transcript="big")).total > 0
    assert _leftovers(index) == []


# --- After updates: the same ranking as a clean build; the stem table keeps up ----------------

RANKING_QUERIES = [
    "robots",
    "economic growth",
    "chessboxing",
    '"economic growth"',
    "putin AND economy",
    "econom*",
    "pensoin~",
    "children OR families NOT school",
    "zeppelins",
]


def _rankings(index):
    with TurnIndex(index) as turns:
        out = {}
        for text in RANKING_QUERIES:
            result = search(turns, text, limit=30, facets=True)
            out[text] = (
                result.total,
                [(h.turn_id, h.score) for h in result.hits],
                result.facets,
            )
        return out


def test_ranking_after_updates_equals_a_clean_build(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / SEED_NAME, corpus)
    for path in sorted(CORPUS.glob("201[89]-*.txt"))[:8]:
        shutil.copy(path, corpus)
    index = tmp_path / "index"
    index_corpus(corpus, index)
    names = sorted(p.name for p in corpus.glob("201*.txt"))
    changed = corpus / names[0]
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nIvan Petrov: Zeppelins and economic growth.\n",
        encoding="utf-8",
    )
    (corpus / names[1]).unlink()
    write_transcript(corpus, "aa.txt", "Anna Lee: Robots, zeppelins and pensions.\n")
    report = index_corpus(corpus, index)
    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    assert not report.optimized and report.segments == 2  # deleted turns are still there
    with TurnIndex(index) as turns:
        assert turns.searcher.reader().has_deletions()
    updated = _rankings(index)
    clean = tmp_path / "clean"
    index_corpus(corpus, clean)
    assert updated == _rankings(clean)
    # Merging gives the same again, with no deleted turns left.
    report = index_corpus(corpus, index, optimize=True)
    assert report.optimized and report.segments == 1
    assert _rankings(index) == _rankings(clean)


def test_a_sync_that_deletes_much_merges_by_itself(small_corpus, tmp_path):
    index = tmp_path / "index"
    index_corpus(small_corpus, index)
    for path in sorted(small_corpus.glob("2017-*.txt"))[:2]:
        path.unlink()
    report = index_corpus(small_corpus, index)
    assert report.optimized and report.segments == 1
    with TurnIndex(index) as turns:
        assert not turns.searcher.reader().has_deletions()


def test_did_you_mean_knows_the_words_of_the_latest_sync(small_corpus, tmp_path):
    index = tmp_path / "index"
    index_corpus(small_corpus, index)
    write_transcript(small_corpus, "z.txt", "Ivan Petrov: Zeppelins are back.\n")
    index_corpus(small_corpus, index)
    with TurnIndex(index) as turns:
        assert search(turns, "zepelins").suggestion == "zeppelins"


@pytest.mark.parametrize("pointer", [b"\xff\n", b"", b"gen-nowhere\n"])
def test_rebuild_works_whatever_current_holds(pointer, pristine, tmp_path, runner):
    corpus, clean, answers = pristine
    index = tmp_path / "index"
    shutil.copytree(clean, index)
    (index / "CURRENT").write_bytes(pointer)
    args = ["index", "--rebuild", "--corpus", str(corpus), "--index", str(index)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    search_args = ["search", "robots", "--format", "json", "--index", str(index)]
    assert runner.invoke(app, search_args).stdout == answers["search"]
