"""The command board's WebSocket: `/ws/emergency/board/?after=<last id seen>`.

On connect the board registers with its process's hub (realtime.BoardHub) for the groups of
the units it commands, and then replays from the database what it missed, so that nothing
falls between the replay and the live feed. Lines are sent once each, by id, and the lines of
one layer message (one committed transaction: a batch of alarms) go out in one frame (a JSON
array) — a burst of alarms is a handful of frames, not one per line. Every few seconds the
board also reads from the database which lines in its scope it has not had (delivery over the
channel layer is at most once): a read of ids only, so that a board that missed nothing costs
one small query.
"""

import asyncio
import json
import random
from collections import deque
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from safecampus.access.scope import grants_for
from safecampus.accounts.sessions import now_seconds, session_live_user_id

from . import realtime
from .selectors import REPLAY_LIMIT, board_event_ids, board_events_by_id

CATCH_UP_S = 5.0
SENT_MEMORY = 5000
# How often an open board asks whether its session still lives (idle, logged out, 12 h over).
SESSION_CHECK_S = 60


def _groups_of(user) -> list[str]:
    from safecampus.orgs.models import OrgUnit

    unit_ids = {g.unit_id for g in grants_for(user, "incident.command")}
    codes = OrgUnit.objects.filter(pk__in=unit_ids).values_list("code", flat=True)
    return [realtime.group_name(c) for c in codes]


def _missed(user, after: int, sent: set[int]) -> list[dict]:
    """The lines in the board's scope after its cursor (and recent ones just below it, see
    selectors.board_event_ids) that it has not had, oldest first."""
    ids = [i for i in board_event_ids(user=user, after=after) if i not in sent]
    return board_events_by_id(ids[:REPLAY_LIMIT]) if ids else []


class BoardConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user = user
        # The idle timeout and the session's end hold here as on the pages: a board does not
        # open on a session that a request would end.
        if not await self._session_lives():
            await self.close(code=4401)
            return
        self.board_groups = await database_sync_to_async(_groups_of)(user)
        if not self.board_groups:
            await self.close(code=4403)
            return
        self.sent: set[int] = set()
        self.sent_order: deque[int] = deque()
        self.pending: list[str] = []
        self.flush_at = None
        self.cursor = self._after()
        realtime.bind_loop(asyncio.get_running_loop())
        await realtime.hub().join(self, self.board_groups)
        await self.accept()
        await self.send(text_data=json.dumps({"kind": "hello", "cursor": self.cursor}))
        await self.catch_up()
        self.catch_up_task = asyncio.create_task(self._catch_up_loop())

    def _session_key(self) -> str | None:
        session = self.scope.get("session")
        return getattr(session, "session_key", None) if session is not None else None

    async def _session_lives(self) -> bool:
        """Whether the board's login session is still on (a board authenticated otherwise, with
        no session, is not asked)."""
        self.session_checked_at = now_seconds()
        key = self._session_key()
        if key is None:
            return True
        user_id = await database_sync_to_async(session_live_user_id)(key)
        return user_id == str(self.user.pk)

    def _after(self) -> int:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        try:
            return max(int(query.get("after", ["0"])[0]), 0)
        except ValueError:
            return 0

    async def disconnect(self, code):
        task = getattr(self, "catch_up_task", None)
        if task is not None:
            task.cancel()
        if getattr(self, "board_groups", None) and hasattr(self, "sent"):
            await realtime.hub().leave(self, self.board_groups)

    async def receive(self, text_data=None, bytes_data=None):
        # Boards only listen; a "ping" keeps proxies from closing an idle connection.
        if text_data == "ping":
            await self.send(text_data='{"kind": "pong"}')

    def push(self, event_id: int, text: str) -> None:
        """Queue one line for this board (once), to go out with the other lines the hub hands
        over in the same turn of the event loop."""
        if event_id in self.sent:
            return
        self.sent.add(event_id)
        self.sent_order.append(event_id)
        if len(self.sent_order) > SENT_MEMORY:
            self.sent.discard(self.sent_order.popleft())
        self.cursor = max(self.cursor, event_id)
        self.pending.append(text)
        if self.flush_at is None:
            self.flush_at = asyncio.get_running_loop().call_soon(
                lambda: asyncio.ensure_future(self._flush())
            )

    async def _flush(self) -> None:
        self.flush_at = None
        lines, self.pending = self.pending, []
        if lines:
            await self.send(text_data=lines[0] if len(lines) == 1 else f"[{','.join(lines)}]")

    async def catch_up(self) -> None:
        # Off the server's one thread for synchronous work: fifty boards reading at once must
        # not queue behind each other or behind page requests.
        while True:
            missed = await database_sync_to_async(_missed, thread_sensitive=False)(
                self.user, self.cursor, set(self.sent)
            )
            for payload in missed:
                self.push(payload["id"], json.dumps(payload, ensure_ascii=False))
            await self._flush()
            if len(missed) < REPLAY_LIMIT:
                return

    async def _catch_up_loop(self) -> None:
        await asyncio.sleep(CATCH_UP_S * random.random())  # spread the boards' reads
        while True:
            try:
                # Watching is not using: a board nobody touches ends with its idle session.
                due = now_seconds() - self.session_checked_at >= SESSION_CHECK_S
                if due and not await self._session_lives():
                    await self.close(code=4401)
                    return
                await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be restarting; the next round tries again
                realtime.logger.exception("board catch-up failed")
            await asyncio.sleep(CATCH_UP_S)
