"""The `remarks` command line: a thin layer that parses options, calls the library, renders."""

import csv
import functools
import json
import subprocess
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from indexer import LAYOUT, READ_ERRORS, diagnose, init_topics, live_generation
from searcher import (
    Filters,
    RemarksError,
    SearchResult,
    TurnRecord,
    UsageError,
    check_index,
    open_index,
)
from searcher.hits import citation, timestamp

if TYPE_CHECKING:
    from indexer import IndexReport

# Exports and saved searches are imported by the commands that use them (issue 20: cold
# start).

# The indexer (and Whoosh's writing code) is imported only by the commands that write, so a
# search starts fast.


BAR_WIDTH = 30
KWIC_SIDE_CHARS = 40  # context shown on each side of a match in text output


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class RowsFormat(StrEnum):
    """Formats of commands that list turns: also rows for spreadsheets and scripts."""

    text = "text"
    json = "json"
    csv = "csv"
    jsonl = "jsonl"


class Sort(StrEnum):
    relevance = "relevance"
    date = "date"
    newest = "-date"


class Group(StrEnum):
    transcript = "transcript"


class Unit(StrEnum):
    turn = "turn"
    exchange = "exchange"


class App(typer.Typer):
    """A Typer app whose commands share one error boundary for the library's errors."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)

        def decorator(fn):
            @functools.wraps(fn)
            def wrapper(*a, **k):
                try:
                    return fn(*a, **k)
                except RemarksError as exc:
                    _fail(exc)
                except READ_ERRORS:
                    # A damaged file that slipped past the checks made on opening: say so.
                    # Anything else is a bug and keeps its traceback.
                    damage = diagnose(k["index"]) if isinstance(k.get("index"), Path) else None
                    if damage is None:
                        raise
                    _fail(damage)

            return register(wrapper)

        return decorator


app = App(
    name="remarks",
    help="Search transcripts of meetings, press conferences and debates: who said what, when.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

IndexOption = Annotated[
    Path, typer.Option("--index", envvar="REMARKS_INDEX", help="Index folder.", show_envvar=True)
]
CorpusOption = Annotated[
    Path,
    typer.Option("--corpus", envvar="REMARKS_CORPUS", help="Transcripts folder.", show_envvar=True),
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="Output as readable text or as JSON.")
]
QUERY_HELP = 'Words, "phrases", OR, AND, NOT, prefix*, fuzzy~, field:value.'
SPEAKER_HELP = 'Only turns by this speaker: words of the name, or "Full Name" in quotes (exact).'
ROLE_HELP = 'Only roles with these words, or "a role" in quotes (exact).'
TRANSCRIPT_HELP = 'Only transcripts whose id holds this, or "an id" in quotes (exact).'
# The search filters, the same in every command that takes them.
SpeakerOption = Annotated[str | None, typer.Option(help=SPEAKER_HELP)]
RoleOption = Annotated[str | None, typer.Option(help=ROLE_HELP)]
TopicOption = Annotated[str | None, typer.Option(help="Only turns on this topic.")]
TranscriptOption = Annotated[str | None, typer.Option(help=TRANSCRIPT_HELP)]
SinceOption = Annotated[str | None, typer.Option(help="From this date: YYYY[-MM[-DD]].")]
UntilOption = Annotated[str | None, typer.Option(help="Up to this date, inclusive.")]
ATTR_HELP = "Only speakers with this attribute of the speaker table: NAME=VALUE (repeatable)."
AttrOption = Annotated[list[str] | None, typer.Option("--attr", help=ATTR_HELP)]
BuildFromOption = Annotated[
    Path | None,
    typer.Option(
        "--corpus",
        envvar="REMARKS_CORPUS",
        help="Transcripts folder: builds the index from it first if there is none yet.",
        show_envvar=True,
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        envvar="REMARKS_SCHEDULER",
        help="A Dask scheduler (tcp://HOST:PORT) whose workers build or search a sharded "
        "index; without it, this machine alone.",
        show_envvar=True,
    ),
]


def _fail(exc: RemarksError) -> None:
    err = sys.stderr
    err.write(f"Error: {exc.message}\n")
    if exc.hint:
        err.write(f"Hint: {exc.hint}\n")
    raise typer.Exit(1)


def _stdout() -> Console:
    console = Console(highlight=False, markup=False, emoji=False)
    # Let the terminal wrap long lines; in a pipe or file, never break a line.
    console.soft_wrap = True
    return console


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _build(
    corpus: Path,
    index: Path,
    quiet: bool,
    rebuild: bool = False,
    wait: float = 30.0,
    workers: int | None = None,
    optimize: bool = False,
    shards: int | None = None,
    scheduler: str | None = None,
):
    from indexer import index_corpus

    build = functools.partial(
        index_corpus, rebuild=rebuild, wait=wait, workers=workers, optimize=optimize
    )
    if shards is not None or scheduler is not None or (index / LAYOUT).exists():
        from indexer import index_shards

        build = functools.partial(index_shards, shards=shards, scheduler=scheduler, rebuild=rebuild)
    console = Console(stderr=True, markup=False, emoji=False)
    if quiet or not console.is_terminal:
        return build(corpus, index)
    from rich.progress import (  # only for a build: it costs a search start-up time
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("Indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} files/s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("index", total=None, rate="–")

        def on_progress(done: int, total: int, path: Path) -> None:
            elapsed = progress.tasks[0].elapsed or 0
            rate = f"{done / elapsed:.0f}" if elapsed > 0 else "–"
            progress.update(task, completed=done, total=total, rate=rate)

        return build(corpus, index, on_progress=on_progress)


def _no_index(index: Path) -> bool:
    """No index at all at `index` yet: neither one index nor a sharded one."""
    return live_generation(index) is None and not (index / LAYOUT).exists()


def _ensure_index(corpus: Path | None, index: Path, quiet: bool) -> None:
    """Build the index from the corpus first when there is none yet and a corpus was named
    (without one, a mistyped --index is reported, not built)."""
    if corpus is not None and _no_index(index):
        _report_problems(_build(corpus, index, quiet=quiet))


def _report_problems(report: "IndexReport") -> None:
    by_warning: dict[str, list[str]] = {}
    for notice in report.warnings:
        by_warning.setdefault(notice.warning, []).append(notice.path)
    for warning, paths in by_warning.items():
        if len(paths) <= 3:
            for path in paths:
                sys.stderr.write(f"Warning: {path}: {warning}.\n")
        else:
            shown = ", ".join(paths[:3])
            sys.stderr.write(f"Warning: {len(paths)} files, {warning}: {shown}, …\n")
    for failure in report.failed:
        sys.stderr.write(f"Failed: {failure.path}: {failure.error}\n")
    if report.failed:
        sys.stderr.write(
            f"{len(report.failed)} file(s) could not be indexed; the others were. "
            "Fix or remove them and run `remarks index` again.\n"
        )


def _render_report(
    report: "IndexReport",
    output: OutputFormat,
    quiet: bool,
    alerts: list | None = None,
    notify: str | None = None,
) -> None:
    alerts = alerts or []
    if output is OutputFormat.json:
        _print_json(report.to_json() | {"alerts": [a.to_json() for a in alerts]})
    elif not quiet:
        console = _stdout()
        if report.rebuilt:
            console.print(f"Built the index from scratch ({report.reason}).")
        if report.retagged is not None:
            console.print(f"Topics changed: re-tagged {_count(report.retagged, 'turn')}.")
        if report.optimized:
            console.print("Merged the index into one segment.")
        console.print(
            f"Added {report.added}, updated {report.updated}, removed {report.removed}, "
            f"unchanged {report.unchanged}, failed {len(report.failed)} "
            f"in {report.seconds:.1f} s. The index holds "
            f"{_count(report.transcripts, 'transcript')}, {_count(report.turns, 'turn')}."
        )
        if report.formats:
            shown = [f"{path} ({name})" for path, name in sorted(report.formats.items())]
            more = f", and {len(shown) - 10} more" if len(shown) > 10 else ""
            console.print(f"Read as captions or exports: {', '.join(shown[:10])}{more}.")
        for alert in alerts:
            console.print()
            console.print(
                Text(
                    f"Saved search {alert.watch!r}: {_count(len(alert.hits), 'new hit')}",
                    style="bold",
                )
            )
            for hit in alert.hits:
                console.print(f"  {hit.speaker} · {hit.date or 'undated'} · {hit.turn_id}")
                console.print(Text(f"    {_shorten(hit.snippet or hit.text, 200)}", style="dim"))
    if alerts and notify:
        payload = json.dumps({"alerts": [a.to_json() for a in alerts]}, ensure_ascii=False)
        ran = subprocess.run(notify, shell=True, input=payload, text=True, check=False)
        if ran.returncode != 0:
            sys.stderr.write(
                f"Warning: the notify command exited with status {ran.returncode}; "
                "the index is up to date.\n"
            )
    _report_problems(report)
    if report.failed:
        raise typer.Exit(1)


WaitOption = Annotated[float, typer.Option(help="Seconds to wait for another writer to finish.")]
NotifyOption = Annotated[
    str | None,
    typer.Option(help="Run this shell command with the new hits' JSON on its standard input."),
]


@app.command("index")
def index_command(
    index: IndexOption = Path("index"),
    corpus: CorpusOption = Path("corpus"),
    rebuild: Annotated[bool, typer.Option(help="Rebuild the index from scratch.")] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes for a full build (default: one per core for a large corpus).",
        ),
    ] = None,
    optimize: Annotated[
        bool, typer.Option(help="Merge the index into one segment (smaller, faster).")
    ] = False,
    wait: WaitOption = 30.0,
    notify_command: NotifyOption = None,
    output: FormatOption = OutputFormat.text,
    quiet: QuietOption = False,
    shards: Annotated[
        int | None,
        typer.Option(
            help="Split the index into this many shards, built by Dask workers (see README: "
            "More than one machine). A sharded index keeps its shards when synced.",
        ),
    ] = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Bring the index in step with the corpus: add new, replace changed, drop deleted files.

    A damaged index, or one built by another version of remarks, is rebuilt from scratch.
    New hits of saved searches (remarks watch) are reported.
    """
    from searcher.watches import check_watches

    quiet_build = quiet or output is OutputFormat.json
    report = _build(corpus, index, quiet_build, rebuild, wait, workers, optimize, shards, scheduler)
    alerts = check_watches(index, corpus, report.new_turns)
    _render_report(report, output, quiet, alerts, notify_command)


@app.command("add")
def add_command(
    files: Annotated[list[Path], typer.Argument(help="Transcript files (.txt) to add.")],
    force: Annotated[bool, typer.Option(help="Replace a different file of the same name.")] = False,
    index: IndexOption = Path("index"),
    corpus: CorpusOption = Path("corpus"),
    wait: WaitOption = 30.0,
    notify_command: NotifyOption = None,
    output: FormatOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Copy transcripts into the corpus folder and index them; report saved searches' hits."""
    from indexer import add_transcripts
    from searcher.watches import check_watches

    added = add_transcripts(files, corpus, force=force)
    if output is OutputFormat.text and not quiet:
        for item in added:
            _stdout().print(f"{item.source} → {item.target} ({item.status})")
    report = _build(corpus, index, quiet or output is OutputFormat.json, wait=wait)
    alerts = check_watches(index, corpus, report.new_turns)
    _render_report(report, output, quiet, alerts, notify_command)


@app.command("search", context_settings={"ignore_unknown_options": True})
def search_command(
    query: Annotated[str, typer.Argument(help=QUERY_HELP)] = "",
    speaker: SpeakerOption = None,
    role: RoleOption = None,
    topic: TopicOption = None,
    transcript: TranscriptOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    attr: AttrOption = None,
    limit: Annotated[
        str, typer.Option(help="Hits per page (1 to 1000), or all (with --format csv or jsonl).")
    ] = "10",
    page: Annotated[int, typer.Option(help="Page of hits to show.")] = 1,
    sort: Annotated[
        Sort, typer.Option(help="relevance (best first), date (oldest first), -date (newest).")
    ] = Sort.relevance,
    group: Annotated[
        Group | None,
        typer.Option(help="One entry per transcript: its best turns and how many more match."),
    ] = None,
    group_size: Annotated[int, typer.Option(help="Turns shown per transcript with --group.")] = 3,
    by: Annotated[
        Unit,
        typer.Option(help="Rank turns, or question–answer exchanges (question and answer as one)."),
    ] = Unit.turn,
    facets: Annotated[
        bool, typer.Option(help="Count the matching turns by speaker, role, topic and year.")
    ] = False,
    facet_limit: Annotated[
        int, typer.Option(help="Speakers and roles shown per facet (the biggest first).")
    ] = 20,
    context: Annotated[
        bool, typer.Option(help="Show the reply under each hit that is a question or remark.")
    ] = False,
    index: IndexOption = Path("index"),
    scheduler: SchedulerOption = None,
    corpus: CorpusOption = Path("corpus"),
    output: Annotated[
        RowsFormat,
        typer.Option("--format", help="text, json, or rows: csv or jsonl (every field)."),
    ] = RowsFormat.text,
) -> None:
    """Search the speaker turns, best match first.

    With --topic and no query, lists the turns about the topic, most strongly about it first.
    Builds the index first if there is none yet.
    """
    from searcher.export import write_rows

    if query.startswith("--"):
        raise UsageError(
            f"No such option: {query.split('=')[0]}.",
            "See `remarks search --help`; to search for words starting with --, write "
            "`remarks search -- QUERY`.",
        )
    filters = Filters(speaker, role, topic, transcript, since, until, tuple(attr or ()))
    rows = output in (RowsFormat.csv, RowsFormat.jsonl)
    every = limit.strip().lower() == "all"
    if every and not rows:
        raise UsageError(
            "--limit all lists every hit: it is for --format csv or jsonl.",
            "Add --format csv (a spreadsheet) or --format jsonl (one JSON object a line).",
        )
    size = 0 if every else _whole_number(limit, "--limit")
    if _no_index(index):
        _report_problems(_build(corpus, index, quiet=output is not RowsFormat.text))
    with open_index(index, scheduler=scheduler) as opened:
        if by is Unit.exchange:
            if every or group is not None or sort is not Sort.relevance:
                raise UsageError(
                    "--by exchange ranks exchanges by relevance, a page at a time.",
                    "Leave out --limit all, --group and --sort with --by exchange.",
                )
            exchanges = opened.exchanges(query, filters, limit=size, page=page)
            if output is RowsFormat.json:
                _print_json(exchanges.to_json())
            elif rows:
                write_rows(exchanges.hits, sys.stdout, output.value)
            else:
                _render_exchanges(exchanges, filters)
            return
        if every:
            if group is not None:
                raise UsageError(
                    "--group pages over transcripts: it cannot list every hit.",
                    "Leave out --group, or give --limit a number.",
                )
            records = opened.hits(query, filters, sort=sort.value)
            write_rows(records, sys.stdout, output.value)
            return
        result = opened.search(
            query,
            filters,
            limit=size,
            page=page,
            facets=facets,
            sort=sort.value,
            group=group.value if group else None,
            group_size=group_size,
            facet_limit=facet_limit,
        )
        replies = {h.turn_id: opened.answer_to(h) for h in result.hits} if context else {}
    if rows:
        write_rows(result.hits, sys.stdout, output.value)
    elif output is RowsFormat.json:
        _print_json(result.to_json())
    else:
        _render_result(result, filters, replies)


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


@app.command("export")
def export_command(
    query: Annotated[str, typer.Argument(help="Only turns matching this query (optional).")] = "",
    speaker: SpeakerOption = None,
    role: RoleOption = None,
    topic: TopicOption = None,
    transcript: TranscriptOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    attr: AttrOption = None,
    sort: Annotated[
        Sort, typer.Option(help="date (oldest first, the default), -date, or relevance.")
    ] = Sort.date,
    out: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    index: IndexOption = Path("index"),
    corpus: CorpusOption = Path("corpus"),
    output: Annotated[
        ExportFormat, typer.Option("--format", help="csv (a spreadsheet) or jsonl.")
    ] = ExportFormat.csv,
) -> None:
    """Write every turn the filters allow (and the query matches) as CSV or JSON Lines, with
    every field, whatever their number: the whole corpus when nothing is given."""
    from searcher.export import write_rows

    filters = Filters(speaker, role, topic, transcript, since, until, tuple(attr or ()))
    if _no_index(index):
        _report_problems(_build(corpus, index, quiet=True))
    with open_index(index) as opened:
        records = opened.hits(query, filters, sort=sort.value, snippets=bool(query))
        if out is None:
            write_rows(records, sys.stdout, output.value)
            return
        with out.open("w", encoding="utf-8", newline="") as target:
            written = write_rows(records, target, output.value)
    sys.stderr.write(f"Wrote {_count(written, 'turn')} to {out}.\n")


class TrendFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


class SpeakersFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


class Period(StrEnum):
    year = "year"
    month = "month"
    transcript = "transcript"


class Split(StrEnum):
    speaker = "speaker"
    role = "role"
    topic = "topic"


@app.command("trend")
def trend_command(
    query: Annotated[str, typer.Argument(help="Count the turns matching this query.")] = "",
    by: Annotated[Period, typer.Option(help="Periods: year, month or transcript.")] = Period.year,
    split: Annotated[
        Split | None, typer.Option(help="Also count per speaker, role or topic.")
    ] = None,
    split_limit: Annotated[
        int, typer.Option(help="Speakers, roles or topics shown with --split (the most first).")
    ] = 8,
    speaker: SpeakerOption = None,
    role: RoleOption = None,
    topic: TopicOption = None,
    transcript: TranscriptOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    attr: AttrOption = None,
    index: IndexOption = Path("index"),
    corpus: CorpusOption = Path("corpus"),
    output: Annotated[TrendFormat, typer.Option("--format", help="text, json or csv.")] = (
        TrendFormat.text
    ),
) -> None:
    """Count the matching turns per year, month or transcript: absolute and per 10,000 words
    spoken in the period (by the turns the filters allow)."""
    filters = Filters(speaker, role, topic, transcript, since, until, tuple(attr or ()))
    if _no_index(index):
        _report_problems(_build(corpus, index, quiet=output is not TrendFormat.text))
    with open_index(index) as opened:
        counted = opened.trend(
            query,
            filters,
            by=by.value,
            split=split.value if split else None,
            split_limit=split_limit,
        )
    if output is TrendFormat.json:
        _print_json(counted.to_json())
        return
    if output is TrendFormat.csv:
        rows = [r for series in counted.series.values() for r in series] or counted.rows
        writer = csv.writer(sys.stdout)
        writer.writerow(
            ["period", *(["value"] if counted.split else []), "turns", "words", "per_10k_words"]
        )
        for row in rows:
            value = [row.value] if counted.split else []
            writer.writerow([row.period, *value, row.turns, row.words, row.per_10k])
        return
    _render_trend(counted, filters)


def _render_trend(counted, filters: Filters) -> None:
    console = _stdout()
    what = f"{counted.query!r}" if counted.query and counted.query != "*" else "every turn"
    console.print(
        f"{_count(counted.total, 'turn')} match {what}{_filter_note(filters)}, per {counted.by}:"
    )
    top = max((r.per_10k or 0 for r in counted.rows), default=0) or 1
    table = Table("Period", "Turns", "Words", "Per 10k words", "", box=None, pad_edge=False)
    for row in counted.rows:
        bar = "█" * round(BAR_WIDTH * (row.per_10k or 0) / top)
        rate = f"{row.per_10k:.2f}" if row.per_10k is not None else "–"
        table.add_row(row.period, f"{row.turns:,}", f"{row.words:,}", rate, bar)
    console.print(table)
    if counted.split:
        console.print()
        values = list(counted.series)
        split_table = Table("Period", *values, box=None, pad_edge=False)
        for i, period in enumerate(counted.periods):
            split_table.add_row(period, *(f"{counted.series[v][i].turns:,}" for v in values))
        console.print(f"Matching turns per {counted.split}:")
        console.print(split_table)
        if counted.split_more:
            console.print(
                f"and {counted.split_more:,} more (--split-limit "
                f"{len(values) + counted.split_more} shows all)"
            )


watch_app = App(help="Saved searches: new hits are reported after each remarks index.")
app.add_typer(watch_app, name="watch")


@watch_app.command("add")
def watch_add_command(
    name: Annotated[str, typer.Argument(help="A name for the saved search.")],
    query: Annotated[str, typer.Argument(help=QUERY_HELP)] = "",
    speaker: SpeakerOption = None,
    role: RoleOption = None,
    topic: TopicOption = None,
    transcript: TranscriptOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    attr: AttrOption = None,
    index: IndexOption = Path("index"),
    corpus: CorpusOption = Path("corpus"),
) -> None:
    """Save a search (checked first) in the corpus folder's watches.toml."""
    from searcher.watches import Watch, WatchBook

    filters = Filters(speaker, role, topic, transcript, since, until, tuple(attr or ()))
    if _no_index(index):
        _report_problems(_build(corpus, index, quiet=True))
    with open_index(index) as opened:
        book = WatchBook(corpus)
        book.add(opened.turns, Watch(name, query, filters))
    _stdout().print(f"Saved {name!r} in {book.path}; `remarks index` reports its new hits.")


@watch_app.command("list")
def watch_list_command(
    corpus: CorpusOption = Path("corpus"), output: FormatOption = OutputFormat.text
) -> None:
    """List the saved searches."""
    from searcher.watches import WatchBook

    book = WatchBook(corpus)
    if output is OutputFormat.json:
        _print_json([w.to_json() for w in book])
        return
    if not len(book):
        _stdout().print(f"No saved searches in {book.path} (remarks watch add NAME QUERY).")
        return
    table = Table("Name", "Query", "Filters", "Last run", box=None, pad_edge=False)
    for w in book:
        table.add_row(w.name, w.query, _filter_note(w.filters).strip(" ()"), w.last_run or "–")
    _stdout().print(table)


@watch_app.command("remove")
def watch_remove_command(
    name: Annotated[str, typer.Argument(help="The saved search to remove.")],
    corpus: CorpusOption = Path("corpus"),
) -> None:
    """Remove a saved search."""
    from searcher.watches import WatchBook

    WatchBook(corpus).remove(name)
    _stdout().print(f"Removed {name!r}.")


@watch_app.command("run")
def watch_run_command(
    name: Annotated[str, typer.Argument(help="The saved search to run.")],
    since: Annotated[
        str | None, typer.Option(help="Hits from transcripts dated since (default: last run).")
    ] = None,
    index: IndexOption = Path("index"),
    corpus: CorpusOption = Path("corpus"),
    output: FormatOption = OutputFormat.text,
) -> None:
    """Run a saved search: its hits from transcripts dated since a date or its last run."""
    from searcher.watches import WatchBook, result_filters, run_watch

    book = WatchBook(corpus)
    watch = book.get(name)
    with open_index(index) as opened:
        result = run_watch(opened.turns, watch, since)
    book.mark_run(name, date.today())
    if output is OutputFormat.json:
        _print_json(result.to_json())
    else:
        _render_result(result, result_filters(watch, since), {})


class KwicSort(StrEnum):
    date = "date"
    left = "left"
    right = "right"
    speaker = "speaker"


@app.command("kwic")
def kwic_command(
    query: Annotated[str, typer.Argument(help="A word or a phrase (stemmed like search).")],
    width: Annotated[int, typer.Option(help="Words of context on each side.")] = 6,
    sort: Annotated[
        KwicSort, typer.Option(help="date, left (by the words before), right, speaker.")
    ] = KwicSort.date,
    limit: Annotated[int, typer.Option(help="Lines shown at most.")] = 1000,
    speaker: SpeakerOption = None,
    role: RoleOption = None,
    topic: TopicOption = None,
    transcript: TranscriptOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    attr: AttrOption = None,
    index: IndexOption = Path("index"),
    corpus: BuildFromOption = None,
    output: Annotated[TrendFormat, typer.Option("--format", help="text, json or csv.")] = (
        TrendFormat.text
    ),
) -> None:
    """Every occurrence of a word or phrase with the words around it (keyword in context)."""
    filters = Filters(speaker, role, topic, transcript, since, until, tuple(attr or ()))
    _ensure_index(corpus, index, quiet=output.value != "text")
    with open_index(index) as opened:
        found = opened.kwic(query, filters, width=width, sort=sort.value, limit=limit)
    if output is TrendFormat.json:
        _print_json(found.to_json())
        return
    if output is TrendFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["left", "match", "right", "speaker", "date", "turn_id"])
        for line in found.lines:
            writer.writerow(
                [line.left, line.match, line.right, line.speaker, line.date, line.turn_id]
            )
        return
    console = _stdout()
    shown = f" (showing {len(found.lines)})" if found.total > len(found.lines) else ""
    console.print(
        f"{_count(found.total, 'occurrence')} of {query!r} in {_count(found.turns, 'turn')}"
        f"{_filter_note(filters)}{shown}."
    )
    side = KWIC_SIDE_CHARS
    for line in found.lines:
        left = line.left if len(line.left) <= side else "…" + line.left[-(side - 1) :]
        right = line.right if len(line.right) <= side else line.right[: side - 1] + "…"
        row = Text(f"{left:>{side}}  ")
        row.append(line.match, style="bold")
        row.append(f"  {right:<{side}}  ")
        row.append(f"{line.speaker} · {line.date or 'undated'} · {line.turn_id}", style="dim")
        console.print(row, no_wrap=True, overflow="ellipsis")


@app.command("quote")
def quote_command(
    text: Annotated[str, typer.Argument(help="The quote as you remember it.")],
    limit: Annotated[int, typer.Option(help="Passages shown at most.")] = 5,
    speaker: SpeakerOption = None,
    role: RoleOption = None,
    topic: TopicOption = None,
    transcript: TranscriptOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    attr: AttrOption = None,
    index: IndexOption = Path("index"),
    corpus: BuildFromOption = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Check a quote: the passages closest to it, what differs, and who said it.

    The quote may be misremembered, reordered or partial. Says exact, close or not found, and
    flags a passage the speaker attributes to someone else ("as X said", quotation marks).
    """
    filters = Filters(speaker, role, topic, transcript, since, until, tuple(attr or ()))
    _ensure_index(corpus, index, quiet=output is not OutputFormat.text)
    with open_index(index) as opened:
        result = opened.quote(text, filters, limit=limit)
    if output is OutputFormat.json:
        _print_json(result.to_json())
        return
    console = _stdout()
    verdicts = {
        "exact": "Exact: said word for word.",
        "close": "Close: said, in other words (see what differs).",
        "not found": "Not found: nothing close to this quote in the index.",
    }
    verdict = verdicts[result.verdict]
    if result.verdict == "not found" and result.matches:
        verdict = "Not found: nothing close enough to this quote; the nearest passages follow."
    console.print(Text(verdict, style="bold"))
    for n, match in enumerate(result.matches, start=1):
        turn = match.turn
        console.print()
        head = Text(f"{n:>2}. {match.score:.0%} ")
        head.append(turn.speaker, style="bold")
        if turn.role:
            head.append(f" — {turn.role}")
        console.print(head)
        console.print(Text(f"    {turn.title} · {_when_where(turn)} · {turn.turn_id}", style="dim"))
        console.print(Text(f"    “{match.passage}”"))
        if not match.exact:
            console.print(Text(f"    differs: {match.marked_diff}", style="dim"))
        if match.attribution:
            who = match.attribution.get("who")
            note = f" — {who} may be the one quoted" if who else ""
            console.print(
                Text(
                    f"    Careful: {match.attribution['text']}{note}; the speaker may be "
                    "quoting someone else.",
                    style="bold",
                )
            )
        console.print(Text(f"    Cite: {citation(turn)}", style="dim"))


@app.command("terms")
def terms_command(
    query: Annotated[str, typer.Argument(help="Optional words to select the turns.")] = "",
    limit: Annotated[int, typer.Option(help="Terms shown at most.")] = 30,
    speaker: SpeakerOption = None,
    role: RoleOption = None,
    topic: TopicOption = None,
    transcript: TranscriptOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    attr: AttrOption = None,
    index: IndexOption = Path("index"),
    corpus: BuildFromOption = None,
    output: Annotated[TrendFormat, typer.Option("--format", help="text, json or csv.")] = (
        TrendFormat.text
    ),
) -> None:
    """The words and two-word phrases distinctive of the turns a query or filters select,
    against the rest of the corpus (log-likelihood keyness; effect size: log ratio)."""
    filters = Filters(speaker, role, topic, transcript, since, until, tuple(attr or ()))
    _ensure_index(corpus, index, quiet=output.value != "text")
    with open_index(index) as opened:
        found = opened.terms(query, filters, limit=limit)
    if output is TrendFormat.json:
        _print_json(found.to_json())
        return
    columns = ["term", "kind", "count", "reference_count", "per_10k", "reference_per_10k"]
    columns += ["log_likelihood", "log_ratio"]
    if output is TrendFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        for term in found.terms:
            data = term.to_json()
            writer.writerow([data[c] for c in columns])
        return
    console = _stdout()
    console.print(
        f"Distinctive terms of {_count(found.turns, 'turn')}{_filter_note(filters)} "
        f"({found.words:,} words) against the rest ({found.reference_words:,} words):"
    )
    table = Table("Term", "Here", "Rest", "per 10k here", "per 10k rest", "LL", "log ratio")
    for t in found.terms:
        table.add_row(
            t.term,
            str(t.count),
            str(t.reference_count),
            f"{t.per_10k:.1f}",
            f"{t.reference_per_10k:.1f}",
            f"{t.log_likelihood:.1f}",
            f"{t.log_ratio:.2f}",
        )
    console.print(table)


@app.command("show")
def show_command(
    turn_id: Annotated[str, typer.Argument(help="A turn id from the search results.")],
    context: Annotated[int, typer.Option(help="Turns to show on each side.")] = 0,
    exchange: Annotated[
        bool, typer.Option(help="Show the whole question–answer exchange of the turn.")
    ] = False,
    index: IndexOption = Path("index"),
    scheduler: SchedulerOption = None,
    corpus: BuildFromOption = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Show one turn, with the turns around it or its whole exchange."""
    _ensure_index(corpus, index, quiet=output.value != "text")
    with open_index(index, scheduler=scheduler) as opened:
        shown = opened.show(turn_id, context, exchange)
    if output is OutputFormat.json:
        _print_json(shown.to_json())
        return
    console = _stdout()
    turn = shown.turn
    console.print(Text(turn.title, style="bold"))
    console.print(Text(_when_where(turn), style="dim"))
    for record in [*shown.before, turn, *shown.after]:
        console.print()
        marker = "▶ " if record is turn else "  "
        header = Text(f"{marker}[{record.seq}] ")
        header.append(record.speaker, style="bold")
        if record.role:
            header.append(f" ({record.role})")
        if record.start is not None:
            header.append(f" [{timestamp(record.start)}]", style="dim")
        console.print(header)
        for paragraph in record.text.split("\n"):
            console.print(Text("    " + paragraph, style="" if record is turn else "dim"))


@app.command("speakers")
def speakers_command(
    index: IndexOption = Path("index"),
    scheduler: SchedulerOption = None,
    corpus: BuildFromOption = None,
    output: Annotated[
        SpeakersFormat,
        typer.Option(
            "--format",
            help="text, json, or csv: a speaker table (speakers.csv) to edit and put in the "
            "corpus.",
        ),
    ] = SpeakersFormat.text,
) -> None:
    """List the speakers, with their roles and how many turns and transcripts they have."""
    from searcher.export import write_speaker_table

    _ensure_index(corpus, index, quiet=output.value != "text")
    with open_index(index, scheduler=scheduler) as opened:
        speakers = opened.speakers()
    if output is SpeakersFormat.json:
        _print_json([s.to_json() for s in speakers])
        return
    if output is SpeakersFormat.csv:
        write_speaker_table(speakers, sys.stdout)
        return
    table = Table("Speaker", "Roles", "Turns", "Transcripts", box=None, pad_edge=False)
    for s in speakers:
        table.add_row(s.name, "; ".join(s.roles), str(s.turns), str(s.transcripts))
    _stdout().print(table)


@app.command("topics")
def topics_command(
    action: Annotated[
        str | None,
        typer.Argument(
            help="init: write the built-in topics into the corpus as topics.toml, to edit."
        ),
    ] = None,
    index: IndexOption = Path("index"),
    scheduler: SchedulerOption = None,
    corpus: BuildFromOption = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """List the topics, with how many turns each has and who speaks most about it.

    Without a topics.toml in the corpus, remarks tags turns with its built-in general topics
    (economy, health care, immigration, …); `remarks topics init` copies them into the corpus.
    """
    if action is not None:
        if action != "init":
            raise UsageError(
                f"Unknown topics action {action!r}.",
                "Use `remarks topics` to list the topics, `remarks topics init` to copy the "
                "built-in ones into the corpus.",
            )
        path = init_topics(corpus or Path("corpus"))
        _stdout().print(
            f"Wrote the built-in topics to {path}. Edit it, then run `remarks index` to re-tag."
        )
        return
    _ensure_index(corpus, index, quiet=output.value != "text")
    with open_index(index, scheduler=scheduler) as opened:
        topics = opened.topics()
    if output is OutputFormat.json:
        _print_json([t.to_json() for t in topics])
        return
    table = Table("Topic", "Turns", "Most frequent speakers", box=None, pad_edge=False)
    for t in topics:
        speakers = ", ".join(f"{name} ({n})" for name, n in t.speaker_turns.items())
        table.add_row(t.name, str(t.turns), speakers)
    _stdout().print(table)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on (local only by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(help="Also answer requests for this host name (repeatable)."),
    ] = None,
    index: IndexOption = Path("index"),
    scheduler: SchedulerOption = None,
    corpus: CorpusOption = Path("corpus"),
) -> None:
    """Serve a search page and a JSON API at http://HOST:PORT (read-only).

    Only requests for a loopback name, the address served on, or an --allow-host name are
    answered (protection against DNS rebinding).
    """
    import uvicorn

    from searcher.app.web import create_app

    if _no_index(index):
        _report_problems(_build(corpus, index, quiet=False))
    # fail here, with a clear message, if the index cannot be read
    open_index(index, scheduler=scheduler).close()
    sys.stderr.write(f"Serving {index} at http://{host}:{port}/ (Ctrl+C to stop)\n")
    hosts = tuple(allow_host or ())
    if host not in ("0.0.0.0", "::"):
        hosts += (host,)
    uvicorn.run(create_app(index, hosts, scheduler), host=host, port=port, log_level="warning")


@app.command("check")
def check_command(
    index: IndexOption = Path("index"),
    corpus: BuildFromOption = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Verify every file of the index against its recorded checksum and read every turn."""
    _ensure_index(corpus, index, quiet=output is not OutputFormat.text)
    from indexer import check_shards

    checked = check_shards(index) or check_index(index)
    if output is OutputFormat.json:
        _print_json(checked.to_json())
    elif not checked.problems:
        _stdout().print(
            f"The index at {index} is sound: {_count(checked.files, 'file')} "
            f"({checked.bytes / 1e6:.1f} MB) verified, {_count(checked.turns, 'turn')} read."
        )
    for name, problem in checked.problems:
        sys.stderr.write(f"Damaged: {name}: {problem}.\n")
    if checked.problems:
        from searcher import IndexDamagedError

        _fail(IndexDamagedError(index, *checked.problems[0]))


@app.command("stats")
def stats_command(
    index: IndexOption = Path("index"),
    scheduler: SchedulerOption = None,
    corpus: BuildFromOption = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Show how many transcripts, turns and speakers the index holds, and its date range."""
    _ensure_index(corpus, index, quiet=output.value != "text")
    with open_index(index, scheduler=scheduler) as opened:
        stats = opened.stats()
    if output is OutputFormat.json:
        _print_json(stats.to_json())
        return
    console = _stdout()
    console.print(f"Transcripts: {stats.transcripts:,}")
    console.print(f"Turns:       {stats.turns:,}")
    console.print(f"Speakers:    {stats.speakers:,}")
    console.print(f"Dates:       {stats.first_date or '–'} to {stats.last_date or '–'}")
    console.print(f"Index size:  {stats.index_bytes / 1e6:.1f} MB")


def _count(n: int, noun: str) -> str:
    """`1 turn`, `2 turns`, `1,204 turns`."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _when_where(record: TurnRecord) -> str:
    return ", ".join(x for x in (record.date, record.place) if x) or "undated"


def _emphasised(record: TurnRecord, plain: bool) -> Text:
    text = Text(record.snippet)
    if plain:
        # No terminal styles (output to a file or pipe): mark matches with asterisks.
        out, last = Text(), 0
        for start, end in record.highlights:
            out.append(record.snippet[last:start])
            out.append(f"*{record.snippet[start:end]}*")
            last = end
        out.append(record.snippet[last:])
        return out
    for start, end in record.highlights:
        text.stylize("bold yellow", start, end)
    return text


def _render_result(
    result: SearchResult, filters: Filters, replies: dict[str, TurnRecord | None]
) -> None:
    console = _stdout()
    plain = not console.is_terminal or console.no_color
    for note in result.notes:
        sys.stderr.write(f"Partial result: {note}.\n")
    if result.total == 0:
        console.print(f"No turns match {result.query!r}{_filter_note(filters)}.")
        if result.suggestion:
            console.print(f"Did you mean: {result.suggestion}")
        return
    first = (result.page - 1) * result.limit + 1
    query = f" {result.query!r}" if result.query else ""
    order = {"date": ", oldest first", "-date": ", newest first"}.get(result.sort, "")
    if result.groups is not None:
        last = first + len(result.groups) - 1
        shown = f"transcripts {first}–{last}" if result.groups else "past the end"
        console.print(
            f"{_count(result.total, 'turn')} in {_count(result.total_groups or 0, 'transcript')}"
            f" match{query}{_filter_note(filters)} ({shown}{order})."
        )
        for group in result.groups:
            console.print()
            console.print(Text(f"{group.title}", style="bold"))
            more = f", {group.more:,} more" if group.more else ""
            console.print(
                Text(
                    f"{group.date or 'undated'} · {group.transcript} · "
                    f"{_count(group.total, 'turn')} match{more}",
                    style="dim",
                )
            )
            for hit in group.hits:
                _render_hit(console, hit, plain, replies)
        _render_facets(console, result)
        return
    last = first + len(result.hits) - 1
    noun = "turn matches" if result.total == 1 else "turns match"
    shown = f"showing {first}–{last}" if result.hits else f"page {result.page} is past the end"
    console.print(f"{result.total:,} {noun}{query}{_filter_note(filters)} ({shown}{order}).")
    if result.suggestion:
        console.print(f"Did you mean: {result.suggestion}")
    for hit in result.hits:
        _render_hit(console, hit, plain, replies)
    _render_facets(console, result)


def _render_hit(console, hit: TurnRecord, plain: bool, replies) -> None:
    console.print()
    line = Text(f"{hit.rank:>3}. ")
    line.append(hit.speaker, style="bold")
    if hit.role:
        line.append(f" — {hit.role}")
    if hit.start is not None:
        line.append(f" [{timestamp(hit.start)}]", style="dim")
    console.print(line)
    console.print(Text(f"     {hit.title} · {_when_where(hit)} · {hit.turn_id}", style="dim"))
    snippet = Text("     ")
    snippet.append_text(_emphasised(hit, plain))
    console.print(snippet)
    reply = replies.get(hit.turn_id)
    if reply is not None:
        line = Text("     ↳ ")
        line.append(reply.speaker, style="bold")
        line.append(f" [{reply.turn_id}]: {_shorten(reply.text)}")
        console.print(line)


def _render_exchanges(result, filters: Filters) -> None:
    console = _stdout()
    plain = not console.is_terminal or console.no_color
    if not result.exchanges:
        console.print(f"No exchanges match {result.query!r}{_filter_note(filters)}.")
        return
    first = (result.page - 1) * result.limit + 1
    last = first + len(result.exchanges) - 1
    console.print(
        f"{_count(result.total, 'exchange')} match {result.query!r}{_filter_note(filters)} "
        f"(showing {first}–{last})."
    )
    for exchange in result.exchanges:
        console.print()
        line = Text(f"{exchange.rank:>3}. ")
        line.append(exchange.title, style="bold")
        console.print(line)
        where = ", ".join(x for x in (exchange.date, exchange.place) if x) or "undated"
        console.print(
            Text(
                f"     {where} · {exchange.id} · {_count(len(exchange.turn_ids), 'turn')}",
                style="dim",
            )
        )
        for label, record in (("Q", exchange.question), ("A", exchange.answer)):
            if record is None:
                continue
            head = Text(f"     {label} [{record.seq}] ")
            head.append(record.speaker, style="bold")
            if record.role:
                head.append(f" — {record.role}")
            console.print(head)
            body = Text("       ")
            body.append_text(_emphasised(record, plain))
            console.print(body)


def _render_facets(console, result: SearchResult) -> None:
    if not result.facets:
        return
    console.print()
    more = result.facets_more or {}
    for name, counts in result.facets.items():
        shown = ", ".join(f"{key} ({n})" for key, n in counts.items())
        left = more.get(name, 0)
        if left:
            shown += f" and {left:,} more (--facet-limit {len(counts) + left} shows all)"
        console.print(f"{name.capitalize()}: {shown or '–'}")


def _whole_number(value: str, option: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise UsageError(
            f"{option} {value!r} is not a number.", f"Give {option} a whole number, or all."
        ) from None


def _shorten(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + "…"


def _filter_note(filters: Filters) -> str:
    parts = [f"{name} {value!r}" for name, value in vars(filters).items() if value]
    return f" ({', '.join(parts)})" if parts else ""


def main() -> None:
    """Run the `remarks` command line."""
    app()


if __name__ == "__main__":
    main()
