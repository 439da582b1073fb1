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
