"""The director's live dashboard: GET /bang-dieu-khien (the page) and GET /bang-dieu-khien/su-kien
(Server-Sent Events: the figures whose text changed, as JSON, which static/dashboard.js writes into
their elements; the whole body only when its layout changed; the time every tick).

Each open stream asks for its cooperative's rendered body every tick; SharedSnapshots loads and
renders it at most once per tick per cooperative, and a stream sends only what changed. Streams
re-check their staff session every SESSION_CHECK_S (a logged-out director stops receiving), end
when the browser goes, and are all closed in on_shutdown so the server never waits on them.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import aiohttp_jinja2
import orjson
import structlog
from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

from aggregator.core.dashboard import VIETNAM, Dashboard
from aggregator.core.dashboard_figures import Figures, changed, layout_key, layout_of
from aggregator.core.money import format_vnd
from aggregator.core.staff import Area, may_open
from aggregator.dashboard.shared import SharedSnapshots
from aggregator.dashboard.snapshot import fold_counters, load_dashboard
from aggregator.runtime.tenancy import acting_for
from aggregator.staff.accounts import StaffUser, session_staff
from aggregator.web.keys import PG_POOL, STAFF_PG_POOL
from aggregator.web.staff_auth import SESSION_COOKIE, render, staff_page

log = structlog.get_logger()
TICK_S = 1.0  # how often a stream looks for a newer snapshot
SNAPSHOT_TTL_S = 1.0  # how long one loaded snapshot serves every stream of its cooperative
SESSION_CHECK_S = 15.0
BODY_TEMPLATE = "_dashboard_body.html"
LAYOUT_EVENT, FIGURES_EVENT, TIME_EVENT = "layout", "figures", "tick"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A cooperative's dashboard body as HTML, the name of its layout, its figures by key, and
    the time of the figures. A stream sends the body (kilobytes) only when the layout changed,
    otherwise the figures whose text changed (a few bytes each)."""

    body: str
    layout: str
    figures: dict[str, str]
    at: str


@dataclass
class DashboardStreams:
    """The open streams and the shared snapshots, held by the application."""

    snapshots: SharedSnapshots[Rendered]
    open: set[EventSourceResponse] = field(default_factory=set)
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    tick_s: float = TICK_S
    session_check_s: float = SESSION_CHECK_S


STREAMS = web.AppKey("dashboard_streams", DashboardStreams)


def _context(board: Dashboard, show: Figures) -> dict[str, object]:
    return {"board": board, "vnd": format_vnd, "vietnam": VIETNAM, "show": show}


def render_board(app: web.Application, board: Dashboard) -> Rendered:
    """The body with its figures, and the name of its layout (the body, figures blanked)."""
    template = aiohttp_jinja2.get_env(app).get_template(BODY_TEMPLATE)
    shown = Figures()
    body = template.render(_context(board, shown))
    return Rendered(body, layout_key(layout_of(body)), shown.values, _time(board))


def _time(board: Dashboard) -> str:
    return board.at.astimezone(VIETNAM).strftime("%H:%M:%S %d/%m/%Y")


async def _render_body(app: web.Application, tenant_id: int) -> Rendered:
    # Loaded for whichever stream asked first: the cooperative is named here, not inherited.
    with acting_for(tenant_id):
        async with app[STAFF_PG_POOL].acquire() as conn:
            await fold_counters(conn, tenant_id)  # once a tick per cooperative watched
            board = await load_dashboard(conn, tenant_id)
    return render_board(app, board)


@staff_page(Area.DASHBOARD)
async def dashboard_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        board = await load_dashboard(conn, staff.tenant_id)
    context = {
        "staff": staff, "csrf": staff.csrf_token, **_context(board, Figures()),
        "layout_name": _layout_name, "at": _time(board),
    }  # fmt: skip
    return render(request, "staff_dashboard.html", context)


def _layout_name(body: object) -> str:
    return layout_key(layout_of(str(body)))


async def _still_allowed(request: web.Request, staff: StaffUser) -> bool:
    current = await session_staff(request.app[PG_POOL], request.cookies.get(SESSION_COOKIE, ""))
    return current is not None and current.id == staff.id and may_open(current.role, Area.DASHBOARD)


async def _pump(
    request: web.Request, staff: StaffUser, stream: EventSourceResponse, hub: DashboardStreams
) -> str:
    """Send what changed until the browser, the session or the server ends it; returns why it
    stopped. The page names the layout it was rendered with; its figures may be older than the
    first snapshot, so all of them go first (the page writes only those that differ)."""
    last = Rendered("", request.query.get("layout", ""), {}, "")
    checked = time.monotonic()
    while stream.is_connected() and not hub.closing.is_set():
        now = await hub.snapshots.get(staff.tenant_id)
        if now.layout != last.layout:
            await stream.send(now.body, event=LAYOUT_EVENT)
        else:
            news = changed(last.figures, now.figures)
            if news:
                await stream.send(orjson.dumps(news).decode(), event=FIGURES_EVENT)
        if now.at != last.at:
            await stream.send(now.at, event=TIME_EVENT)
        last = now
        if time.monotonic() - checked >= hub.session_check_s:
            if not await _still_allowed(request, staff):
                return "session_ended"
            checked = time.monotonic()
        try:
            await asyncio.wait_for(hub.closing.wait(), hub.tick_s)
        except TimeoutError:
            continue
    return "server_closing" if hub.closing.is_set() else "client_gone"


@staff_page(Area.DASHBOARD)
async def dashboard_events(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    hub = request.app[STREAMS]
    if hub.closing.is_set():
        raise web.HTTPServiceUnavailable()
    async with sse_response(request, headers={"Cache-Control": "no-store"}) as stream:
        hub.open.add(stream)
        log.info("dashboard.stream_opened", streams=len(hub.open))
        why = "client_gone"
        try:
            why = await _pump(request, staff, stream, hub)
        except (ConnectionResetError, TimeoutError):
            pass  # the browser went away mid-send
        finally:
            hub.open.discard(stream)
            log.info("dashboard.stream_closed", reason=why, streams=len(hub.open))
    return stream


async def _close_streams(app: web.Application) -> None:
    """on_shutdown: wake every stream so its handler returns before the server waits on it."""
    hub = app[STREAMS]
    hub.closing.set()
    for stream in list(hub.open):
        stream.stop_streaming()
    log.info("dashboard.streams_closing", streams=len(hub.open))


def setup(app: web.Application) -> None:
    async def load(tenant_id: int) -> Rendered:
        return await _render_body(app, tenant_id)

    app[STREAMS] = DashboardStreams(SharedSnapshots(load, ttl_s=SNAPSHOT_TTL_S))
    app.on_shutdown.append(_close_streams)
    app.router.add_get("/bang-dieu-khien", dashboard_page, name="staff_dashboard")
    app.router.add_get("/bang-dieu-khien/su-kien", dashboard_events, name="staff_dashboard_events")
