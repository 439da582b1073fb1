"""`make docs` builds: the Sphinx site (tests/scripts/make_docs.py) is written to a temporary folder once for this
module; it has a page per notebook in reading order, a sidebar, page contents and an offline search index;
documented symbols have anchors that the prose links to; pages show no test lines, stderr, tracebacks, widget
text or machine paths. In a real browser (when Chromium is there, as in test_browser.py), searching the docs for
`train_model` leads to its documentation."""
import html
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "scripts"))
import make_docs  # noqa: E402

_HREF = re.compile(r'href="([^"]+)"')


def local_links(page: Path) -> list[str]:
    out = []
    for h in _HREF.findall(page.read_text(encoding="utf-8")):
        h = html.unescape(h); u = urlsplit(h)
        if u.scheme or u.netloc or not u.path: continue  # external links and in-page anchors
        out.append(u.path)
    return out


def main_text(page: Path) -> str:
    "The article of a page (its content, without the navigation and the scripts)."
    t = page.read_text(encoding="utf-8")
    m = re.search(r"<article.*?</article>", t, re.S)
    return m.group(0) if m else t


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs") / "site"
    return out, make_docs.build(out)


def test_docs_pages_navigation_and_search(site):
    site, pages = site
    assert (site / "index.html").exists()
    library = [p.doc for p in pages if p.section == "library"]
    assert library == [p.stem for p in sorted((ROOT / "nbs").glob("[0-9]*.ipynb"))]
    runs = [p.doc for p in pages if p.section == "experiments"]
    assert runs == [p.relative_to(ROOT).with_suffix("").as_posix() for p in sorted((ROOT / "results").glob("*/*/*.ipynb"))]
    for p in pages: assert (site / p.out).is_file(), f"no page {p.out}"
    # the library section lists its pages in reading order; every local link resolves
    links = [l for l in local_links(site / "library" / "index.html") if not l.startswith(("../_", "_"))]
    order = [Path(l).stem for l in links if Path(l).stem in library]
    assert [s for i, s in enumerate(order) if s not in order[:i]] == library
    broken = []
    for p in pages:
        page = site / p.out
        for link in local_links(page):
            if link.endswith(".html") and not (page.parent / link).resolve().is_file(): broken.append(f"{p.out} -> {link}")
    assert not broken, "broken links: " + ", ".join(broken[:20])
    # a sidebar with the section's pages, the page's own contents, and a search index that works from the files
    core = (site / "04a_train.html").read_text(encoding="utf-8")
    assert "bd-sidebar-primary" in core and "bd-toc" in core and 'href="00_core.html"' in core
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    assert "train_model" in index or "train_mod" in index
    # the home page is the README's source, with its tables
    home = main_text(site / "index.html")
    assert "Reproduction" in home and "How to use" in home


def test_docs_symbols_are_documented_and_linked(site):
    site, pages = site
    train = (site / "04a_train.html").read_text(encoding="utf-8")
    assert 'id="api-train-model"' in train, "train_model has an anchor on its page"
    text = html.unescape(re.sub(r"<[^>]+>", "", main_text(site / "04a_train.html")))
    assert "def train_model(" in text, "the page shows train_model's signature"
    linked = [p.out for p in pages if p.section in ("home", "library") and p.doc != "04a_train"
              and "04a_train.html#api-train-model" in (site / p.out).read_text(encoding="utf-8")]
    assert linked, "no other page links `train_model` to its documentation"
    # per page, ids are unique (the old site had two id="rtd")
    for p in pages:
        ids = re.findall(r'\sid="([^"]+)"', (site / p.out).read_text(encoding="utf-8"))
        dup = sorted({i for i in ids if ids.count(i) > 1})
        assert not dup, f"{p.out}: duplicate ids {dup[:5]}"


def test_docs_pages_are_clean(site):
    site, pages = site
    bad = {"a test line": re.compile(r"\btest_(eq|fail|close|ne)\(|fastcore\.test"),
           "a traceback": re.compile(r"Traceback \(most recent call last\)|ZMQError|Kernel is running over TCP"),
           "a machine path": re.compile(r"(?<![\w.])/(tmp|work|home|root)/\w"),
           "widget text": re.compile(r"VBox\(children="),
           "a prompt": re.compile(r"In\s*\[\d*\]:|Out\[\d+\]:")}
    problems = []
    for p in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", main_text(site / p.out)))
        for what, rx in bad.items():
            m = rx.search(text)
            if m: problems.append(f"{p.out}: {what}: ...{text[max(m.start() - 60, 0):m.end() + 60]!r}...")
    assert not problems, "\n".join(problems[:20])
    # figures are files of the site, at a legible size
    pngs = list((site / "_images").glob("*.png"))
    assert len(pngs) > 20, f"{len(pngs)} figures"


CHROMIUM = os.environ.get("GEONB_CHROMIUM", "/usr/bin/chromium")


@pytest.mark.skipif(not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)),
                    reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium, as .ci/run does)")
def test_docs_search_in_a_browser(site):
    "Type `train_model` into the docs' search, follow the hit named train_model, land on its documentation."
    sync_api = pytest.importorskip("playwright.sync_api")
    site, _ = site
    shots = ROOT / "test-output" / "docs"; shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, timeout=60_000,
                              args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"])
        try:
            page = b.new_page(viewport={"width": 1400, "height": 1000}); page.set_default_timeout(60_000)
            page.goto((site / "index.html").as_uri())
            page.screenshot(path=str(shots / "home.png"))
            page.keyboard.press("Control+k")  # the theme's search dialog (also the search button)
            box = page.locator("input[name='q']:visible").first
            box.wait_for(state="visible"); box.fill("train_model"); box.press("Enter")
            page.wait_for_url(re.compile(r"search\.html"))
            hit = page.locator("#search-results ul.search li a", has_text="train_model").first  # the symbol's own hit
            hit.wait_for(state="visible", timeout=60_000)
            page.screenshot(path=str(shots / "search.png"))
            hit.click(); page.wait_for_load_state()
            assert "04a_train.html#" in page.url, f"the hit for train_model opened {page.url}"
            doc = page.locator("#api-train-model")
            assert doc.count() == 1 and "def train_model(" in doc.inner_text(), "the hit shows train_model's documentation"
            doc.scroll_into_view_if_needed(); page.screenshot(path=str(shots / "train_model.png"))
        finally: b.close()


def _write_json(path: Path, obj) -> None:
    import json
    path.parent.mkdir(parents=True, exist_ok=True); path.write_text(json.dumps(obj))


def test_reproduction_table_conventions(tmp_path):
    "README tables: 'reproduction' rows merged over runs (mean ± std), the rtd_synthetic adapter, '—' for missing numbers."
    import reproduction
    row = lambda v: {"reproduction": [{"claim": "MIG improves with TopDis", "paper": 0.1, "geonb": v, "verdict": "reproduced",
                                       "seeds": [v == 0.2 and 1 or 2]}]}
    _write_json(tmp_path / "results/exp/a/results.json", row(0.2)); (tmp_path / "results/exp/a/exp.ipynb").write_text("{}")
    _write_json(tmp_path / "results/exp/b/results.json", row(0.4))
    _write_json(tmp_path / "results/rtd_synthetic/default/results.json",
                {"parameters": {"cluster_seed": 7},
                 "clusters": {"k": [2, 3], "tau": {"rtd": 1.0, "cka": 0.1}, "paper_tau": {"rtd": 1.0, "cka": 0.238},
                              "verdict": "clusters: ... . The paper's claim is reproduced."}})
    _write_json(tmp_path / "results/broken/x/results.json", {"no": "rows"})
    (tmp_path / "results/broken/y").mkdir(parents=True); (tmp_path / "results/broken/y/results.json").write_text("{not json")
    table = reproduction.reproduction_table(tmp_path)
    lines = table.splitlines()
    assert lines[0] == "| claim | paper | geonb | verdict | executed notebook |"
    merged = next(l for l in lines if "MIG improves" in l)
    assert "0.300 ± 0.141 (2 runs; seeds 1, 2)" in merged and "[exp/a](results/exp/a/exp.ipynb)" in merged
    rtd = next(l for l in lines if "between RTD" in l)
    assert "| 1.000 | 1.000 (seed 7; k = 2, 3) | as in the paper; The paper's claim is reproduced |" in rtd
    assert "| differs |" in next(l for l in lines if "linear CKA" in l)
    assert len(lines) == 2 + 3
    # benchmarks: a notebook without the printed numbers gives dashes, a missing notebook no link
    (tmp_path / "nbs/benchmarks").mkdir(parents=True)
    (tmp_path / "nbs/benchmarks/rtd_speed.ipynb").write_text('{"cells": [{"cell_type": "code", "outputs": '
                                                             '[{"output_type": "stream", "name": "stdout", "text": "nothing"}]}]}')
    perf = reproduction.performance_table(tmp_path).splitlines()
    assert all("| — | — | — |" in l for l in perf[2:])
    assert "[rtd_speed](nbs/benchmarks/rtd_speed.ipynb)" in perf[2] and perf[-1].endswith("| — |")
    assert "*No results" in reproduction.reproduction_table(tmp_path / "empty")
