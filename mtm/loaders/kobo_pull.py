"""Fetch a round's submissions from KoboToolbox's REST API and land them (``mtm pull``).

``GET <server>/api/v2/assets/<uid>/data/?format=json`` answers pages of submissions with a ``next``
link. A pull asks only for submissions newer than the newest one already saved for the asset and
round (``query={"_id": {"$gt": N}}``), saves each new page (personal-data fields removed) in the
asset's page folder beside the warehouse, then lands the whole folder as one load: the same
lineage, idempotence (nothing new: the same pages, a no-op) and atomicity as a file. The token
travels in the ``Authorization`` header only and is never printed or logged.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtm.core import forms, progress
from mtm.core.errors import InputError
from mtm.loaders import kobo_api
from mtm.loaders.land import LoadResult, load_export

TOKEN_ENV = "KOBO_TOKEN"
PAGE_SIZE = 1000  # the API's largest page
TRANSIENT_HTTP = frozenset({408, 429, 500, 502, 503, 504})

Fetch = Callable[[urllib.request.Request, float], Any]


@dataclass
class PullResult:
    """What a pull fetched and what its load did."""

    new_submissions: int
    pages_saved: list[Path]
    load: LoadResult


def page_folder(root: Path, asset: str, round_id: int) -> Path:
    """Where the pages of an asset and round are kept: ``<root>/kobo/<asset>/round-<n>``."""
    return root / "kobo" / asset / f"round-{round_id}"


def newest_saved_id(folder: Path) -> int | None:
    """The largest ``_id`` among the saved pages, or None when none was saved."""
    if not folder.is_dir():
        return None
    ids = [s.get("_id") for s in kobo_api.read_submissions(kobo_api.page_files(folder))]
    numbers = [i for i in ids if isinstance(i, int)]
    return max(numbers) if numbers else None


def first_url(server: str, asset: str, after_id: int | None, page_size: int = PAGE_SIZE) -> str:
    """The first page's URL, asking only for submissions after ``after_id`` when given."""
    params = {"format": "json", "limit": str(page_size)}
    if after_id is not None:
        params["query"] = json.dumps({"_id": {"$gt": after_id}}, separators=(",", ":"))
    base = server.rstrip("/")
    return f"{base}/api/v2/assets/{urllib.parse.quote(asset)}/data/?{urllib.parse.urlencode(params)}"


def _strip_personal(value: Any) -> Any:
    """The submission without its personal-data fields (at any depth of its repeats)."""
    if isinstance(value, list):
        return [_strip_personal(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip_personal(v) for k, v in value.items() if not forms.is_personal(k)}
    return value


def _same_server(url: str, server: str) -> bool:
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(server)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _default_fetch(request: urllib.request.Request, timeout: float) -> Any:
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def fetch_page(url: str, token: str, *, fetch: Fetch = _default_fetch, tries: int = 5,
               backoff: float = 1.0, timeout: float = 60.0) -> dict[str, Any]:
    """One page, retrying transient failures (timeouts, 408/429/5xx, refused connections) with
    exponential back-off; InputError (without the token) when the server refuses or stays down."""
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}",
                                                   "Accept": "application/json"})
    shown = urllib.parse.urlsplit(url)._replace(query="").geturl()
    last = ""
    for attempt in range(tries):
        try:
            page = fetch(request, timeout)
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise InputError(f"the server refused the token (HTTP {exc.code}); check ${TOKEN_ENV} "
                                 "and that the account can view the asset's submissions", file=shown) from exc
            if exc.code not in TRANSIENT_HTTP:
                raise InputError(f"the server answered HTTP {exc.code}", file=shown) from exc
            last = f"HTTP {exc.code}"
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = str(getattr(exc, "reason", exc))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"the server's answer is not JSON: {exc}", file=shown) from exc
        else:
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise InputError("the server's answer is not a page of submissions", file=shown)
            return page
        if attempt + 1 < tries:
            delay = backoff * 2 ** attempt
            progress.step(f"{shown}: {last}; trying again in {delay:g} s")
            time.sleep(delay)
    raise InputError(f"the server did not answer after {tries} tries (last: {last})", file=shown)


def pull(server: str, asset: str, round_id: int, working: Path, pages_root: Path, *,
         token: str | None = None, form: str | None = None, fetch: Fetch = _default_fetch,
         tries: int = 5, backoff: float = 1.0, page_size: int | None = None) -> PullResult:
    """Fetch the submissions newer than the last pull of (asset, round), save them, land the folder."""
    token = token if token is not None else os.environ.get(TOKEN_ENV, "")
    if not token:
        raise InputError(f"no API token: set ${TOKEN_ENV} to the KoboToolbox account's token")
    if urllib.parse.urlsplit(server).scheme not in ("http", "https"):
        raise InputError("the server must be an http:// or https:// URL", file=server)
    folder = page_folder(pages_root, asset, round_id)
    after = newest_saved_id(folder)
    url: str | None = first_url(server, asset, after, page_size or PAGE_SIZE)
    saved: list[Path] = []
    new = 0
    while url:
        if not _same_server(url, server):
            raise InputError("the server's next-page link points to another server; not followed",
                             file=urllib.parse.urlsplit(url)._replace(query="").geturl())
        page = fetch_page(url, token, fetch=fetch, tries=tries, backoff=backoff)
        results = [r for r in page["results"] if isinstance(r, dict)
                   and (after is None or not isinstance(r.get("_id"), int) or r["_id"] > after)]
        if results:
            folder.mkdir(parents=True, exist_ok=True)
            ids = [str(r.get("_id", "")) for r in results]
            target = folder / f"page-{ids[0]}-{ids[-1]}-{len(saved) + 1}.json"
            tmp = target.with_suffix(".json.tmp")
            tmp.write_text(json.dumps({"count": len(results), "next": None, "previous": None,
                                       "results": _strip_personal(results)}, ensure_ascii=False),
                           encoding="utf-8")
            os.replace(tmp, target)
            saved.append(target)
            new += len(results)
        progress.step(f"pulled {len(results)} new submissions of {asset}")
        url = page.get("next")
    if not folder.is_dir():
        raise InputError(f"the asset has no submissions for round {round_id} yet (nothing to land)",
                         file=asset)
    result = load_export(folder, round_id, working, form=form)
    return PullResult(new_submissions=new, pages_saved=saved, load=result)
