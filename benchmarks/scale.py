"""Speed and memory at scale: remarks against stock Whoosh, SQLite FTS5 and tantivy, one run.

    python -m benchmarks.scale                      # quick: 10k turns, both workloads
    python -m benchmarks.scale --sizes 10000 100000 # for the record

Two workloads, each at every size:
- kremlin: a deterministic transcript corpus generated from the real turns of
  ../shared/corpora/kremlin-en-all (repeated with variation: sentences rotated, paragraphs
  shuffled, dates varied), and 300 mixed queries (one to three words, any word; phrases;
  with and without a speaker or date filter);
- synthetic: ../shared/tools/workload (vocabulary-heavy Zipfian turns, 200 speakers; needs
  numpy and /usr/share/dict/words) and its 300 queries (every word required; phrases; 15%
  with a speaker filter).
Then, each engine in its own process (remarks twice: its default workers, and one worker
for the build's cost per core): build time, turns/s, CPU seconds (workers included),
the machine's other CPU use during the build (from /proc/stat: a loaded run shows), peak
resident memory (of the process and its workers, sampled every 0.2 s) and index size; warm
latency of the queries returning the top 10 hits with snippets, p50/p95/p99, and of the
speaker-filtered queries alone and the same queries without their filter (the query set run
three times over, each query's latency the median of its three). Last, the cold
one-shot `remarks search` on the bundled corpus against a cold stock-Whoosh search script.
Saves benchmarks/results/scale.json and scale.png.
"""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TURNS = ROOT.parent / "shared" / "corpora" / "kremlin-en-all" / "turns.jsonl"
WORKLOAD = ROOT.parent / "shared" / "tools" / "workload"
SEEDS = ROOT.parent / "shared" / "corpora" / "seed"
RESULTS = ROOT / "benchmarks" / "results"
TURNS_PER_TRANSCRIPT = 60
ROUNDS = 3  # each query's warm latency: the median of this many runs of the query set
MONTHS = "January February March April May June July August September October November December"


def generate(size: int, folder: Path, seed: int = 7) -> Path:
    """Write about `size` turns as transcript files; return a JSONL of the same turns."""
    rng = random.Random(seed)
    real = [json.loads(line) for line in TURNS.open(encoding="utf-8")]
    real = [r for r in real if r["speaker"] and len(r["text"]) > 20]
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    flat = folder / "turns.jsonl"
    written = 0
    with flat.open("w", encoding="utf-8") as out:
        copy = 0
        while written < size:
            for start in range(0, len(real), TURNS_PER_TRANSCRIPT):
                if written >= size:
                    break
                chunk = real[start : start + TURNS_PER_TRANSCRIPT][: size - written]
                year = 2000 + (copy * 7 + start // TURNS_PER_TRANSCRIPT) % 25
                month, day = rng.randint(1, 12), rng.randint(1, 28)
                title = f"{chunk[0]['title']} ({copy + 1})"
                lines = [title, f"{MONTHS.split()[month - 1]} {day}, {year}, Moscow", ""]
                for turn in chunk:
                    text = _vary(turn["text"], copy, rng)
                    speaker = turn["speaker"]
                    lines.append(f"{speaker}: {text}")
                    out.write(
                        json.dumps(
                            {
                                "speaker": speaker,
                                "text": text,
                                "title": title,
                                "date": f"{year}-{month:02d}-{day:02d}",
                            }
                        )
                        + "\n"
                    )
                    written += 1
                name = f"{copy:03d}-{start // TURNS_PER_TRANSCRIPT:05d}.txt"
                (corpus / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
            copy += 1
    return flat


def _vary(text: str, copy: int, rng: random.Random) -> str:
    if copy == 0:
        return text
    paragraphs = text.split("\n")
    out = []
    for p in paragraphs:
        sentences = re.split(r"(?<=[.!?]) ", p)
        k = copy % len(sentences)
        out.append(" ".join(sentences[k:] + sentences[:k]))
    rng.shuffle(out)
    return "\n".join(out)


QUERIES = [
    "robots",
    "pension",
    "gas",
    "sanctions",
    "school",
    "doctors",
    "inflation",
    "Syria",
    "housing mortgage",
    "grain harvest",
    "oil prices",
    "young people",
    "Crimean Bridge",
    "climate change",
    "nuclear weapons",
    "small business",
    "salaries of teachers",
    "roads in the regions",
    '"Direct Line"',
    '"economic growth"',
    '"United States"',
    "health care system",
    "sport Olympic athletes",
    "digital economy technology",
]
FILTERS = [{}, {"speaker": "putin"}, {"since": "2010", "until": "2014"}]


def mixed_queries(n: int = 300) -> list[tuple[str, dict]]:
    rng = random.Random(11)
    return [(rng.choice(QUERIES), rng.choice(FILTERS)) for _ in range(n)]


def query_record(text: str, filters: dict) -> dict:
    """A kremlin query as the engines read it (scale_engines._queries)."""
    phrase = text.startswith('"')
    return {"words": text.strip('"').split(), "phrase": phrase, "all": False, "filters": filters}


def kremlin_workload(size: int, folder: Path) -> None:
    generate(size, folder)
    queries = [query_record(text, filters) for text, filters in mixed_queries()]
    (folder / "queries.json").write_text(json.dumps(queries))


def synthetic_workload(size: int, folder: Path) -> None:
    """The shared synthetic workload at `size` turns: its generator's corpus written as
    transcript files by its own converter, the same turns as JSONL, its queries."""
    import importlib.util
    import os

    generated = folder / "generated"
    subprocess.run(
        [sys.executable, WORKLOAD / "gen_corpus.py", "--n", str(size), "--out", generated],
        env={**os.environ, "SEEDS": str(SEEDS)},
        check=True,
        capture_output=True,
    )
    spec = importlib.util.spec_from_file_location("to_transcripts", WORKLOAD / "to_transcripts.py")
    assert spec is not None and spec.loader is not None
    convert = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(convert)
    convert.main(str(generated / "corpus.jsonl"), size, str(folder / "corpus"))
    with (folder / "turns.jsonl").open("w", encoding="utf-8") as out:
        for line in (generated / "corpus.jsonl").open(encoding="utf-8"):
            turn = json.loads(line)
            record = {
                "speaker": convert.name(turn["speaker"]),
                "text": " ".join(turn["text"].split()),
                "title": f"Meeting {turn['transcript']} on {turn['topic']}",
                "date": turn["date"],
            }
            out.write(json.dumps(record) + "\n")
    queries = [
        {
            "words": query["terms"],
            "phrase": query["phrase"],
            "all": True,
            "filters": {"speaker": convert.name(s)}
            if (s := query["filters"].get("speaker"))
            else {},
        }
        for query in json.loads((generated / "queries.json").read_text())
    ]
    (folder / "queries.json").write_text(json.dumps(queries))
    shutil.rmtree(generated)


WORKLOADS = {"kremlin": kremlin_workload, "synthetic": synthetic_workload}


def cpu_ticks() -> int:
    """Busy CPU ticks of the whole machine since boot (all processes, every core)."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    return sum(fields) - fields[3] - fields[4]


TICK = os.sysconf("SC_CLK_TCK")


CHILD = r"""
import json, os, resource, sys, threading, time
phase, engine, folder = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, sys.argv[4])
from benchmarks import scale_engines as e

PAGE = os.sysconf("SC_PAGE_SIZE")
peak = 0

def tree_rss():
    # Resident memory of this process and all its descendants (worker processes included).
    parents, rss = {}, {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(name)] = int(fields[1])
            rss[int(name)] = int(fields[21]) * PAGE
    tree, grown = {os.getpid()}, True
    while grown:
        before = len(tree)
        tree |= {pid for pid, parent in parents.items() if parent in tree}
        grown = len(tree) > before
    return sum(rss.get(pid, 0) for pid in tree)

def sample():
    global peak
    while True:
        peak = max(peak, tree_rss())
        time.sleep(0.2)

threading.Thread(target=sample, daemon=True).start()
t0 = time.perf_counter(); c0 = time.process_time()
result = getattr(e, f"{phase}_{engine.replace('-', '_')}")(folder)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
result.update(seconds=time.perf_counter() - t0,
              cpu_seconds=time.process_time() - c0 + children.ru_utime + children.ru_stime,
              peak_mb=max(peak, tree_rss()) / 2**20)
print(json.dumps(result))
"""


def child(phase: str, engine: str, folder: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, phase, engine, str(folder), str(ROOT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{phase} {engine} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def cold_start(runs: int = 7) -> dict:
    """Median wall time of a one-shot search process on the bundled corpus.

    Both sides run compiled modules: Whoosh's were compiled when pip installed it, and an
    editable install of remarks is compiled here first (with PYTHONDONTWRITEBYTECODE set, as
    on these machines, Python would otherwise compile every module of remarks at each run,
    which no installed copy does)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "indexer", "searcher"], cwd=ROOT, check=True
    )
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        subprocess.run(
            [sys.executable, "-m", "searcher.app.cli", "index", "--index", str(index), "--quiet"],
            cwd=ROOT,
            check=True,
        )
        stock = Path(tmp) / "stock"
        child("build", "whoosh-stock", _stock_from_corpus(stock))
        commands = {
            "remarks": ["remarks", "search", "robots", "--index", str(index)],
            "whoosh-stock": [sys.executable, "-c", COLD_STOCK, str(stock / "whoosh-stock")],
        }
        times = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                started = time.perf_counter()
                subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
                times[name].append(time.perf_counter() - started)
        return {name: round(statistics.median(t), 3) for name, t in times.items()}


COLD_STOCK = r"""
import sys
from whoosh import index, qparser
ix = index.open_dir(sys.argv[1])
with ix.searcher() as s:
    q = qparser.QueryParser("text", ix.schema, group=qparser.OrGroup).parse("robots")
    for hit in s.search(q, limit=10):
        print(hit["speaker"], hit.highlights("text"))
"""


def _stock_from_corpus(folder: Path) -> Path:
    from indexer.parsing.reading import find_transcripts, read_transcript

    folder.mkdir(parents=True)
    corpus = ROOT / "corpus"
    with (folder / "turns.jsonl").open("w", encoding="utf-8") as out:
        for path in find_transcripts(corpus):
            t = read_transcript(path, corpus)
            for turn in t.turns:
                out.write(
                    json.dumps(
                        {
                            "speaker": turn.speaker,
                            "text": turn.text,
                            "title": t.title,
                            "date": str(t.date),
                        }
                    )
                    + "\n"
                )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000])
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument(
        "--engines",
        nargs="+",
        default=["remarks", "remarks-1worker", "whoosh-stock", "sqlite-fts5", "tantivy"],
    )
    args = parser.parse_args()
    results: dict = {"workloads": {}}
    for workload in args.workloads:
        sizes = results["workloads"].setdefault(workload, {})
        for size in args.sizes:
            sizes[str(size)] = measure(workload, size, args.engines)
    results["cold_search_seconds"] = cold_start(15)
    print("cold", json.dumps(results["cold_search_seconds"]))
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "scale" if len(args.sizes) > 1 else f"scale-{args.sizes[0]}"
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, RESULTS / f"{name}.png")
    print(f"saved benchmarks/results/{name}.json and {name}.png")


def measure(workload: str, size: int, engines: list[str]) -> dict:
    """Every engine on one workload at one size, each in its own process."""
    row = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        WORKLOADS[workload](size, folder)
        queries = json.loads((folder / "queries.json").read_text())
        filtered = [i for i, query in enumerate(queries) if query["filters"].get("speaker")]
        unfiltered = [{**queries[i], "filters": {}} for i in filtered]
        asked = queries + unfiltered
        # The whole set ROUNDS times over; a query's latency is the median of its rounds.
        (folder / "queries.json").write_text(json.dumps(asked * ROUNDS))
        for engine in engines:
            ticks = cpu_ticks()
            build = child("build", engine, folder)
            machine = (cpu_ticks() - ticks) / TICK
            search = child("search", engine, folder)
            rounds = search.pop("latencies_ms")
            lat = [statistics.median(rounds[i :: len(asked)]) for i in range(len(asked))]
            every, alone = lat[: len(queries)], lat[len(queries) :]
            with_filter = [every[i] for i in filtered]
            row[engine] = {
                "turns": build["turns"],
                "build_seconds": round(build["seconds"], 1),
                "turns_per_second": round(build["turns"] / build["seconds"]),
                "build_cpu_seconds": round(build["cpu_seconds"], 1),
                "other_cpu_seconds": round(max(0.0, machine - build["cpu_seconds"]), 1),
                "build_peak_mb": round(build["peak_mb"]),
                "index_mb": round(build["index_bytes"] / 1e6, 1),
                "search_p50_ms": round(percentile(every, 50), 2),
                "search_p95_ms": round(percentile(every, 95), 2),
                "search_p99_ms": round(percentile(every, 99), 2),
                "speaker_filtered_p95_ms": round(percentile(with_filter, 95), 2),
                "same_unfiltered_p95_ms": round(percentile(alone, 95), 2),
            }
            print(workload, size, engine, json.dumps(row[engine]), flush=True)
            shutil.rmtree(folder / engine, ignore_errors=True)
    return row


def plot(results: dict, path: Path) -> None:
    """Bars: build turns/s and warm p50/p95 per engine, one group per size; a row of charts
    per workload."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = results["workloads"]
    fig, grid = plt.subplots(len(workloads), 3, figsize=(15, 4 * len(workloads)), squeeze=False)
    charts = [
        ("build, turns/s (higher is better)", "turns_per_second"),
        ("warm search + snippets, p50 ms", "search_p50_ms"),
        ("warm search + snippets, p95 ms", "search_p95_ms"),
    ]
    for axes, (workload, by_size) in zip(grid, workloads.items(), strict=True):
        sizes = list(by_size)
        engines = list(next(iter(by_size.values())))
        width = 0.8 / len(engines)
        for ax, (title, key) in zip(axes, charts, strict=True):
            for i, engine in enumerate(engines):
                values = [by_size[s][engine][key] for s in sizes]
                xs = [j + i * width for j in range(len(sizes))]
                ax.bar(xs, values, width, label=engine)
            ax.set_xticks(
                [j + width * (len(engines) - 1) / 2 for j in range(len(sizes))],
                [f"{int(s):,} turns" for s in sizes],
            )
            ax.set_title(f"{workload}: {title}")
            ax.set_yscale("log")
        axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
