"""`mtm pull` against a local KoboToolbox API on 127.0.0.1 serving the fixtures' submissions."""

from __future__ import annotations

import copy
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from mtm.cli.app import main
from mtm.loaders import kobo_pull

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kobo" / "api"
ASSET = "azp8lEwk5Au04juFdYFzQN"
TOKEN = "s3cret-t0ken-value"


def fixture_submissions() -> list[dict[str, Any]]:
    out = []
    for f in sorted(FIXTURES.glob("b2_page_*.json")):
        out += json.loads(f.read_text(encoding="utf-8"))["results"]
    return out


class FakeKobo:
    """A tiny KoboToolbox data endpoint: pages of ``limit`` submissions, ``start`` offsets,
    ``query={"_id": {"$gt": N}}``, token check, and optional transient failures."""

    def __init__(self, submissions: list[dict[str, Any]]) -> None:
        self.submissions = submissions
        self.queries: list[dict[str, list[str]]] = []
        self.auth_headers: list[str | None] = []
        self.fail_next = 0
        kobo = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the test output clean
                pass

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                params = urllib.parse.parse_qs(url.query)
                kobo.queries.append(params)
                kobo.auth_headers.append(self.headers.get("Authorization"))
                if kobo.fail_next:
                    kobo.fail_next -= 1
                    return self._send(503, {"detail": "busy"})
                if self.headers.get("Authorization") != f"Token {TOKEN}":
                    return self._send(401, {"detail": "Invalid token."})
                if url.path != f"/api/v2/assets/{ASSET}/data/":
                    return self._send(404, {"detail": "Not found."})
                rows = kobo.submissions
                if "query" in params:
                    after = json.loads(params["query"][0])["_id"]["$gt"]
                    rows = [r for r in rows if r["_id"] > after]
                limit, start = int(params.get("limit", ["1000"])[0]), int(params.get("start", ["0"])[0])
                page = rows[start:start + limit]
                nxt = None
                if start + limit < len(rows):
                    q = {**{k: v[0] for k, v in params.items()}, "start": str(start + limit)}
                    nxt = f"http://127.0.0.1:{self.server.server_address[1]}{url.path}?{urllib.parse.urlencode(q)}"
                return self._send(200, {"count": len(rows), "next": nxt, "previous": None, "results": page})

            def _send(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def kobo() -> Iterator[FakeKobo]:
    server = FakeKobo(fixture_submissions())
    yield server
    server.close()


def pull(wh: Path, kobo: FakeKobo, *extra: str) -> int:
    return main(["pull", "--server", kobo.url, "--asset", ASSET, "--round", "3", "--warehouse", str(wh), *extra])


def rows(wh: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(wh.with_name("w.work.duckdb")), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_pull_lands_everything_then_only_new_submissions(tmp_path: Path, kobo: FakeKobo, monkeypatch,
                                                         capsys) -> None:
    monkeypatch.setenv(kobo_pull.TOKEN_ENV, TOKEN)
    monkeypatch.setattr(kobo_pull, "PAGE_SIZE", 5)
    wh = tmp_path / "w.duckdb"
    assert pull(wh, kobo) == 0
    assert "query" not in kobo.queries[0] and len(kobo.queries) == 3  # 14 submissions, pages of 5
    assert rows(wh, "SELECT count(*) FROM raw.b2_main") == [(14,)]
    first_load = rows(wh, "SELECT load_id FROM raw.load_log WHERE status = 'loaded'")
    # nothing new: one request asking for newer submissions only, and the load is a no-op
    kobo.queries.clear()
    assert pull(wh, kobo) == 0
    newest = max(s["_id"] for s in kobo.submissions)
    assert json.loads(kobo.queries[0]["query"][0]) == {"_id": {"$gt": newest}}
    assert "no new submissions" in capsys.readouterr().out
    assert rows(wh, "SELECT status FROM raw.load_log ORDER BY attempted_at") == [("loaded",), ("duplicate",)]
    # two new submissions arrive: only they are fetched; the load holds all 16
    extra = copy.deepcopy(kobo.submissions[:2])
    for k, s in enumerate(extra):
        s["_id"], s["_uuid"] = newest + 1 + k, f"00000000-0000-4000-8000-00000000000{k}"
        s["loc/community_id"] = f"C0009{k}"
    kobo.submissions += extra
    kobo.queries.clear()
    assert pull(wh, kobo) == 0
    assert len(kobo.queries) == 1
    current = rows(wh, "SELECT load_id, superseded_load_id FROM raw.load_log WHERE status = 'loaded' "
                       "ORDER BY attempted_at")[-1]
    assert current[1] == first_load[0][0]
    assert rows(wh, f"SELECT count(*) FROM raw.b2_main WHERE _load_id = '{current[0]}'") == [(16,)]
    # the token travelled in the header only, and was never printed or logged
    assert set(kobo.auth_headers) == {f"Token {TOKEN}"}
    out = capsys.readouterr()
    logged = json.dumps(rows(wh, "SELECT * FROM raw.load_log"), default=str)
    assert TOKEN not in out.out + out.err + logged
    saved = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "kobo").rglob("*.json"))
    assert TOKEN not in saved and "ki_name" not in saved and "enumerator_name" not in saved


def test_transient_errors_are_retried(tmp_path: Path, kobo: FakeKobo, monkeypatch) -> None:
    monkeypatch.setenv(kobo_pull.TOKEN_ENV, TOKEN)
    monkeypatch.setattr(kobo_pull.time, "sleep", lambda s: None)
    kobo.fail_next = 2
    wh = tmp_path / "w.duckdb"
    assert pull(wh, kobo) == 0
    assert rows(wh, "SELECT count(*) FROM raw.b2_main") == [(14,)]


def test_a_server_that_stays_down_or_refuses_the_token_is_one_line_exit_2(tmp_path: Path, kobo: FakeKobo,
                                                                       monkeypatch, capsys) -> None:
    monkeypatch.setattr(kobo_pull.time, "sleep", lambda s: None)
    wh = tmp_path / "w.duckdb"
    monkeypatch.delenv(kobo_pull.TOKEN_ENV, raising=False)
    assert pull(wh, kobo) == 2
    assert "KOBO_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv(kobo_pull.TOKEN_ENV, "wrong-token")
    assert pull(wh, kobo) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "refused the token (HTTP 401)" in err and "wrong-token" not in err
    monkeypatch.setenv(kobo_pull.TOKEN_ENV, TOKEN)
    kobo.fail_next = 99
    assert pull(wh, kobo) == 2
    err = capsys.readouterr().err.strip()
    assert "did not answer after 5 tries (last: HTTP 503)" in err.splitlines()[-1]
    assert not (tmp_path / "w.work.duckdb").exists() or rows(wh, "SELECT count(*) FROM raw.load_log "
                                                                "WHERE status = 'loaded'") == [(0,)]
