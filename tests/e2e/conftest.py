"""A real app in a real browser: start ``streamlit run app.py`` on a free localhost port and drive
it with Playwright in Debian's headless Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def app_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the app's saved studies (a test may damage it, as a careless user would)."""
    return tmp_path_factory.mktemp("streamlit-store") / "store"


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory, app_store: Path) -> Iterator[str]:
    port = _free_port()
    workdir = tmp_path_factory.mktemp("streamlit")
    log = workdir / "server.log"
    # Saved studies go to a private store, never the user's.
    env = {**os.environ, "TRADEOFF_STORE_DIR": str(app_store)}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py",
                "--server.headless", "true", "--server.port", str(port),
                "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
                # Editing a file during a run must not put a "source changed" prompt on screen.
                "--server.fileWatcherType", "none", "--server.runOnSave", "false",
            ],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            proc.terminate()
            pytest.fail(f"streamlit did not start:\n{log.read_text()}")
        yield url
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make chromium' (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield b
        b.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, app_url, request):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.goto(app_url)
    yield pg
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:  # what the browser showed when the test failed
        screenshot(pg, f"failed-{request.node.name}", wide_ok=True)
    context.close()


#: Tables on screen that scroll sideways: their scroller is wider inside than it shows.
_SIDEWAYS = """() => [...document.querySelectorAll(
    '[data-testid=stMain] [data-testid=stTable], [data-testid=stMain] [data-testid=stDataFrame]')]
  .filter(e => e.offsetParent !== null)
  .map(e => [e.querySelector('.dvn-scroller') || e.firstElementChild || e, e])
  .filter(([s]) => s.scrollWidth > s.clientWidth + 2)
  .map(([s, e]) => `${s.scrollWidth} > ${s.clientWidth}: ${e.innerText.slice(0, 80)}`)"""

#: The small screen the app must read on: a laptop on a projector.
PROJECTOR = {"width": 1280, "height": 720}


def screenshot(page, name: str, *, wide_ok: bool = False) -> Path:  # type: ignore[no-untyped-def]
    """The whole page as a person would scroll through it at 1400×1000 (Streamlit scrolls
    inside its main area, so the window is made as tall as the content for the shot), then the
    first screen at 1280×720 as a projector shows it (``<name>@1280x720.png``). At 1280×720 no
    table may scroll sideways, unless ``wide_ok`` (the user's own table, say)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stSidebarContent]')].map(e => e.scrollHeight), window.innerHeight)"
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 8000)})
    page.wait_for_timeout(800)  # let charts and data grids repaint at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(PROJECTOR)
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / f"{name}@1280x720.png"))
    sideways = [] if wide_ok else page.evaluate(_SIDEWAYS)
    page.set_viewport_size(size)
    assert not sideways, f"{name}: tables scroll sideways at 1280×720: {sideways}"
    return path
