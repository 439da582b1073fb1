"""`make docs`: the documentation as a static HTML site, without Quarto.

Pages, in reading order: the home page (nbs/index.ipynb), the library notebooks (nbs/[0-9]*.ipynb), the
executed experiment runs committed in results/<experiment>/<run-id>/, and the benchmarks (nbs/benchmarks/).
Library notebooks and the home page go through nbdev's docs processing first (`proc_nbs`: hidden cells
dropped, directives removed, `show_doc` rendered); a notebook whose processing fails is rendered as it is,
with a warning. Formulas are typeset by a copy of MathJax in the site (from jupyter-server-mathjax; without it,
from MathJax's CDN). Every page is converted with nbconvert's HTML exporter, gets a navigation bar, and has its
links to other notebooks rewritten to their pages. `<out>/index.html` lists all pages.

    python tests/scripts/make_docs.py --out _site
"""
from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Page:
    source: Path  # the notebook in the repository
    out: str  # the page, relative to the site root (posix)
    title: str
    section: str


def _title(nb, fallback: str) -> str:
    for c in nb.cells:
        if c.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", c.source, re.M)
            if m: return m.group(1).strip()
    return fallback


def pages(root: Path = ROOT) -> list[Page]:
    import nbformat
    out = []
    def add(path: Path, rel_out: str, section: str):
        try: nb = nbformat.read(path, as_version=4); title = _title(nb, path.stem)
        except Exception: title = path.stem
        out.append(Page(path, rel_out, title, section))
    nbs = root / "nbs"
    if (nbs / "index.ipynb").exists(): add(nbs / "index.ipynb", "home.html", "Start here")
    for p in sorted(nbs.glob("[0-9]*.ipynb")): add(p, f"{p.stem}.html", "Library notebooks")
    for p in sorted((root / "results").glob("*/*/*.ipynb")):
        add(p, p.relative_to(root).with_suffix(".html").as_posix(), "Experiment runs (executed, committed in results/)")
    for p in sorted((nbs / "benchmarks").glob("*.ipynb")):
        add(p, f"benchmarks/{p.stem}.html", "Benchmarks (executed)")
    return out


def processed(page_sources: list[Path], root: Path = ROOT) -> dict[Path, Path]:
    "nbdev's docs processing of the library notebooks, one at a time; {source: processed copy} for those that worked."
    import warnings
    from nbdev.serve import proc_nbs
    warnings.filterwarnings("ignore", message="Found cells containing imports and other code")  # nbdev's style hint
    done = {}
    cwd = os.getcwd(); os.chdir(root)
    try:
        for src in page_sources:
            try:
                cache = Path(proc_nbs(str(root / "nbs"), file_glob=src.name, n_workers=0, skip_folder_re="^[_.]|^experiments$|^benchmarks$"))
                p = cache / src.name
                if p.exists(): done[src] = p
            except Exception as e:
                print(f"warning: nbdev's processing of {src.relative_to(root)} failed ({type(e).__name__}: "
                      f"{str(e).splitlines()[0][:200] if str(e) else ''}); the page shows the notebook as it is", file=sys.stderr)
    finally: os.chdir(cwd)
    return done


_CELL_KEYS = {"code": {"cell_type", "execution_count", "id", "metadata", "outputs", "source"},
              "markdown": {"cell_type", "id", "metadata", "source", "attachments"},
              "raw": {"cell_type", "id", "metadata", "source", "attachments"}}


def tidy(nb):
    "Make a (processed) notebook valid and Quarto-free: front matter as a heading, nbdev's extra cell keys dropped, `#| echo: false` applied, directives removed."
    import nbformat, yaml
    if nb.cells and nb.cells[0].cell_type == "raw" and nb.cells[0].source.lstrip().startswith("---"):
        try: fm = yaml.safe_load(nb.cells[0].source.strip().strip("-")) or {}
        except yaml.YAMLError: fm = {}
        head = (f"# {fm['title']}\n\n" if fm.get("title") else "") + (f"> {fm['description']}" if fm.get("description") else "")
        nb.cells[0] = nbformat.v4.new_markdown_cell(head.strip())
    for c in nb.cells:
        for k in set(c) - _CELL_KEYS.get(c.cell_type, set(c)): del c[k]
        c.metadata = {k: v for k, v in c.metadata.items() if k == "tags"}
        if c.cell_type != "code": continue
        lines = c.source.splitlines(keepends=True)
        n = 0
        while n < len(lines) and lines[n].lstrip().startswith("#|"): n += 1
        directives = "".join(lines[:n])
        if re.search(r"#\|\s*(echo:\s*false|hide\b)", directives):
            c.metadata.setdefault("tags", []).append("remove_input")
        if re.search(r"#\|\s*(output:\s*false|hide\b)", directives): c.outputs = []
        c.source = "".join(lines[n:])
    return nb


_HREF = re.compile(r'(href=")([^"#?]+\.ipynb)(#[^"]*)?(")')


def rewrite_links(body: str, page: Page, by_source: dict[Path, Page], root: Path = ROOT) -> tuple[str, list[str]]:
    "Links to notebooks that have a page point to that page; returns the new HTML and the links left unresolved."
    here = Path(page.out).parent
    unresolved = []
    def sub(m):
        href = html.unescape(m.group(2))
        if re.match(r"^[a-z]+:", href): return m.group(0)
        for base in (page.source.parent, root):  # relative to the notebook, or (README style) to the repository root
            target = by_source.get((base / href).resolve())
            if target:
                rel = os.path.relpath(target.out, here.as_posix() or ".")
                return m.group(1) + html.escape(Path(rel).as_posix()) + (m.group(3) or "") + m.group(4)
        unresolved.append(href)
        return m.group(0)
    return _HREF.sub(sub, body), unresolved


def _nav(page: Page, prev: Page | None, nxt: Page | None) -> str:
    up = os.path.relpath("index.html", Path(page.out).parent.as_posix() or ".")
    rel = lambda p: os.path.relpath(p.out, Path(page.out).parent.as_posix() or ".")
    parts = [f'<a href="{html.escape(up)}">contents</a>']
    if prev: parts.append(f'← <a href="{html.escape(rel(prev))}">{html.escape(prev.title)}</a>')
    if nxt: parts.append(f'<a href="{html.escape(rel(nxt))}">{html.escape(nxt.title)}</a> →')
    return ('<nav class="geonb-nav" style="font-family:sans-serif;padding:6px 12px;border-bottom:1px solid #ddd;'
            'background:#f7f7f7">' + " &nbsp;|&nbsp; ".join(parts) + "</nav>\n")


def index_html(all_pages: list[Page], title: str = "geonb") -> str:
    lines = [f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)} documentation</title>",
             "<style>body{font-family:sans-serif;max-width:52em;margin:2em auto;line-height:1.5} li{margin:.2em 0}"
             " .src{color:#777;font-size:90%}</style></head><body>",
             f"<h1>{html.escape(title)} documentation</h1>",
             "<p>The notebooks of the repository, rendered with their committed outputs, in reading order.</p>"]
    section = None
    for p in all_pages:
        if p.section != section:
            if section is not None: lines.append("</ol>")
            section = p.section; lines.append(f"<h2>{html.escape(section)}</h2><ol>")
        src = p.source.relative_to(ROOT).as_posix() if p.source.is_relative_to(ROOT) else p.source.name
        lines.append(f'<li><a href="{html.escape(p.out)}">{html.escape(p.title)}</a> <span class="src">{html.escape(src)}</span></li>')
    if section is not None: lines.append("</ol>")
    lines.append("</body></html>\n")
    return "\n".join(lines)


def _copy_mathjax(site: Path) -> str | None:
    "Copy MathJax (from the jupyter-server-mathjax package) into the site; its path in the site, or None (CDN)."
    try: import jupyter_server_mathjax
    except ImportError:
        print("note: jupyter-server-mathjax is not installed: pages load MathJax from its CDN", file=sys.stderr); return None
    src = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (src / "MathJax.js").exists(): return None
    shutil.copytree(src, site / "mathjax")
    return "mathjax/MathJax.js"


def build(out: Path, root: Path = ROOT) -> list[Page]:
    import nbformat
    from nbconvert import HTMLExporter
    all_pages = pages(root)
    library = [p.source for p in all_pages if p.source.parent == root / "nbs"]
    proc = processed(library, root)
    by_source = {p.source.resolve(): p for p in all_pages}
    from traitlets.config import Config
    cfg = Config(); cfg.TagRemovePreprocessor.enabled = True; cfg.TagRemovePreprocessor.remove_input_tags = {"remove_input"}
    exporter = HTMLExporter(template_name="lab", config=cfg)
    tmp = Path(tempfile.mkdtemp(dir=out.parent if out.parent.exists() else None, prefix=".docs-"))
    try:
        mathjax = _copy_mathjax(tmp)
        for i, page in enumerate(all_pages):
            if mathjax:  # the site's own copy: formulas render without a network
                exporter.mathjax_url = os.path.relpath(mathjax, Path(page.out).parent.as_posix() or ".") + "?config=TeX-AMS-MML_HTMLorMML-full,Safe"
            nb = tidy(nbformat.read(proc.get(page.source, page.source), as_version=4))
            nb.metadata.setdefault("language_info", {"name": "python"})
            body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": page.title}})
            body, unresolved = rewrite_links(body, page, by_source, root)
            if mathjax:  # the copied MathJax ships the STIX web fonts only (not its default TeX fonts)
                body = body.replace("<!-- Load mathjax -->", '<!-- Load mathjax -->\n<script type="text/x-mathjax-config">'
                                    'MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web"}});'
                                    "</script>", 1)
            for u in unresolved: print(f"note: {page.source.relative_to(root)} links to {u}, which has no page", file=sys.stderr)
            body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + _nav(page, all_pages[i - 1] if i else None,
                                                                                     all_pages[i + 1] if i + 1 < len(all_pages) else None),
                          body, count=1)
            dest = tmp / page.out
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(body, encoding="utf-8")
        (tmp / "index.html").write_text(index_html(all_pages), encoding="utf-8")
        if out.exists(): shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists(): shutil.rmtree(tmp, ignore_errors=True)
    return all_pages


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "_site", help="site folder (replaced)")
    args = ap.parse_args(argv)
    out = args.out.resolve()
    built = build(out)
    print(f"wrote {len(built)} pages and {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
