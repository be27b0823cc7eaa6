"""`remarks serve`: a local search page and a JSON API over the same library as the CLI.

Read-only: every request searches the live index (picking up a rebuild or sync without a
restart); nothing a request sends can change the index or reach a file outside it, because ids
are only ever looked up as terms in the index.
"""

import threading
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from indexer.errors import (
    IndexMissingError,
    IndexUnreadableError,
    RemarksError,
    UnknownTranscriptError,
    UnknownTurnError,
    UsageError,
)
from indexer.store import READ_ERRORS, diagnose
from searcher.browse import get_turn, list_speakers, show_turn, transcript_turns
from searcher.hits import TurnRecord
from searcher.query import MAX_QUERY_CHARS, Filters
from searcher.search import search
from searcher.session import TurnIndex
from searcher.topics import list_topics

MAX_PAGE_SIZE = 100
MAX_PAGE = 1000
TEMPLATES = Path(__file__).parent / "templates"
SYNTAX_HINT = (
    'Words find turns with any of them, best first · "exact phrase" · robots AND Korea · '
    "chessboxing NOT boxing · robot* · chesboxing~ · speaker:putin"
)


def create_app(index_dir: Path) -> FastAPI:
    """Return the web app serving the index at `index_dir`."""
    app = FastAPI(
        title="remarks",
        description="Search transcripts: who said what, when, in what role.",
        version="1",
    )
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["marked"] = marked
    state: dict[str, TurnIndex] = {}
    lock = threading.Lock()

    def index() -> TurnIndex:
        # Whoosh searchers are not thread-safe: callers hold `lock`.
        if "index" not in state:
            state["index"] = TurnIndex(index_dir)
        else:
            state["index"].refresh()
        return state["index"]

    def run_search(q, speaker, role, topic, transcript, since, until, page, limit):
        filters = Filters(
            speaker or None,
            role or None,
            topic or None,
            transcript or None,
            since or None,
            until or None,
        )
        with lock:
            return search(index(), q, filters, limit=limit, page=page, facets=True)

    @app.exception_handler(RemarksError)
    async def library_error(request: Request, exc: RemarksError):
        status = 404 if isinstance(exc, UnknownTurnError | UnknownTranscriptError) else 400
        if isinstance(exc, IndexUnreadableError | IndexMissingError):
            status = 503
            with lock:
                state.pop("index", None)  # open it afresh once it is rebuilt
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
    def api_search(
        q: str = Query("", max_length=MAX_QUERY_CHARS),
        speaker: str | None = None,
        role: str | None = None,
        topic: str | None = None,
        transcript: str | None = None,
        since: str | None = None,
        until: str | None = None,
        page: int = Query(1, ge=1, le=MAX_PAGE),
        limit: int = Query(10, ge=1, le=MAX_PAGE_SIZE),
    ) -> dict:
        """Search turns: the same parameters and JSON as `remarks search --format json`."""
        result = run_search(q, speaker, role, topic, transcript, since, until, page, limit)
        return result.to_json()

    @app.get("/api/turns/{turn_id:path}")
    def api_turn(turn_id: str, context: int = Query(2, ge=0, le=20)) -> dict:
        """One turn with `context` turns on each side and its exchange."""
        with lock:
            return show_turn(index(), turn_id, context).to_json()

    @app.get("/api/speakers")
    def api_speakers() -> list[dict]:
        """Every speaker: roles, turns, transcripts."""
        with lock:
            return [s.to_json() for s in list_speakers(index())]

    @app.get("/api/topics")
    def api_topics() -> list[dict]:
        """Every topic: turns and most frequent speakers."""
        with lock:
            return [t.to_json() for t in list_topics(index())]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page(
        request: Request,
        q: str = Query("", max_length=MAX_QUERY_CHARS),
        speaker: str = "",
        role: str = "",
        topic: str = "",
        transcript: str = "",
        since: str = "",
        until: str = "",
        page: int = Query(1, ge=1, le=MAX_PAGE),
        limit: int = Query(10, ge=1, le=MAX_PAGE_SIZE),
    ):
        params = {
            "q": q,
            "speaker": speaker,
            "role": role,
            "topic": topic,
            "transcript": transcript,
            "since": since,
            "until": until,
        }
        result, error = None, None
        if any(params.values()):
            try:
                result = run_search(q, speaker, role, topic, transcript, since, until, page, limit)
            except UsageError as exc:
                error = exc
        return templates.TemplateResponse(
            request,
            "search.html",
            {
                "params": params,
                "result": result,
                "error": error,
                "hint": SYNTAX_HINT,
                "url": lambda **changes: "/?" + _query_string({**params, **changes}),
                "pages": _pages(result, limit) if result else [],
                "limit": limit,
            },
        )

    @app.get("/t/{transcript_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def transcript_page(request: Request, transcript_id: str, turn: int | None = None):
        with lock:
            turns = transcript_turns(index(), transcript_id)
            if not turns:
                raise UnknownTranscriptError(
                    f"There is no transcript {transcript_id!r} in the index.",
                    "Search for it, or check the address.",
                )
            focus = get_turn(index(), f"{transcript_id}:{turn}") if turn else None
        exchange = set(focus.exchange["turn_ids"]) if focus and focus.exchange else set()
        return templates.TemplateResponse(
            request,
            "transcript.html",
            {"turns": turns, "first": turns[0], "focus": focus, "exchange": exchange},
        )

    return app


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
    return urlencode({k: v for k, v in params.items() if v not in ("", None, 1) or k == "q"})


def _pages(result, limit: int) -> list[int]:
    last = min(MAX_PAGE, max(1, -(-result.total // limit)))
    around = range(max(1, result.page - 3), min(last, result.page + 3) + 1)
    return sorted({1, last, *around})
