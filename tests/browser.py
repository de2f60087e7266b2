"""Render a local HTML file in headless Chromium, screenshot it, and list its network requests.

Used by the report tests (quality report, round report) to prove that a report is a single
offline file: the page is opened from ``file://`` and every request the page makes is recorded
through the Chrome DevTools Protocol (CDP) over ``--remote-debugging-pipe`` (no port, no
websocket, no extra package). A request is a *network request* when its URL scheme is not
``file``, ``data``, ``about``, ``blob`` or ``chrome``-internal.

Usage::

    from tests.browser import Chromium, render, chromium_path
    result = render(html_file, tmp_path / "report.png")
    assert result.network_requests == []
    with Chromium() as browser:  # one process for many pages
        phone = browser.open(html_file, tmp_path / "phone.png", width=390, mobile=True,
                             evaluate={"lang": "document.documentElement.lang"})

``render`` raises ``BrowserUnavailable`` when Debian's ``chromium`` is not installed (tests skip
on it; ``make browser`` installs it).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome:", "chrome-extension:", "devtools:")

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)


class BrowserUnavailable(RuntimeError):
    """Chromium is not installed on this machine."""


class BrowserError(RuntimeError):
    """Chromium did not answer as expected (crash, timeout, protocol error)."""


@dataclass
class RenderResult:
    """What the page did: every request URL, the network ones, and the screenshot file."""

    screenshot: Path
    requests: list[str] = field(default_factory=list)
    network_requests: list[str] = field(default_factory=list)
    title: str = ""
    width: int = 0
    height: int = 0
    values: dict[str, Any] = field(default_factory=dict)


def chromium_path() -> str | None:
    """Path of Debian's ``chromium`` (or a compatible binary), None when missing."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def is_network_url(url: str) -> bool:
    """True when loading ``url`` would leave the machine."""
    return not url.lower().startswith(LOCAL_SCHEMES)


class _Pipe:
    """A CDP session over the two pipes Chromium reads (fd 3) and writes (fd 4)."""

    def __init__(self, write_fd: int, read_fd: int, timeout: float) -> None:
        self.write_fd, self.read_fd, self.timeout = write_fd, read_fd, timeout
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self, deadline: float) -> dict[str, Any] | None:
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self.read_fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        """Send one command and return its result; events read meanwhile are kept."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply is None:
                raise BrowserError(f"no answer to {method} within {self.timeout}s")
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, timeout: float) -> bool:
        """Read events until ``method`` arrives (True) or ``timeout`` passes (False)."""
        if any(e["method"] == method for e in self.events):
            return True
        deadline = time.monotonic() + timeout
        while True:
            event = self._read_message(deadline)
            if event is None:
                return False
            if "method" in event:
                self.events.append(event)
                if event["method"] == method:
                    return True

    def drain(self, quiet_for: float) -> None:
        """Keep reading events until none arrives for ``quiet_for`` seconds."""
        while True:
            event = self._read_message(time.monotonic() + quiet_for)
            if event is None:
                return
            if "method" in event:
                self.events.append(event)


def _high_fd(fd: int) -> int:
    """Duplicate ``fd`` to a number >= 10 (so the child's dup2 to 3 and 4 cannot clash)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Chromium:
    """One headless Chromium process that opens many pages (each in a fresh tab).

    ``with Chromium() as browser: result = browser.open(page, png, width=390, mobile=True,
    evaluate={"lang": "document.documentElement.lang"})``; ``result.values`` holds what each
    JavaScript expression returned (JSON-serialisable values).
    """

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.binary = chromium_path()
        if self.binary is None:
            raise BrowserUnavailable("chromium is not installed (run `make browser`)")
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._pipe: _Pipe | None = None

    def __enter__(self) -> Self:
        cmd_read, cmd_write = (_high_fd(fd) for fd in os.pipe())
        out_read, out_write = (_high_fd(fd) for fd in os.pipe())

        def _child_fds() -> None:
            os.dup2(cmd_read, 3)
            os.dup2(out_write, 4)

        self._profile = tempfile.TemporaryDirectory(prefix="mtm-chromium-")
        self._proc = subprocess.Popen(
            [str(self.binary), *CHROMIUM_FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_child_fds, pass_fds=(3, 4),  # noqa: PLW1509 - no threads here
        )
        os.close(cmd_read)
        os.close(out_write)
        self._pipe = _Pipe(cmd_write, out_read, self.timeout)
        return self

    def __exit__(self, *exc: object) -> None:
        pipe, proc = self._pipe, self._proc
        if pipe is not None:
            try:
                pipe.send("Browser.close")
            except (BrowserError, OSError):
                pass
            os.close(pipe.write_fd)
            os.close(pipe.read_fd)
        if proc is not None:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._profile is not None:
            self._profile.cleanup()

    def open(self, html_file: str | os.PathLike[str], screenshot: str | os.PathLike[str], *,
             width: int = 1280, mobile: bool = False, max_height: int = 12000,
             evaluate: dict[str, str] | None = None, pdf: str | os.PathLike[str] | None = None,
             element_shots: dict[str, str] | None = None) -> RenderResult:
        """Open ``html_file`` in a new tab at ``width``; screenshot the page; evaluate expressions;
        with ``pdf``, also print it to that file as the browser's "Save as PDF" does (A4)."""
        pipe = self._pipe
        assert pipe is not None, "use Chromium() as a context manager"
        url = Path(html_file).resolve().as_uri()
        screenshot = Path(screenshot)
        target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        pipe.send("Network.enable", session=session)
        pipe.send("Page.enable", session=session)
        metrics_params = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile}
        pipe.send("Emulation.setDeviceMetricsOverride", metrics_params, session=session)
        pipe.events.clear()
        pipe.send("Page.navigate", {"url": url}, session=session)
        if not pipe.wait_for("Page.loadEventFired", self.timeout):
            raise BrowserError(f"{url} did not finish loading within {self.timeout}s")
        pipe.drain(0.2)
        values: dict[str, Any] = {}
        for name, expression in (evaluate or {}).items():
            reply = pipe.send("Runtime.evaluate", {"expression": f"JSON.stringify({expression})",
                                                   "returnByValue": True}, session=session)
            values[name] = json.loads(reply["result"].get("value", "null"))
        metrics = pipe.send("Page.getLayoutMetrics", session=session)
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        height = min(max_height, int(size["height"]) + 1)
        pipe.send("Emulation.setDeviceMetricsOverride", {**metrics_params, "height": height}, session=session)
        shot = pipe.send("Page.captureScreenshot", {"format": "png"}, session=session)
        title = pipe.send("Runtime.evaluate", {"expression": "document.title"},
                          session=session)["result"].get("value", "")
        for path, selector in (element_shots or {}).items():  # PNG of the first element matching selector
            box = pipe.send("Runtime.evaluate", {"expression": (
                f"JSON.stringify((r => [r.left + scrollX, r.top + scrollY, r.width, r.height])"
                f"(document.querySelector({json.dumps(selector)}).getBoundingClientRect()))"),
                "returnByValue": True}, session=session)
            x, y, w, h = json.loads(box["result"]["value"])
            part = pipe.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                        "clip": {"x": x, "y": y, "width": w, "height": h,
                                                                 "scale": 1}}, session=session)
            Path(path).write_bytes(base64.b64decode(part["data"]))
        if pdf is not None:
            printed = pipe.send("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69,
                                                    "printBackground": False}, session=session)
            Path(pdf).write_bytes(base64.b64decode(printed["data"]))
        pipe.drain(0.1)
        requests = [e["params"]["request"]["url"] for e in pipe.events
                    if e["method"] == "Network.requestWillBeSent"]
        pipe.send("Target.closeTarget", {"targetId": target})
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        return RenderResult(screenshot=screenshot, requests=requests,
                            network_requests=[u for u in requests if is_network_url(u)],
                            title=title, width=width, height=height, values=values)


def render(html_file: str | os.PathLike[str], screenshot: str | os.PathLike[str], *,
           width: int = 1280, max_height: int = 12000, timeout: float = 30.0) -> RenderResult:
    """Open ``html_file`` in headless Chromium, save a full-page PNG, return its requests."""
    with Chromium(timeout=timeout) as browser:
        return browser.open(html_file, screenshot, width=width, max_height=max_height)
