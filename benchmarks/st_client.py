"""A minimal Streamlit client over the app's own websocket protocol, for load benchmarks.

A browser tab talks to the server through one websocket (`/_stcore/stream`): it sends a
`BackMsg` asking for a rerun (page, widget values) and receives `ForwardMsg`s (elements,
then `script_finished`). This client does the same without a browser, so one process can
play 40 students on a 2-core machine; what it measures is the server's side of an
interaction: from the click being sent to the last element of the rerun received.

It speaks just enough of the protocol for the benchmarks: open a page, set a widget by
its key (selectbox, number, button), and read the text the page shows.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

TEXT_FIELDS = {"markdown": "body", "alert": "body", "heading": "body", "text": "body",
               "progress": "text", "metric": "body", "caption": "body"}
DONE = {"FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY",
        "FINISHED_WITH_COMPILE_ERROR"}


@dataclass
class Run:
    """What one rerun showed, and how long it took."""

    seconds: float
    texts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # st.exception / tracebacks shown

    def shows(self, needle: str) -> bool:
        return any(needle in text for text in self.texts)


class Session:
    """One browser tab: a websocket, the current page and the widgets it has seen."""

    def __init__(self, url: str):
        self.url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.widgets: dict[str, tuple[str, str]] = {}  # user key -> (widget id, type)
        self.values: dict[str, dict] = {}  # widget states set on this page, sent every rerun
        self.timers: dict[str, float] = {}  # fragment id -> seconds (st.fragment(run_every))
        self.query = ""  # the page URL's query string, as st.query_params last set it
        self.closed = False
        self.page_hash = ""
        self._socket = None
        self._reader: asyncio.Task | None = None
        self._finished = asyncio.Event()
        self._run = Run(0.0)

    async def connect(self) -> None:
        self._socket = await websockets.connect(self.url, subprotocols=["streamlit"],
                                                max_size=2**27, open_timeout=60)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()

    async def open(self, page_name: str, query: str = "", timeout: float = 120) -> Run:
        """Navigate to a page by its url path (e.g. "data"), as a sidebar link does, or
        open a URL with a query string (e.g. "lang=ko") as a new tab does."""
        self.page_hash, self.widgets, self.values, self.timers = "", {}, {}, {}
        self.query = query
        return await self._rerun(page_name=page_name, timeout=timeout)

    async def set(self, key: str, value=True, timeout: float = 120) -> Run:
        """Set the widget with key `key` (a button's value is a click) and rerun. As a
        browser does, the rerun also sends the values set before on this page."""
        widget_id, kind = self.widgets[key]
        state = {"id": widget_id}
        if kind in ("button", "download_button"):
            state["trigger_value"] = True  # a click: sent once, not kept
            return await self._rerun(widget_states=[*self.values.values(), state],
                                     timeout=timeout)
        if isinstance(value, str):
            state["string_value"] = value
        elif isinstance(value, bool):
            state["bool_value"] = value
        elif isinstance(value, int):
            state["int_value"] = value
        else:
            state["double_value"] = float(value)
        self.values[key] = state
        return await self._rerun(widget_states=list(self.values.values()), timeout=timeout)

    async def rerun(self, timeout: float = 120) -> Run:
        """Run the current page again with no change (what a polling page does)."""
        return await self._rerun(widget_states=list(self.values.values()), timeout=timeout)

    async def tick(self, timeout: float = 120) -> Run:
        """What the browser does on a fragment's timer: rerun that fragment alone (the
        training page's live panel, twice a second). Without a timer, the whole page."""
        if not self.timers:
            return await self.rerun(timeout)
        fragment = next(iter(self.timers))
        return await self._rerun(widget_states=list(self.values.values()), timeout=timeout,
                                 fragment_id=fragment)

    async def _rerun(self, page_name: str = "", widget_states=(), timeout: float = 120,
                     fragment_id: str = "") -> Run:
        message = BackMsg()
        client = message.rerun_script
        client.page_script_hash = self.page_hash
        client.page_name = page_name
        client.query_string = self.query
        if fragment_id:
            client.fragment_id, client.is_auto_rerun = fragment_id, True
        for state in widget_states:
            client.widget_states.widgets.add(**state)
        self._finished.clear()
        self._run = Run(0.0)
        started = time.perf_counter()
        await self._socket.send(message.SerializeToString())
        await asyncio.wait_for(self._finished.wait(), timeout)
        if self.closed:
            raise ConnectionError(f"the server at {self.url} closed the connection")
        self._run.seconds = time.perf_counter() - started
        return self._run

    async def _read(self) -> None:
        try:
            await self._receive()
        except websockets.ConnectionClosed:
            pass
        self.closed = True
        self._finished.set()  # wakes a waiting rerun, which then raises

    async def _receive(self) -> None:
        async for raw in self._socket:
            message = ForwardMsg()
            message.ParseFromString(raw)
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = message.new_session.page_script_hash
                if not message.metadata.run.fragment_ids:
                    # A full run: as the browser does, keep only the timers of fragments
                    # it registers again (the server ignores a tick of a fragment that
                    # is gone, without an answer).
                    self.timers = {}
            elif kind == "navigation":  # st.navigation ran: the page this run shows
                self.page_hash = message.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query = message.page_info_changed.query_string
            elif kind == "auto_rerun":
                self.timers[message.auto_rerun.fragment_id] = message.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fragment in message.stop_auto_rerun.fragment_ids:
                    self.timers.pop(fragment, None)
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                self._element(message.delta.new_element)
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                if status in DONE:
                    self._finished.set()

    def _element(self, element) -> None:
        kind = element.WhichOneof("type")
        body = getattr(element, kind)
        if kind == "exception":
            self._run.errors.append(f"{body.type}: {body.message}")
        elif kind in TEXT_FIELDS:
            self._run.texts.append(getattr(body, TEXT_FIELDS[kind], ""))
        widget_id = getattr(body, "id", "")
        if widget_id.startswith("$$ID-"):
            key = widget_id.split("-", 2)[2]
            if key and key != "None":
                self.widgets[key] = (widget_id, kind)
