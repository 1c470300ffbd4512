"""Command boards in real time: a committed timeline line goes to the boards of every unit above
the school, over the channel layer (Redis pub/sub across processes, in memory in one).

Each unit has a board group, `board.<unit code>`; a board is in the groups of the units its
duty officer holds `incident.command` at. Drills go to the district's and school's groups only:
they never alarm the city. The lines of one transaction travel in one channel-layer message to
the hub of every server process, which hands each line to its boards in the line's groups.

Publishing never waits on the caller's thread. Inside the ASGI server it runs on the server's
event loop (bound by the first board that connects); elsewhere — the ingestor, a management
command — on a loop thread of this module. Delivery over the layer is at most once; what a
board misses there it picks up from the database (`BoardConsumer.catch_up`), so the layer only
decides how soon, never whether, a board hears of an alarm.

A line is built once, in whatever language the publishing process runs, and fanned out to every
board as the same text: it carries codes (type, severity, status, kind), which each board's page
labels in its own language (`selectors.board_labels`), never labels.
"""

import asyncio
import json
import logging
import threading
import time
from typing import Protocol

from channels.layers import BaseChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger("safecampus.emergency.realtime")

_main_loop: asyncio.AbstractEventLoop | None = None
_own_loop: asyncio.AbstractEventLoop | None = None
_own_lock = threading.Lock()


def group_name(unit_code: str) -> str:
    return f"board.{unit_code}"


def bind_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Publish on the ASGI server's loop from now on (called when a board connects)."""
    global _main_loop
    _main_loop = loop


def _loop() -> asyncio.AbstractEventLoop:
    if _main_loop is not None and _main_loop.is_running():
        return _main_loop
    global _own_loop
    with _own_lock:
        if _own_loop is None or not _own_loop.is_running():
            loop = asyncio.new_event_loop()
            started = threading.Event()

            def run():
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()

            threading.Thread(target=run, name="board-publisher", daemon=True).start()
            started.wait()
            _own_loop = loop
        return _own_loop


# The one layer group of every server process's hub. A batch of lines is one message to it,
# each line naming the board groups it is for: one Redis publish per committed transaction,
# however many lines and units, instead of one per line and unit. Every process receives every
# line and its hub hands each only to the boards of its groups.
HUBS = "board.hubs"


def groups_for(event) -> list[str]:
    incident = event.incident
    school = incident.school
    if incident.is_drill:
        codes = [school.unit.code]
        if school.district_id:
            codes.insert(0, school.district.code)
    else:
        codes = school.unit.path.strip("/").split("/")
    return [group_name(c) for c in codes]


def line_for(event) -> tuple[int, list[str], str]:
    """(id, board groups, JSON text) of a timeline line, as the hubs receive it."""
    from .selectors import event_payload

    payload = event_payload(event)
    payload["sent_at"] = time.time()  # for the latency bench; boards ignore it
    return (event.pk, groups_for(event), json.dumps(payload, ensure_ascii=False))


async def _send(lines: list) -> None:
    try:
        layer = get_channel_layer()
        if layer is not None:  # without a layer the boards read their lines from the database
            await layer.group_send(HUBS, {"type": "board.lines", "lines": lines})
    except Exception:  # the boards catch up from the database; the writer must not fail
        logger.exception("could not publish timeline lines %s", [line[0] for line in lines])


def publish(events) -> None:
    """Send timeline lines to the boards once their transaction commits (never raises), all in
    one message. Each is built now, from the objects in hand: it says what the line said when
    written, and the writer does not read it back."""
    try:
        lines = [line_for(event) for event in events]
    except Exception:
        logger.exception("could not build the board message of timeline lines %s", events)
        return
    if lines:
        transaction.on_commit(lambda: _submit(lines))


def _submit(lines: list) -> None:
    try:
        asyncio.run_coroutine_threadsafe(_send(lines), _loop())
    except Exception:
        logger.exception("could not publish timeline lines %s", [line[0] for line in lines])


class Board(Protocol):
    """A board as its hub sees it (consumers.BoardConsumer)."""

    def push(self, event_id: int, text: str) -> None: ...


class BoardHub:
    """The boards of one server process. It joins the hubs' group on the channel layer once and
    hands every line it receives to the boards of the line's groups itself, instead of each board
    joining groups: with 50 boards at 100 alarms a second that is a few layer messages a second
    for the process, not 5,000 (one per board per line)."""

    def __init__(self):
        self.boards: dict[str, set[Board]] = {}
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self.lock = asyncio.Lock()

    async def join(self, board: Board, groups: list[str]) -> None:
        layer = get_channel_layer()
        async with self.lock:
            # Without a channel layer there is nothing to hear: the board lives on its reads of
            # the database (BoardConsumer.catch_up).
            if layer is not None:
                if self.channel is None:
                    # Every layer's new_channel takes a prefix (in memory, Redis, Redis pub/sub);
                    # the stubs' base class leaves it out.
                    self.channel = await layer.new_channel("boards.")  # type: ignore[call-arg]
                    await layer.group_add(HUBS, self.channel)
                if self.task is None or self.task.done():
                    self.task = asyncio.create_task(self._receive(layer, self.channel))
            for group in groups:
                self.boards.setdefault(group, set()).add(board)

    async def leave(self, board: Board, groups: list[str]) -> None:
        async with self.lock:
            for group in groups:
                members = self.boards.get(group)
                if members is not None:
                    members.discard(board)
                    if not members:
                        del self.boards[group]

    async def _receive(self, layer: BaseChannelLayer, channel: str) -> None:
        while True:
            try:
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis restarting: the boards catch up from the database
                logger.exception("the board hub lost the channel layer; retrying")
                await asyncio.sleep(1.0)
                continue
            self.dispatch(message.get("lines", ()))

    def dispatch(self, lines) -> None:
        for event_id, groups, text in lines:
            boards: set[Board] = set()
            for group in groups:
                boards.update(self.boards.get(group, ()))
            for board in boards:  # a board in two of the groups gets the line once
                board.push(event_id, text)


_hubs: dict[asyncio.AbstractEventLoop, BoardHub] = {}


def hub() -> BoardHub:
    """The hub of the running event loop (one per server process)."""
    loop = asyncio.get_running_loop()
    for stale in [other for other in _hubs if other.is_closed()]:
        del _hubs[stale]
    if loop not in _hubs:
        _hubs[loop] = BoardHub()
    return _hubs[loop]
