"""Headless Chromium driven through the DevTools protocol over a pipe, with the stdlib only.

Chromium started with ``--remote-debugging-pipe`` reads protocol commands from its file
descriptor 3 and writes replies and events to 4, each message JSON ended by a NUL byte: no
WebSocket, no driver binary, no download. Every network name resolves to nothing
(``--host-resolver-rules``), and every request the page makes is recorded
(``Network.requestWillBeSent``), so a test can assert that a page asked for nothing.

Missing Chromium is a failure that says how to install it, never a skip: the CI installs it.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import struct
import subprocess
import tempfile
import threading
import zlib
from typing import Any

import pytest

INSTALL = ("headless Chromium is needed for the browser tests of the HTML report; install it "
           "(Debian/Ubuntu, as root: DEBIAN_FRONTEND=noninteractive apt-get update && "
           "apt-get install -y --no-install-recommends chromium chromium-driver graphviz) or "
           "set CNNCALC_CHROMIUM to a Chromium or Chrome executable")
TIMEOUT = 60.0   # seconds for one protocol reply: a bound for a hung browser, not a wait


def executable() -> str:
    """The Chromium to run, or a test failure saying how to install one."""
    named = os.environ.get("CNNCALC_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(INSTALL, pytrace=False)


class ProtocolError(RuntimeError):
    pass


class Browser:
    """One headless browser with one page; :meth:`open` loads a URL and records its events."""

    def __init__(self, width: int = 1600, height: int = 1000) -> None:
        self.profile = tempfile.mkdtemp(prefix="cnncalc-chromium-")
        child_reads, self._write = os.pipe()
        self._read, child_writes = os.pipe()

        def descriptors() -> None:   # in the child: the protocol's fds 3 and 4, inherited
            reads = fcntl.fcntl(child_reads, fcntl.F_DUPFD, 10)    # out of the way first
            writes = fcntl.fcntl(child_writes, fcntl.F_DUPFD, 10)
            os.dup2(reads, 3)
            os.dup2(writes, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        args = [executable(), "--headless", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--mute-audio",
                "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars",
                f"--window-size={width},{height}", "about:blank"]
        self.process = subprocess.Popen(args, preexec_fn=descriptors, close_fds=False,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        os.close(child_reads)
        os.close(child_writes)
        self._messages: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()
        self._next = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None
        targets = self.call("Target.getTargets")["targetInfos"]
        pages = [t["targetId"] for t in targets if t["type"] == "page"]
        page = pages[0] if pages else self.call("Target.createTarget", url="about:blank")[
            "targetId"]
        self.session = self.call("Target.attachToTarget", targetId=page,
                                 flatten=True, session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Page.setLifecycleEventsEnabled", enabled=True)

    def _pump(self) -> None:
        buffer = b""
        while True:
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                self._messages.put(None)
                return
            buffer += chunk
            *whole, buffer = buffer.split(b"\0")
            for message in whole:
                self._messages.put(json.loads(message))

    def _receive(self) -> dict[str, Any]:
        try:
            message = self._messages.get(timeout=TIMEOUT)
        except queue.Empty:
            raise ProtocolError(f"no reply from Chromium in {TIMEOUT:.0f} s") from None
        if message is None:
            raise ProtocolError("Chromium closed the protocol pipe (it crashed or quit)")
        return message

    def call(self, method: str, session: bool = True, **params: Any) -> dict[str, Any]:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session and self.session is not None:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise ProtocolError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_event(self, method: str, **params: Any) -> dict[str, Any]:
        """The first event ``method`` with these ``params`` since the last :meth:`open`,
        waiting for it if need be."""
        def wanted(event: dict[str, Any]) -> bool:
            return event["method"] == method and all(
                event.get("params", {}).get(k) == v for k, v in params.items())

        for event in self.events:
            if wanted(event):
                return event
        while True:
            message = self._receive()
            if "method" in message:
                self.events.append(message)
                if wanted(message):
                    return message

    def open(self, url: str) -> None:
        """Load ``url`` and wait for its load event (that navigation's, not an earlier one);
        the events recorded start afresh."""
        self.events = []
        loader = self.call("Page.navigate", url=url).get("loaderId")
        self.wait_event("Page.lifecycleEvent", name="load", loaderId=loader)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page; a promise is awaited."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True, userGesture=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise ProtocolError(f"JavaScript error: {text}")
        return result["result"].get("value")

    def wait_for(self, condition: str, timeout_ms: int = 30000) -> None:
        """Wait, inside the page, until the JavaScript ``condition`` is true (it is polled
        there every 20 ms); a JavaScript error after ``timeout_ms``."""
        self.evaluate(f"""new Promise((resolve, reject) => {{
            const start = Date.now();
            (function poll() {{
                let ok = false;
                try {{ ok = !!({condition}); }} catch (e) {{ ok = false; }}
                if (ok) resolve(true);
                else if (Date.now() - start > {timeout_ms}) reject(new Error(
                    'timed out waiting for: ' + {json.dumps(condition)}));
                else setTimeout(poll, 20);
            }})();
        }})""")

    def click(self, x: float, y: float) -> None:
        """A real left click at viewport coordinates (press and release)."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            extra = {} if kind == "mouseMoved" else {"button": "left", "clickCount": 1}
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, **extra)

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and error log entries so far."""
        found = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in (
                    "error", "warning", "assert"):
                found.append(f"console.{params['type']}: " + " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append("exception: " + str(details.get("exception", {}).get(
                    "description", details.get("text"))))
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log {params['entry']['level']}: {params['entry']['text']}")
        return found

    def requests(self) -> list[str]:
        """The URL of every request the page made since :meth:`open`."""
        return [e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"]

    def screenshot(self, scale: float = 1.0) -> bytes:
        """A PNG of the viewport."""
        metrics = self.call("Page.getLayoutMetrics")["cssVisualViewport"]
        clip = {"x": 0, "y": 0, "width": metrics["clientWidth"],
                "height": metrics["clientHeight"], "scale": scale}
        data = self.call("Page.captureScreenshot", format="png", clip=clip)["data"]
        return base64.b64decode(data)

    def close(self) -> None:
        try:
            self.call("Browser.close", session=False)
        except ProtocolError:
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._write)
        os.close(self._read)
        shutil.rmtree(self.profile, ignore_errors=True)


def png_colours(png: bytes) -> set[tuple[int, ...]]:
    """The distinct pixel colours of an 8-bit RGB or RGBA, non-interlaced PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and not interlace, header
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(idat)
    previous = bytearray(stride)
    colours: set[tuple[int, ...]] = set()
    at = 0
    for _ in range(height):
        kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                corner = previous[i - bpp] if i >= bpp else 0
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else
                                      up if pb <= pc else corner)) & 255
        colours.update(bytes(line[i:i + bpp]) for i in range(0, stride, bpp))
        previous = line
    return colours
