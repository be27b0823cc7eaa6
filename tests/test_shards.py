"""Sharded indexes on a real Dask cluster (a `dask scheduler` and two `dask worker`
processes on 127.0.0.1): the same hits, scores, totals and facets as one index.

`.ci/run` starts the cluster for the whole run (REMARKS_TEST_SCHEDULER); without it this
module starts its own (tests/dask_cluster.py) and stops it by process id.
"""

import csv
import json
import os
import random
import shutil
import signal
import threading
from pathlib import Path

import pytest

from indexer import live_generation
from indexer.building.build import index_corpus
from indexer.building.shards import index_shards, read_layout, shard_of
from indexer.errors import ClusterError, UsageError
from searcher import Filters, open_index
from searcher.app.cli import app
from searcher.shards import merge_pages, query_stats, search_shard
from tests.conftest import CORPUS, ROOT, write_transcript
from tests.dask_cluster import DaskProcesses, stop_pid

SCORE_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    address = os.environ.get("REMARKS_TEST_SCHEDULER")
    if address:
        yield address
        return
    processes = DaskProcesses(workers=2, log_dir=tmp_path_factory.mktemp("dask-logs"))
    try:
        processes.start()
        yield processes.address
    finally:
        processes.stop()


@pytest.fixture(scope="module")
def one_index(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("one") / "index"
    index_corpus(CORPUS, index_dir, workers=1)
    return index_dir


@pytest.fixture(scope="module", params=[2, 3, 4])
def sharded(request, scheduler, tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp(f"shards{request.param}") / "index"
    report = index_shards(CORPUS, index_dir, request.param, scheduler=scheduler)
    assert report.failed == [] and report.added == 45
    return index_dir


def judged_queries() -> list[str]:
    with open(ROOT / "tests" / "relevance" / "queries.tsv", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle, delimiter="\t")]


def random_queries(index_dir: Path, count: int = 240, seed: int = 18) -> list[tuple[str, dict]]:
    """Queries made of the words of randomly chosen turns: single words, pairs, phrases,
    prefixes, OR, NOT, exact words; with filters, pages, date order and groups now and then."""
    rng = random.Random(seed)
    with open_index(index_dir) as index:
        turns = [t for t in index.search("", Filters(since="2000"), limit=1000).hits]
    made: list[tuple[str, dict]] = []
    while len(made) < count:
        turn = rng.choice(turns)
        words = [w.strip(".,;:!?()“”\"'«»–—") for w in turn.text.split()]
        words = [w for w in words if w.isalpha() and len(w) > 3]
        if len(words) < 3:
            continue
        i = rng.randrange(len(words) - 1)
        a, b = words[i], words[i + 1]
        kind = len(made) % 8
        query = [a, f"{a} {b}", f'"{a} {b}"', f"{a[:4]}*", f"{a} OR {b}", f"{a} -{b}", f"={a}"][
            kind % 7
        ]
        options: dict = {"facets": True}
        if kind == 7:
            options["filters"] = Filters(speaker=turn.speaker.split()[-1])
        if len(made) % 5 == 1:
            options["page"] = 2
        if len(made) % 9 == 2:
            options["sort"] = rng.choice(["date", "-date"])
        if len(made) % 13 == 3:
            options["group"] = "transcript"
        made.append((query, options))
    return made


def assert_same(one, many, label) -> None:
    assert many.total == one.total, label
    assert [h.turn_id for h in many.hits] == [h.turn_id for h in one.hits], label
    assert [h.rank for h in many.hits] == [h.rank for h in one.hits], label
    for a, b in zip(one.hits, many.hits, strict=True):
        assert abs((a.score or 0.0) - (b.score or 0.0)) <= SCORE_TOLERANCE, (label, a, b)
        assert (a.snippet, a.highlights) == (b.snippet, b.highlights), label
    assert many.facets == one.facets, label
    assert many.facets_more == one.facets_more, label
    assert many.total_groups == one.total_groups, label
    if one.groups is not None:
        assert [(g.transcript, g.total) for g in many.groups] == [
            (g.transcript, g.total) for g in one.groups
        ], label


def test_sharded_search_gives_the_answers_of_one_index(one_index, sharded, scheduler):
    queries = [(q, {"facets": True}) for q in judged_queries()] + random_queries(one_index)
    assert len(queries) > 250
    matched = 0
    with open_index(one_index) as one, open_index(sharded, scheduler=scheduler) as many:
        assert type(many).__name__ == "ShardedIndex"
        for query, options in queries:
            filters = options.pop("filters", None)
            a = one.search(query, filters, **options)
            b = many.search(query, filters, **options)
            assert_same(a, b, (query, filters, options))
            matched += a.total > 0
        # Browsing the shards as one index
        assert many.stats().turns == one.stats().turns == 6108
        assert many.speakers() == one.speakers()
        assert many.topics() == one.topics()
        hit = one.search("chessboxing").hits[0]
        assert many.show(hit.turn_id, context=2) == one.show(hit.turn_id, context=2)
        assert many.show(hit.turn_id, exchange=True) == one.show(hit.turn_id, exchange=True)
        assert many.transcript(hit.transcript) == one.transcript(hit.transcript)
    assert matched > 200  # the comparison is not of empty results


def test_the_shards_hold_every_transcript_once(sharded):
    layout = read_layout(sharded)
    assert layout is not None
    assert sum(layout.transcripts) == 45 and sum(layout.turns) == 6108
    ids = sorted(p.stem for p in CORPUS.iterdir() if p.suffix == ".txt")
    assert len(ids) == 45
    shards = [open_index(folder) for folder in layout.folders]
    try:
        for transcript in ids:
            holding = [i for i, shard in enumerate(shards) if shard.transcript(transcript)]
            assert holding == [shard_of(transcript, layout.shards)], transcript
        for i, shard in enumerate(shards):
            assert shard.stats().transcripts == layout.transcripts[i]
    finally:
        for shard in shards:
            shard.close()
    with open_index(sharded) as many:  # no scheduler: the shards searched in this process
        assert many.search("robots in industry").total == 356
        assert len(many.transcript(ids[0])) > 1


def skewed_corpus(folder: Path) -> Path:
    """Two transcripts in different shards of two: in one, "zeppelin" is in every turn
    (common there: a low idf if that shard counted alone); in the other, once, among
    turns about something else (rare there: a high idf alone)."""
    folder.mkdir()
    names = {}
    n = 0
    while len(names) < 2:
        name = f"meeting-{n}"
        names.setdefault(shard_of(name, 2), name)
        n += 1
    common, rare = names[0], names[1]
    people = [f"{first} {last}" for first in FIRST_NAMES for last in ("Smith", "Jones", "Brown")]
    body = "".join(
        f"{people[i]}: The zeppelin zeppelin hangar {word} needs zeppelin repairs.\n\n"
        for i, word in enumerate(WORDS)
    )
    write_transcript(folder, f"{common}.txt", body)
    body = "".join(
        f"{people[i]}: The budget for schools in {word} is set.\n\n" for i, word in enumerate(WORDS)
    )
    body += "Zoe Rare: A zeppelin flew over the schools during the budget talk today.\n\n"
    write_transcript(folder, f"{rare}.txt", body)
    return folder


FIRST_NAMES = ("Anna", "Boris", "Clara", "David", "Elena", "Fedor", "Galina", "Hugo", "Irina")
WORDS = (
    "north south east west upper lower inner outer central river lake hill forest field "
    "harbour market bridge tower garden valley"
).split()


def test_per_shard_statistics_would_give_other_answers(tmp_path, scheduler):
    corpus = skewed_corpus(tmp_path / "corpus")
    index_corpus(corpus, tmp_path / "one", workers=1)
    index_shards(corpus, tmp_path / "sharded", 2, scheduler=scheduler)
    options = dict(limit=10, page=1, facets=True, snippets=True, seconds=30.0, sort="relevance") | {
        "group": None,
        "group_size": 3,
    }
    with open_index(tmp_path / "one") as one, open_index(tmp_path / "sharded") as many:
        expected = one.search("zeppelin", limit=10, facets=True)
        assert_same(expected, many.search("zeppelin", limit=10, facets=True), "two phases")
        # Phase two with each shard's own figures (phase one skipped): other scores, and
        # another turn first.
        pages = []
        for shard in many.shards.shards:
            index = shard.index()
            own = query_stats(index, "zeppelin", None)
            pages.append(search_shard(index, own, "zeppelin", None, options))
        alone = merge_pages(pages, 10, 1, "relevance", None, True, 20)
    assert alone.total == expected.total  # the same turns match …
    assert alone.hits[0].turn_id != expected.hits[0].turn_id  # … ranked otherwise
    assert expected.hits[0].speaker != "Zoe Rare" and alone.hits[0].speaker == "Zoe Rare"


def test_a_worker_killed_during_searches_changes_no_answer(tmp_path, scheduler, one_index):
    """A third worker (no nanny: its process id is the worker's) holds one of three shards;
    it is killed with SIGKILL while searches run; every search answers as one index."""
    sharded = tmp_path / "index"
    index_shards(CORPUS, sharded, 3, scheduler=scheduler)
    extra = DaskProcesses(workers=0)
    extra.address = scheduler
    victim = extra.add_worker("victim", nanny=False)
    extra.wait_for(3)
    queries = [q for q in judged_queries()][:12]
    with open_index(one_index) as one:
        expected = [one.search(q, facets=True) for q in queries]
    answers: list = []
    errors: list = []
    started = threading.Event()

    def run() -> None:
        try:
            with open_index(sharded, scheduler=scheduler) as many:
                for _ in range(3):
                    for q in queries:
                        answers.append((q, many.search(q, facets=True)))
                        if len(answers) == 4:
                            started.set()
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
            started.set()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert started.wait(300)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(60)
        thread.join(600)
    finally:
        stop_pid(victim.pid)
    assert not errors, errors
    assert len(answers) == 3 * len(queries)
    by_query = dict(zip(queries, expected, strict=True))
    for q, result in answers:
        assert_same(by_query[q], result, q)
    assert victim.returncode == -signal.SIGKILL


def test_a_shard_no_worker_can_read_is_named(tmp_path, scheduler, runner):
    sharded = tmp_path / "index"
    index_shards(CORPUS, sharded, 2, scheduler=scheduler)
    shutil.move(sharded / "shard-1", tmp_path / "elsewhere")
    with open_index(sharded, scheduler=scheduler) as many, pytest.raises(ClusterError) as caught:
        many.search("robots")
    assert "shard-1" in caught.value.message and "No live Dask worker" in caught.value.message
    result = runner.invoke(
        app, ["search", "robots", "--index", str(sharded), "--scheduler", scheduler]
    )
    assert result.exit_code == 1
    assert "Error: No live Dask worker can read shard shard-1" in result.output
    assert "Traceback" not in result.output


def test_the_command_line_builds_and_searches_shards(tmp_path, scheduler, runner, one_index):
    sharded = tmp_path / "index"
    built = runner.invoke(
        app,
        ["index", "--shards", "3", "--scheduler", scheduler, "--index", str(sharded),
         "--corpus", str(CORPUS), "--format", "json"],
    )  # fmt: skip
    assert built.exit_code == 0, built.output
    assert json.loads(built.output)["turns"] == 6108
    for args in (
        ["search", "pension abroad", "--facets"],
        ["search", "sanctions", "--sort", "-date", "--page", "2"],
        ["search", "economy", "--group", "transcript"],
        ["speakers"],
        ["topics"],
    ):
        many = runner.invoke(
            app, [*args, "--index", str(sharded), "--scheduler", scheduler, "--format", "json"]
        )
        one = runner.invoke(app, [*args, "--index", str(one_index), "--format", "json"])
        assert many.exit_code == 0 and one.exit_code == 0, many.output
        assert json.loads(many.output) == json.loads(one.output), args
    again = runner.invoke(
        app, ["index", "--shards", "2", "--index", str(sharded), "--corpus", str(CORPUS)]
    )
    assert again.exit_code == 1 and "has 3 shards, not 2" in again.output
    refused = runner.invoke(app, ["quote", "robots", "--index", str(sharded)])
    assert refused.exit_code == 1 and "not available on a sharded index" in refused.output
    # `remarks serve`: the JSON API and the pages over the shards, through the workers
    from fastapi.testclient import TestClient

    from searcher.app.web import create_app

    local = "http://127.0.0.1"
    many_app = TestClient(create_app(sharded, scheduler=scheduler), base_url=local)
    one_app = TestClient(create_app(one_index), base_url=local)
    for url in ("/api/search?q=robots+in+industry&facets=true", "/api/search?q=gas&page=2"):
        assert many_app.get(url).json() == one_app.get(url).json(), url
    page = many_app.get("/t/000_af3ddc70366262e7?q=robots")
    assert page.status_code == 200 and "<mark>robots</mark>" in page.text


def test_a_sync_touches_only_the_shard_of_an_added_transcript(tmp_path, scheduler, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(CORPUS.glob("*.txt"))[:8]:
        shutil.copy(path, corpus)
    sharded = tmp_path / "index"
    index_shards(corpus, sharded, 3, scheduler=scheduler)
    layout = read_layout(sharded)
    assert layout is not None

    def state(folder: Path) -> list:
        gen = live_generation(folder)
        assert gen is not None
        return sorted((p.name, p.stat().st_mtime_ns) for p in gen.iterdir())

    before = [state(f) for f in layout.folders]
    write_transcript(corpus, "zz-added.txt", "Anna Zeppelinova: Airships over the Urals.\n\n")
    report = index_shards(corpus, sharded, scheduler=scheduler)
    assert (report.added, report.unchanged, report.failed) == (1, 8, [])
    after = [state(f) for f in layout.folders]
    home = shard_of("zz-added", 3)
    assert after[home] != before[home]
    assert [a for i, a in enumerate(after) if i != home] == [
        b for i, b in enumerate(before) if i != home
    ]
    with open_index(sharded, scheduler=scheduler) as many:
        hits = many.search("airships").hits
    assert [h.turn_id for h in hits] == ["zz-added:1"]
    checked = runner.invoke(app, ["check", "--index", str(sharded), "--format", "json"])
    assert checked.exit_code == 0 and json.loads(checked.output)["sound"] is True
    segment = next(p for p in live_generation(layout.folder(home)).iterdir() if p.suffix == ".seg")
    segment.write_bytes(segment.read_bytes()[:-10])  # a damaged shard file
    checked = runner.invoke(app, ["check", "--index", str(sharded)])
    assert checked.exit_code == 1 and f"Damaged: shard-{home}/" in checked.output


def test_a_sharded_build_without_a_scheduler_uses_a_local_cluster(tmp_path, one_index):
    sharded = tmp_path / "index"
    index_shards(CORPUS, sharded, 2)
    with open_index(sharded) as many, open_index(one_index) as one:
        assert_same(one.search("robots in industry"), many.search("robots in industry"), "local")
    with pytest.raises(UsageError, match="not sharded"):
        index_shards(CORPUS, one_index, 2)
