"""The interactive widgets work in JupyterLab in a real browser.

JupyterLab is started from this environment on a free localhost port (no token, temporary runtime, config,
settings and workspace folders, autosave off) and opened in headless Chromium through Playwright. For
`nbs/03_rtd.ipynb` (the barcode explorer) and `nbs/07_vae.ipynb` (the latent traversal explorer) a copy of
the notebook holding its cells up to the explorer (without `#| slow`/`#| gpu` cells) is opened and run with
Run ▸ Run All Cells; the test checks that the slider widget renders and that moving it with the keyboard
redraws the figure. Screenshots go to `test-output/browser/`. Every wait is bounded, and JupyterLab is
stopped (its whole process group) whatever happens. Both explorers are checked in one test, so that they share
one server and one browser under pytest-xdist; a failure of the first does not stop the second.

The documentation site is checked in a browser by tests/test_docs.py (search for `train_model`, follow the hit),
which shares its one docs build.

Needs Chromium: `apt-get install -y chromium` (Debian; as `.ci/run` does) gives /usr/bin/chromium, or set
GEONB_CHROMIUM to a Chromium/Chrome binary. Without one the test is skipped, saying so.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "browser"
CHROMIUM = os.environ.get("GEONB_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage"]
SERVER_START_S = 90  # JupyterLab answering
RUN_S = int(os.environ.get("GEONB_BROWSER_RUN_S", 240))  # kernel start + running the cells up to the explorer
REDRAW_S = 30  # figure redrawn after a key press

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)),
    reason=f"no Chromium at {CHROMIUM}: the JupyterLab browser test needs one. Enable it with "
           "`apt-get install -y chromium` (Debian; .ci/run does this) or GEONB_CHROMIUM=/path/to/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def _notebook_copy(src: Path, dest_dir: Path, marker: str) -> Path:
    "The notebook's cells up to the first code cell containing `marker`, without cells flagged slow/gpu, outputs cleared."
    nb = json.loads(src.read_text())
    cells = []
    for c in nb["cells"]:
        source = "".join(c["source"])
        if c["cell_type"] == "code":
            flags = {w for line in source.splitlines() if line.strip().startswith("#|") for w in line.strip()[2:].split()}
            if flags & {"slow", "gpu"}: continue
            c = dict(c, outputs=[], execution_count=None)
        cells.append(c)
        if c["cell_type"] == "code" and marker in source: break
    else: raise AssertionError(f"{src.name} has no cell containing {marker!r}")
    nb["cells"] = cells
    dest = dest_dir / src.name
    dest.write_text(json.dumps(nb, indent=1))
    return dest


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    "A JupyterLab server rooted in a temporary folder; yields (base url, folder)."
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"; root.mkdir()
    settings = base / "settings"
    for plugin, value in [("@jupyterlab/docmanager-extension/plugin.jupyterlab-settings", {"autosave": False}),
                          ("@jupyterlab/apputils-extension/notification.jupyterlab-settings",
                           {"fetchNews": "false", "checkForUpdates": False})]:
        p = settings / plugin; p.parent.mkdir(parents=True, exist_ok=True); p.write_text(json.dumps(value))
    port = _free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(base / "runtime"), JUPYTER_CONFIG_DIR=str(base / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.allow_root=True",
           f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.news_url=None"]
    log = open(base / "jupyterlab.log", "w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{(base / 'jupyterlab.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=5) as r:
                    if r.status == 200: break
            except OSError: pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_S} s:\n{(base / 'jupyterlab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield url, root
    finally:
        try: os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError: pass
        try: proc.wait(15)
        except subprocess.TimeoutExpired:
            try: os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError: pass
            proc.wait(10)
        log.close()
        if SHOTS.exists(): shutil.copy(base / "jupyterlab.log", SHOTS / "jupyterlab.log")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True, timeout=60_000)
        try: yield b
        finally: b.close()


def _open_and_run(browser, url, root, notebook, marker, shot):
    "Open a copy of `notebook` (cells up to `marker`) in JupyterLab, Run All Cells, wait for the kernel to finish."
    nb = _notebook_copy(ROOT / "nbs" / notebook, root, marker)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    # a workspace of its own, reset: no tabs restored from an earlier page
    page.goto(f"{url}/lab/workspaces/{shot}/tree/{nb.name}?reset", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    panel = ("(() => { if (!window.jupyterapp) return null; for (const w of window.jupyterapp.shell.widgets('main'))"
             f" if (w.context && w.context.path === {json.dumps(nb.name)}) return w; return null; }})()")
    page.wait_for_function(f"() => {{ const w = {panel}; const k = w && w.sessionContext.session && w.sessionContext.session.kernel;"
                           " return k && k.connectionStatus === 'connected' && w === window.jupyterapp.shell.currentWidget; }",
                           timeout=90_000)
    # Run ▸ Run All Cells, as a user would
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    # finished: the last cell has run, or a cell failed (Run All stops there)
    try: state = page.wait_for_function(
        """() => { const w = PANEL; const cells = w.content.widgets;
                   const errors = [];
                   for (const c of cells) {
                     const outs = c.model.outputs; if (!outs) continue;
                     for (let i = 0; i < outs.length; i++) { const o = outs.get(i).toJSON();
                       if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue); } }
                   if (errors.length) return {errors};
                   const last = cells[cells.length - 1];
                   return last.model.executionCount !== null ? {errors: []} : null; }""".replace("PANEL", panel),
        timeout=RUN_S * 1000, polling=500).json_value()
    except Exception:
        page.screenshot(path=str(SHOTS / f"{shot}-timeout.png"), full_page=True)
        done = page.evaluate(f"() => {panel}.content.widgets"
                             ".filter(c => c.model.type === 'code' && c.model.executionCount !== null).length")
        raise AssertionError(f"{notebook}: the cells did not finish within {RUN_S} s ({done} code cells ran); "
                             f"see {SHOTS / (shot + '-timeout.png')}")
    page.screenshot(path=str(SHOTS / f"{shot}-ran.png"))
    assert not state["errors"], f"{notebook} failed in JupyterLab: " + "; ".join(state["errors"])
    return page


def _wait_changed(page, read, before, what):
    deadline = time.monotonic() + REDRAW_S
    while time.monotonic() < deadline:
        now = read()
        if now and now != before: return now
        page.wait_for_timeout(250)
    return None


def check_barcode_explorer(browser, url, root):
    page = _open_and_run(browser, url, root, "03_rtd.ipynb", "explorer = barcode_explorer(P, Q)", "03_rtd")
    try:
        cell = page.locator(".jp-CodeCell", has_text="explorer = barcode_explorer(P, Q)").last
        slider = cell.locator(".widget-slider").first
        slider.wait_for(state="visible", timeout=30_000)
        img = cell.locator(".widget-output img").first
        img.wait_for(state="visible", timeout=30_000)
        readout = cell.locator(".widget-readout").first
        assert readout.inner_text().strip() == "0", "the slider starts at the longest bar"
        read = lambda: img.get_attribute("src") if img.count() else None
        before = read()
        cell.scroll_into_view_if_needed(); page.screenshot(path=str(SHOTS / "03_rtd-explorer-before.png"))
        handle = slider.locator(".noUi-handle").first
        handle.focus(); page.keyboard.press("ArrowRight")
        after = _wait_changed(page, read, before, "figure")
        page.screenshot(path=str(SHOTS / "03_rtd-explorer-after.png"))
        assert readout.inner_text().strip() == "1", "the arrow key moved the slider to the next bar"
        assert after is not None, f"the figure did not change within {REDRAW_S} s of moving the slider"
    finally:
        page.close()


def check_latent_traversal_explorer(browser, url, root):
    page = _open_and_run(browser, url, root, "07_vae.ipynb", "latent_traversal_explorer(model, xs[0], static=True)",
                               "07_vae")
    try:
        cell = page.locator(".jp-CodeCell", has_text="latent_traversal_explorer(model, xs[0], static=True)").last
        sliders = cell.locator(".widget-slider")
        sliders.first.wait_for(state="visible", timeout=30_000)
        img = cell.locator(".widget-image").first
        img.wait_for(state="visible", timeout=30_000)
        digest = ("el => fetch(el.src).then(r => r.arrayBuffer()).then(b => crypto.subtle.digest('SHA-256', b))"
                  ".then(h => Array.from(new Uint8Array(h)).map(x => x.toString(16).padStart(2, '0')).join(''))")
        read = lambda: img.evaluate(digest)
        before = read()
        assert before, "the decoded image is shown"
        cell.scroll_into_view_if_needed(); page.screenshot(path=str(SHOTS / "07_vae-explorer-before.png"))
        after = None
        for k in range(min(sliders.count(), 10)):  # a collapsed coordinate may not change the decode: try the next
            handle = sliders.nth(k).locator(".noUi-handle").first
            for key in ("End", "Home"):
                handle.focus(); page.keyboard.press(key)
                after = _wait_changed(page, read, before, "image")
                if after: break
            if after: break
        page.screenshot(path=str(SHOTS / "07_vae-explorer-after.png"))
        assert after is not None, "moving the sliders to their ends did not change the decoded image"
    finally:
        page.close()


def test_explorers_in_jupyterlab(browser, lab):
    url, root = lab
    failures = []
    for check in (check_barcode_explorer, check_latent_traversal_explorer):
        try: check(browser, url, root)
        except Exception as e: failures.append(f"{check.__name__}: {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures)
