"""`remarks serve`: a local search page and a JSON API over the same library as the CLI.

Read-only: every request searches the live index (picking up a rebuild or sync without a
restart); nothing a request sends can change the index or reach a file outside it, because ids
are only ever looked up as terms in the index.
"""

import re
import tempfile
import threading
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer import READ_ERRORS, diagnose
from indexer.errors import (
    IndexMissingError,
    IndexUnreadableError,
    RemarksError,
    UnknownTranscriptError,
    UnknownTurnError,
    UsageError,
)
from indexer.ids import make_turn_id
from searcher import Filters, Index, TurnRecord, open_index
from searcher.app.feed import FEED_SIZE, atom_feed
from searcher.export import write_rows
from searcher.hits import citation, timestamp
from searcher.query import MAX_QUERY_CHARS

MAX_PAGE_SIZE = 100
MAX_FACETS = 1000
SPOOL_BYTES = 8 << 20  # CSV rows kept in memory before they spill to a temporary file
DISCONNECT_POLL_SECONDS = 0.1  # how often a running search asks whether its client left
MAX_PAGE = 1000
MAX_ATTRS = 10  # attribute filters one request may give
PAGE_LINES = 2000  # concordance lines on the page (the API and CLI give more)
TEMPLATES = Path(__file__).parent / "templates"
SYNTAX_HINT = (
    'Words find turns with any of them, best first · "exact phrase" · robots AND Korea · '
    "chessboxing NOT boxing · robot* · chesboxing~ · speaker:putin"
)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def create_app(
    index_dir: Path, allowed_hosts: tuple[str, ...] = (), scheduler: str | None = None
) -> "HeadAsGet":
    """Return the web app serving the index at `index_dir`.

    Only requests naming a loopback host or one of `allowed_hosts` in their Host header are
    answered (a page on another site cannot reach a private corpus by DNS rebinding).
    Searches run in parallel, each worker thread with its own searcher of the index.
    """
    app = FastAPI(
        title="remarks",
        description="Search transcripts: who said what, when, in what role.",
        version="1",
        docs_url=None,  # Swagger UI loads scripts from other sites; /openapi.json stays
        redoc_url=None,
    )
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["marked"] = marked
    templates.env.filters["timestamp"] = timestamp
    templates.env.filters["citation"] = citation

    def highlight(text: str, terms: frozenset[str]) -> Markup:
        out, last = [], 0
        for start, end in index().marks(text, terms):
            out.append(escape(text[last:start]))
            out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
            last = end
        out.append(escape(text[last:]))
        return Markup("").join(out)

    templates.env.filters["highlight"] = highlight
    per_thread = threading.local()
    epoch = [0]  # bumped when the index turns out unreadable: every thread reopens it

    def index() -> Index:
        # Whoosh searchers are not thread-safe: each worker thread has its own.
        opened = getattr(per_thread, "index", None)
        if opened is None or getattr(per_thread, "epoch", -1) != epoch[0]:
            if opened is not None:
                opened.close()
            per_thread.index = open_index(index_dir, scheduler=scheduler)
            per_thread.epoch = epoch[0]
        return per_thread.index

    hosts = {h.lower() for h in (*LOOPBACK_HOSTS, *allowed_hosts)}

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg')}"
            for e in exc.errors()[:5]
        )
        return _error(
            request,
            422,
            f"Some parameters are not valid ({problems[:300]}).",
            "See /openapi.json for the parameters each address takes.",
            templates,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return _error(
                request, 404, "There is no such page.", "Start from the search page: /", templates
            )
        if exc.status_code == 405:
            return _error(
                request, 405, "This address only answers GET.", "Use GET (or HEAD).", templates
            )
        return _error(request, exc.status_code, str(exc.detail), "", templates)

    async def in_worker(request: Request, work):
        """Run `work(cancel)` in a worker thread; set `cancel` if the client goes away."""
        cancel = threading.Event()
        outcome: dict = {}

        def run() -> None:
            try:
                outcome["result"] = work(cancel)
            except Exception as exc:  # raised below, outside the task group
                outcome["error"] = exc

        async def watch() -> None:
            while not await request.is_disconnected():
                await anyio.sleep(DISCONNECT_POLL_SECONDS)
            cancel.set()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(watch)
            await anyio.to_thread.run_sync(run)
            tasks.cancel_scope.cancel()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    async def run_search(request: Request, q: str, filters: Filters, **options):
        """Search in a worker thread; stop the search if the client goes away meanwhile."""
        return await in_worker(
            request,
            lambda cancel: index().search(q, filters, facets=True, cancel=cancel, **options),
        )

    @app.exception_handler(RemarksError)
    async def library_error(request: Request, exc: RemarksError):
        status = 404 if isinstance(exc, UnknownTurnError | UnknownTranscriptError) else 400
        if isinstance(exc, IndexUnreadableError | IndexMissingError):
            status = 503
            epoch[0] += 1  # every thread opens it afresh once it is rebuilt
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.message, "hint": exc.hint}, status_code=status)
        context = {"message": exc.message, "hint": exc.hint}
        return templates.TemplateResponse(request, "error.html", context, status_code=status)

    @app.exception_handler(Exception)
    async def read_failure(request: Request, exc: Exception):
        # A damaged file that slipped past the checks made on opening: say so (503). Anything
        # else is a bug: a plain 500, with the traceback in the server's log.
        damage = diagnose(index_dir) if isinstance(exc, READ_ERRORS) else None
        if damage is None:
            raise exc
        return await library_error(request, damage)

    @app.get("/api/search")
    async def api_search(
        request: Request,
        filters: FilterParams,
        q: str = Query("", max_length=MAX_QUERY_CHARS),
        page: int = Query(1, ge=1, le=MAX_PAGE),
        limit: int = Query(10, ge=1, le=MAX_PAGE_SIZE),
        sort: str = "relevance",
        group: str | None = None,
        group_size: int = Query(3, ge=1, le=MAX_PAGE_SIZE),
        facet_limit: int = Query(20, ge=1, le=MAX_FACETS),
        by: str = "turn",
    ) -> dict:
        """Search turns: the same parameters and JSON as `remarks search --format json`
        (`by=exchange`: `remarks search --by exchange`)."""
        if by == "exchange":
            found = await in_worker(
                request, lambda cancel: index().exchanges(q, filters, limit=limit, page=page)
            )
            return found.to_json()
        if by != "turn":
            raise UsageError(f"by={by!r} is not a unit of results.", "Use by=turn or by=exchange.")
        result = await run_search(
            request,
            q,
            filters,
            limit=limit,
            page=page,
            sort=sort,
            group=group or None,
            group_size=group_size,
            facet_limit=facet_limit,
        )
        return result.to_json()

    @app.get("/api/search.csv")
    async def api_search_rows(
        request: Request,
        filters: FilterParams,
        q: str = Query("", max_length=MAX_QUERY_CHARS),
        sort: str = "relevance",
    ):
        """Every hit as CSV rows (`remarks search --limit all --format csv`)."""

        def rows(cancel: threading.Event):
            # Written in the worker thread that owns the searcher, to a file that spills to
            # disk past a few MB, then streamed: memory stays flat however many rows.
            spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (closed by _chunks)
                max_size=SPOOL_BYTES, mode="w+t", newline=""
            )
            records = index().hits(q, filters, sort=sort)
            write_rows(_until_cancelled(records, cancel), spool, "csv")
            spool.seek(0)
            return spool

        spool = await in_worker(request, rows)
        name = _download_name(q)
        return StreamingResponse(
            _chunks(spool),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/api/trend")
    async def api_trend(
        request: Request,
        filters: FilterParams,
        q: str = Query("", max_length=MAX_QUERY_CHARS),
        by: str = "year",
        split: str | None = None,
        split_limit: int = Query(8, ge=1, le=MAX_FACETS),
    ) -> dict:
        """Matching turns per period: the same JSON as `remarks trend --format json`."""
        counted = await in_worker(
            request,
            lambda cancel: index().trend(
                q, filters, by=by, split=split or None, split_limit=split_limit
            ),
        )
        return counted.to_json()

    @app.get("/feed")
    async def feed(
        request: Request,
        filters: FilterParams,
        q: str = Query("", max_length=MAX_QUERY_CHARS),
    ):
        """An Atom feed of a search: its newest matching turns (subscribe to get new ones)."""
        result = await in_worker(
            request,
            lambda cancel: index().search(q, filters, limit=FEED_SIZE, sort="-date", cancel=cancel),
        )
        what = " ".join(x for x in (q, _filter_note(filters)) if x) or "every turn"
        base = str(request.base_url)
        xml = atom_feed(f"remarks: {what}", str(request.url), base, result.hits)
        return Response(xml, media_type="application/atom+xml; charset=utf-8")

    @app.get("/api/quote")
    async def api_quote(
        request: Request,
        filters: FilterParams,
        text: str = Query(..., max_length=MAX_QUERY_CHARS),
        limit: int = Query(5, ge=1, le=50),
    ) -> dict:
        """The passages closest to a quote, what differs, a verdict and citations."""
        result = await in_worker(request, lambda c: index().quote(text, filters, limit=limit))
        return result.to_json()

    @app.get("/api/terms")
    async def api_terms(
        request: Request,
        filters: FilterParams,
        q: str = Query("", max_length=MAX_QUERY_CHARS),
        limit: int = Query(30, ge=1, le=200),
    ) -> dict:
        """Words and phrases distinctive of the turns a query and filters select."""
        result = await in_worker(request, lambda c: index().terms(q, filters, limit=limit))
        return result.to_json()

    @app.get("/api/kwic")
    async def api_kwic(
        request: Request,
        filters: FilterParams,
        q: str = Query(..., max_length=MAX_QUERY_CHARS),
        width: int = Query(6, ge=1, le=50),
        sort: str = "date",
        limit: int = Query(1000, ge=1, le=100_000),
    ) -> dict:
        """Every occurrence of a word or phrase with its context."""
        result = await in_worker(
            request, lambda c: index().kwic(q, filters, width=width, sort=sort, limit=limit)
        )
        return result.to_json()

    @app.get("/quote", response_class=HTMLResponse, include_in_schema=False)
    async def quote_page(request: Request, text: str = Query("", max_length=MAX_QUERY_CHARS)):
        result, error = None, None
        if text.strip():
            try:
                result = await in_worker(request, lambda c: index().quote(text))
            except UsageError as exc:
                error = exc
        return templates.TemplateResponse(
            request, "quote.html", {"text": text, "result": result, "error": error}
        )

    @app.get("/kwic", response_class=HTMLResponse, include_in_schema=False)
    async def kwic_page(
        request: Request,
        filters: FilterParams,
        q: str = Query("", max_length=MAX_QUERY_CHARS),
        sort: str = "date",
        width: int = Query(6, ge=1, le=50),
    ):
        result, error = None, None
        if q.strip():
            try:
                result = await in_worker(
                    request,
                    lambda c: index().kwic(q, filters, width=width, sort=sort, limit=PAGE_LINES),
                )
            except UsageError as exc:
                error = exc
        context = {"q": q, "sort": sort, "result": result, "error": error}
        return templates.TemplateResponse(request, "kwic.html", context)

    @app.get("/s/{name:path}", response_class=HTMLResponse, include_in_schema=False)
    async def speaker_page(request: Request, name: str):
        profile = await in_worker(request, lambda c: index().speaker(name))
        return templates.TemplateResponse(request, "speaker.html", {"p": profile})

    @app.get("/api/turns/{turn_id:path}")
    def api_turn(turn_id: str, context: int = Query(2, ge=0, le=20)) -> dict:
        """One turn with `context` turns on each side and its exchange."""
        return index().show(turn_id, context).to_json()

    @app.get("/api/speakers")
    def api_speakers() -> list[dict]:
        """Every speaker: roles, turns, transcripts."""
        return [s.to_json() for s in index().speakers()]

    @app.get("/api/topics")
    def api_topics() -> list[dict]:
        """Every topic: turns and most frequent speakers."""
        return [t.to_json() for t in index().topics()]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page(
        request: Request,
        q: str = Query("", max_length=MAX_QUERY_CHARS),
        speaker: str = "",
        role: str = "",
        topic: str = "",
        transcript: str = "",
        since: str = "",
        until: str = "",
        attr: Annotated[list[str] | None, Query(max_length=200)] = None,
        page: int = Query(1, ge=1, le=MAX_PAGE),
        limit: int = Query(10, ge=1, le=MAX_PAGE_SIZE),
        sort: str = "relevance",
        group: str = "",
    ):
        params = {
            "q": q,
            "speaker": speaker,
            "role": role,
            "topic": topic,
            "transcript": transcript,
            "since": since,
            "until": until,
            "attr": [a for a in attr or () if a][:MAX_ATTRS],
        }
        result, error, chart = None, None, None
        if any(params.values()):
            try:
                filters = _filters(speaker, role, topic, transcript, since, until, params["attr"])
                result = await run_search(
                    request, q, filters, limit=limit, page=page, sort=sort, group=group or None
                )
                if result.total:
                    by_year = await in_worker(request, lambda c: index().trend(q, filters))
                    chart = _chart(by_year)
            except UsageError as exc:
                error = exc
        params |= {"sort": sort if sort != "relevance" else "", "group": group}
        return templates.TemplateResponse(
            request,
            "search.html",
            {
                "params": params,
                "result": result,
                "error": error,
                "hint": SYNTAX_HINT,
                "url": lambda **changes: (
                    "/?"
                    + _query_string({**params, "limit": limit if limit != 10 else "", **changes})
                ),
                "pages": _pages(result, limit) if result else [],
                "feed_url": "/feed?"
                + _query_string({k: v for k, v in params.items() if k not in ("group", "sort")}),
                "csv_url": "/api/search.csv?"
                + _query_string({k: v for k, v in params.items() if k != "group"}),
                "limit": limit,
                "chart": chart,
            },
        )

    @app.get("/t/{transcript_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def transcript_page(
        request: Request,
        transcript_id: str,
        turn: int | None = None,
        q: str = Query("", max_length=MAX_QUERY_CHARS),
    ):
        turns = index().transcript(transcript_id)
        if not turns:
            raise UnknownTranscriptError(
                f"There is no transcript {transcript_id!r} in the index.",
                "Search for it, or check the address.",
            )
        focus = index().turn(make_turn_id(transcript_id, turn)) if turn else None
        exchange = set(focus.exchange["turn_ids"]) if focus and focus.exchange else set()
        return templates.TemplateResponse(
            request,
            "transcript.html",
            {
                "turns": turns,
                "first": turns[0],
                "focus": focus,
                "exchange": exchange,
                "q": q,
                "stems": index().query_terms(q),
            },
        )

    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(Guard, hosts=hosts, templates=templates)
    return HeadAsGet(app)


class Guard:
    """Answer only requests naming an allowed host; put the security headers on every
    response. (Plain ASGI: Starlette's BaseHTTPMiddleware hides a client's disconnect from
    the routes, and a search must see it to stop.)"""

    def __init__(self, app, hosts: set[str], templates) -> None:
        self.app = app
        self.hosts = hosts
        self.templates = templates

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for header, value in SECURITY_HEADERS.items():
                    headers.setdefault(header, value)
            await send(message)

        request = Request(scope)
        host = (request.headers.get("host") or "").lower()
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 or "]" in host else host
        if name in self.hosts:
            return await self.app(scope, receive, with_headers)
        refusal = _error(
            request,
            400,
            f"This server does not answer for the host {name!r}.",
            "Open it at http://127.0.0.1, or start it with `remarks serve --allow-host NAME`.",
            self.templates,
        )
        await refusal(scope, receive, with_headers)


CHART_WIDTH, CHART_HEIGHT = 640, 120


def _chart(counted) -> dict | None:
    """Bars of a trend for the page's SVG: height by turns per 10,000 words spoken that
    year, the count on top; undated turns left out. None when under two dated years."""
    rows = [r for r in counted.rows if r.period != "undated"]
    if len(rows) < 2:
        return None
    top = max((r.per_10k or 0 for r in rows), default=0) or 1
    step = CHART_WIDTH / len(rows)
    bars = []
    for i, row in enumerate(rows):
        height = round((CHART_HEIGHT - 30) * (row.per_10k or 0) / top, 1)
        bars.append(
            {
                "period": row.period,
                "turns": row.turns,
                "words": row.words,
                "rate": row.per_10k or 0,
                "x": round(i * step + step * 0.1, 1),
                "width": round(step * 0.8, 1),
                "height": height,
                "y": round(CHART_HEIGHT - 15 - height, 1),
                "label_x": round(i * step + step / 2, 1),
            }
        )
    return {"bars": bars, "width": CHART_WIDTH, "height": CHART_HEIGHT}


def _filter_note(filters: Filters) -> str:
    return ", ".join(
        f"{name}: {' and '.join(value) if isinstance(value, tuple) else value}"
        for name, value in vars(filters).items()
        if value
    )


def filter_params(
    speaker: str | None = None,
    role: str | None = None,
    topic: str | None = None,
    transcript: str | None = None,
    since: str | None = None,
    until: str | None = None,
    attr: Annotated[list[str] | None, Query(max_length=200)] = None,
) -> Filters:
    """The search filters of a request's query string (empty values count as absent)."""
    return _filters(speaker, role, topic, transcript, since, until, attr)


FilterParams = Annotated[Filters, Depends(filter_params)]


def _filters(speaker, role, topic, transcript, since, until, attr=None) -> Filters:
    return Filters(
        speaker or None,
        role or None,
        topic or None,
        transcript or None,
        since or None,
        until or None,
        tuple(a for a in attr or () if a)[:MAX_ATTRS],
    )


def _until_cancelled(records, cancel: threading.Event):
    for record in records:
        if cancel.is_set():
            return
        yield record


def _chunks(spool, size: int = 1 << 16):
    try:
        while chunk := spool.read(size):
            yield chunk.encode("utf-8")
    finally:
        spool.close()


def _download_name(query: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", query)[:6]
    return "remarks-" + ("-".join(words).lower() or "turns") + ".csv"


class HeadAsGet:
    """Answer HEAD as GET without the body (FastAPI's GET routes refuse HEAD)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def __getattr__(self, name):
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def headers_only(message):
            if message["type"] == "http.response.body":
                message = {**message, "body": b"", "more_body": False}
                if getattr(headers_only, "done", False):
                    return
                headers_only.done = True  # type: ignore[attr-defined]
            await send(message)

        return await self.app({**scope, "method": "GET"}, receive, headers_only)


def _error(request: Request, status: int, message: str, hint: str, templates):
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return JSONResponse({"error": message, "hint": hint}, status_code=status)
    context = {"message": message, "hint": hint}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def marked(record: TurnRecord) -> Markup:
    """Return the snippet as HTML: every piece escaped, the matched words in <mark>."""
    out, last = [], 0
    for start, end in record.highlights:
        out.append(escape(record.snippet[last:start]))
        out.append(Markup("<mark>") + escape(record.snippet[start:end]) + Markup("</mark>"))
        last = end
    out.append(escape(record.snippet[last:]))
    return Markup("").join(out)


def _query_string(params: dict) -> str:
    kept = {k: v for k, v in params.items() if v not in ("", None, 1, []) or k == "q"}
    return urlencode(kept, doseq=True)


def _pages(result, limit: int) -> list[int]:
    entries = result.total_groups if result.groups is not None else result.total
    last = min(MAX_PAGE, max(1, -(-entries // limit)))
    around = range(max(1, result.page - 3), min(last, result.page + 3) + 1)
    return sorted({1, last, *around})
