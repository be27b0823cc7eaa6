"""Speed and memory at scale: remarks against stock Whoosh and SQLite FTS5, in one run.

    python -m benchmarks.scale                      # quick: 10k turns
    python -m benchmarks.scale --sizes 10000 100000 # for the record

For each size, a deterministic transcript corpus is generated from the real turns of
../shared/corpora/kremlin-en-all (repeated with variation: sentences rotated, paragraphs shuffled,
dates varied), then, each engine in its own process: build time, turns/s, CPU seconds (workers
included), peak resident memory (of the process and its workers, sampled every 0.2 s)
and index size; warm latency of a few hundred mixed queries (one to three words,
phrases, with and without a speaker or date filter) returning the top 10 hits with snippets,
p50/p95/p99. Last, the cold one-shot `remarks search` on the bundled corpus against a cold
stock-Whoosh search script. Saves benchmarks/results/scale.json and scale.png.
"""

import argparse
import json
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
RESULTS = ROOT / "benchmarks" / "results"
TURNS_PER_TRANSCRIPT = 60
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
    """Median wall time of a one-shot search process on the bundled corpus."""
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
    parser.add_argument("--engines", nargs="+", default=["remarks", "whoosh-stock", "sqlite-fts5"])
    args = parser.parse_args()
    results: dict = {"sizes": {}}
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            generate(size, folder)
            json.dump(mixed_queries(), (folder / "queries.json").open("w"))
            row = {}
            for engine in args.engines:
                build = child("build", engine, folder)
                search = child("search", engine, folder)
                lat = search.pop("latencies_ms")
                row[engine] = {
                    "turns": build["turns"],
                    "build_seconds": round(build["seconds"], 1),
                    "turns_per_second": round(build["turns"] / build["seconds"]),
                    "build_cpu_seconds": round(build["cpu_seconds"], 1),
                    "build_peak_mb": round(build["peak_mb"]),
                    "index_mb": round(build["index_bytes"] / 1e6, 1),
                    "search_p50_ms": round(percentile(lat, 50), 2),
                    "search_p95_ms": round(percentile(lat, 95), 2),
                    "search_p99_ms": round(percentile(lat, 99), 2),
                }
                print(size, engine, json.dumps(row[engine]), flush=True)
                shutil.rmtree(folder / engine, ignore_errors=True)
            results["sizes"][str(size)] = row
    results["cold_search_seconds"] = cold_start()
    print("cold", json.dumps(results["cold_search_seconds"]))
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "scale" if len(args.sizes) > 1 else f"scale-{args.sizes[0]}"
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, RESULTS / f"{name}.png")
    print(f"saved benchmarks/results/{name}.json and {name}.png")


def plot(results: dict, path: Path) -> None:
    """Bars: build turns/s and warm p50/p95 per engine, one group per size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(results["sizes"])
    engines = list(next(iter(results["sizes"].values())))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    charts = [
        ("build, turns/s (higher is better)", "turns_per_second"),
        ("warm search + snippets, p50 ms", "search_p50_ms"),
        ("warm search + snippets, p95 ms", "search_p95_ms"),
    ]
    width = 0.8 / len(engines)
    for ax, (title, key) in zip(axes, charts, strict=True):
        for i, engine in enumerate(engines):
            values = [results["sizes"][s][engine][key] for s in sizes]
            xs = [j + i * width for j in range(len(sizes))]
            ax.bar(xs, values, width, label=engine)
        ax.set_xticks(
            [j + width * (len(engines) - 1) / 2 for j in range(len(sizes))],
            [f"{int(s):,} turns" for s in sizes],
        )
        ax.set_title(title)
        if key == "turns_per_second":
            ax.set_yscale("log")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
