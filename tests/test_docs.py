"""`make docs` builds: the static HTML site (tests/scripts/make_docs.py) is written to a temporary folder,
its index links every notebook page in reading order, and the links between pages resolve."""
import html
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

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


def test_docs_build(tmp_path):
    site = tmp_path / "site"
    pages = make_docs.build(site)
    index = site / "index.html"
    assert index.exists()
    # every library notebook, every committed run and every benchmark has a page, listed in the index in reading order
    expected = (["home.html"] + [f"{p.stem}.html" for p in sorted((ROOT / "nbs").glob("[0-9]*.ipynb"))]
                + [p.relative_to(ROOT).with_suffix(".html").as_posix() for p in sorted((ROOT / "results").glob("*/*/*.ipynb"))]
                + [f"benchmarks/{p.stem}.html" for p in sorted((ROOT / "nbs" / "benchmarks").glob("*.ipynb"))])
    assert [p.out for p in pages] == expected
    links = local_links(index)
    assert links == expected, "the index lists the pages in reading order"
    for link in links: assert (site / link).is_file(), f"index.html links to {link}, which was not written"
    # links between pages resolve (including the home page's links to results/ and nbs/benchmarks/)
    broken = []
    for page in [site / p for p in expected]:
        for link in local_links(page):
            if link.endswith(".html") and not (page.parent / link).resolve().is_file(): broken.append(f"{page.relative_to(site)} -> {link}")
    assert not broken, "broken links: " + ", ".join(broken)
    home = (site / "home.html").read_text(encoding="utf-8")
    assert "Reproduction" in home and "How to use" in home
    # the executed notebooks keep their outputs in the pages (figures as embedded PNGs)
    assert any("data:image/png;base64" in (site / p).read_text(encoding="utf-8") for p in expected[1:])


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
