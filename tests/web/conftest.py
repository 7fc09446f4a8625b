"""Browser tests of the dashboards: Debian's Chromium driven by Playwright, one browser for the session,
one small alliance served by one node per member (uvicorn in threads, one shared alliance object).

Chromium is installed by the project's own files (``make test`` / ``.ci/run`` as root: ``apt-get install
chromium``); when it is missing these tests fail with that instruction, they never skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from web_alliance import build

from pledgenet.api import clients
from pledgenet.api.backend import open_embedded
from pledgenet.api.server import ServerThread
from pledgenet.ledger.alliance import now_ms
from pledgenet.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: the members whose nodes the tests start
ORGS = ("registrar", "bank-01", "regulator", "court-01", "exchange")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"the browser tests need Debian's Chromium at {CHROMIUM}: run `make test` as root or "
            "`sudo apt-get install chromium` (Playwright's own browser download cannot reach the internet)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Nodes:
    """The running nodes: base URL per org, each org's client credential, the alliance directory."""

    urls: dict[str, str]
    credentials: dict[str, Path]
    directory: Path


@pytest.fixture(scope="session")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    """One ``pledgenet serve`` app per member (an ``EmbeddedMember`` each, as separate processes have)."""
    root = tmp_path_factory.mktemp("web")
    directory = root / "alliance"
    build(directory).close()
    servers, urls, credentials, backends = [], {}, {}, []
    for org in ORGS:
        credentials[org] = root / f"{org}.credential"
        clients.issue(directory, org, name=f"{org}-desk", now_ms=now_ms(), out=credentials[org])
        backend = open_embedded(directory, org)
        backends.append(backend)
        server = ServerThread(create_app(backend))
        urls[org] = server.__enter__()
        servers.append(server)
    yield Nodes(urls, credentials, directory)
    for server in servers:
        server.__exit__(None, None, None)
    for backend in backends:
        backend.close()


@pytest.fixture(scope="session")
def sign_in(browser: Any, nodes: Nodes) -> Callable[..., Any]:
    """``sign_in(org)``: a new browser page signed in at ``org``'s node (Chinese, the default)."""

    def open_page(org: str, lang: str | None = None) -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        base = nodes.urls[org]
        if lang:
            context.add_cookies([{"name": "pledgenet_lang", "value": lang, "url": base}])
        page.goto(base + "/signin")
        page.locator("input[type=file]").set_input_files(str(nodes.credentials[org]))
        page.locator("form.action button[type=submit]").click()
        page.wait_for_load_state()
        page.base = base
        return page

    return open_page
