"""`make docs` builds: the Sphinx site (tools/make_docs.py) is written to a temporary folder once for this
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
sys.path.insert(0, str(ROOT / "tools"))
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


def _claims_yaml(alpha: float = 0.05) -> str:
    entry = "  - {{id: {id}, paper: P, source: Fig 1, statement: {st}, paper_value: '0.1', experiment: {exp}, size: {size}, measures: [mig], claim: higher, alpha: {alpha}}}\n"
    return "claims:\n" + "".join(entry.format(alpha=alpha, **c) for c in (
        dict(id="c1", st="MIG improves with TopDis", exp="exp", size="cpu"),
        dict(id="c2", st="only at the paper size", exp="null", size="paper"),
        dict(id="c3", st="not run yet", exp="exp", size="cpu")))


def test_reproduction_table_conventions(tmp_path):
    "README table: one row per claim of the claims file; untested claims named; changed or late rules flagged."
    import subprocess
    import reproduction
    from geonb.evidence import load_claims, rule_hash
    claims_file = tmp_path / "nbs/experiments/claims.yaml"
    claims_file.parent.mkdir(parents=True); claims_file.write_text(_claims_yaml())
    git = lambda *a: subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *a], cwd=tmp_path, check=True,
                                    capture_output=True, text=True).stdout.strip()
    git("init", "-q"); git("add", "."); git("commit", "-qm", "claims")
    first = git("rev-parse", "HEAD")
    h = rule_hash(load_claims(claims_file)["c1"])
    row = {"claim_id": "c1", "claim": "MIG improves with TopDis", "geonb": "Δ +0.1", "verdict": "supports", "seeds": list(range(8)),
           "test": "paired t", "rule_sha256": h}
    _write_json(tmp_path / "results/exp/a/results.json", {"reproduction": [row], "provenance": {"git_commit": first}})
    (tmp_path / "results/exp/a/exp.ipynb").write_text("{}")
    _write_json(tmp_path / "results/old/x/results.json", {"reproduction": [{"claim": "an old claim", "geonb": 1.0, "verdict": "fine"}]})
    (tmp_path / "results/broken/y").mkdir(parents=True); (tmp_path / "results/broken/y/results.json").write_text("{not json")
    lines = reproduction.reproduction_table(tmp_path).splitlines()
    assert lines[0] == "| claim | paper | geonb | seeds | test | verdict | rule fixed | executed notebook |", lines[0]
    c1 = next(l for l in lines if "MIG improves" in l)
    assert "| 8 (0–7) |" in c1 and "**supports**" in c1 and "[exp/a](results/exp/a/exp.ipynb)" in c1 and "**rule" not in c1, c1
    assert "**needs the paper size (no geonb experiment yet)**" in next(l for l in lines if "only at the paper size" in l)
    assert "**not yet run**" in next(l for l in lines if "not run yet" in l)
    assert any("| old | an old claim |" in l for l in lines), lines  # runs before the claims file: listed apart, unjudged
    # the rule changes after the run: flagged; a run whose rule was not yet committed at its commit: flagged
    claims_file.write_text(_claims_yaml(alpha=0.01)); git("commit", "-qam", "stricter")
    c1 = next(l for l in reproduction.reproduction_table(tmp_path).splitlines() if "MIG improves" in l)
    assert "**rule changed after the run**" in c1, c1
    row["rule_sha256"] = rule_hash(load_claims(claims_file)["c1"])
    _write_json(tmp_path / "results/exp/a/results.json", {"reproduction": [row], "provenance": {"git_commit": first}})
    c1 = next(l for l in reproduction.reproduction_table(tmp_path).splitlines() if "MIG improves" in l)
    assert "**rule not committed before the run**" in c1 and "changed after" not in c1, c1
    # benchmarks: a notebook without the printed numbers gives dashes, a missing notebook no link
    (tmp_path / "nbs/benchmarks").mkdir(parents=True)
    (tmp_path / "nbs/benchmarks/rtd_speed.ipynb").write_text('{"cells": [{"cell_type": "code", "outputs": '
                                                             '[{"output_type": "stream", "name": "stdout", "text": "nothing"}]}]}')
    perf = reproduction.performance_table(tmp_path).splitlines()
    assert all("| — | — | — |" in l for l in perf[2:])
    assert "[rtd_speed](nbs/benchmarks/rtd_speed.ipynb)" in perf[2] and perf[-1].endswith("| — |")
    assert "*No claims file" in reproduction.reproduction_table(tmp_path / "empty")


def test_everything_measured_tables():
    "README's Everything-measured tables: every measure of every arm, mean ± sd over seeds; failed trainings counted, not averaged."
    import reproduction
    # per-seed records (gtn_mnist, gtn_diffusion): mean and sample sd by hand; a record without a seed is one value
    res = {"per_seed": [{"set": "gtn", "seed": 0, "frechet": 1.0, "recall": 0.5}, {"set": "gtn", "seed": 1, "frechet": 3.0, "recall": None},
                        {"set": "vae", "seed": 0, "frechet": 10.0}, {"set": "real", "seed": None, "frechet": 0.25}]}
    table = reproduction.measured(res)
    assert table["gtn"] == {"frechet": "2 ± 1.4 (2)", "recall": "0.5 (1)"}, table  # sd of (1, 3) is √2
    assert table["real"] == {"frechet": "0.25 (1)"} and table["vae"] == {"frechet": "10 (1)"}, table
    # per-seed dict keyed arm/seed (topdis): a failed training is counted and left out of the means
    res = {"per_seed": {"m/seed0": {"mig": 0.1, "failed": False}, "m/seed1": {"mig": 0.3, "failed": False},
                        "m/seed2": {"mig": 9.0, "failed": True}}}
    assert reproduction.measured(res) == {"m": {"failed trainings": "1 of 3", "mig": "0.2 ± 0.14 (2)"}}
    # a summary keyed dataset/arm/measure (gtn_toys)
    res = {"summary": {"square/gtn/ks": {"mean": 0.5, "std": 0.1}}, "parameters": {"seeds": [0, 1, 2]}}
    assert reproduction.measured(res) == {"square/gtn": {"ks": "0.5 ± 0.1 (3)"}}
