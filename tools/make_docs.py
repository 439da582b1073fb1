"""`make docs`: the documentation site, built with Sphinx, myst-nb and the PyData theme, offline (no Quarto).

Pages, in reading order: the home page (nbs/index.ipynb), the library notebooks (nbs/[0-9]*.ipynb), the
executed experiment runs committed in results/<experiment>/<run-id>/, and the benchmarks (nbs/benchmarks/).
The site has a header with the four sections, a sidebar of the section's pages, a contents column for the
page, and full-text search that works from the files (Sphinx's own index, no server).

Library notebooks and the home page go through nbdev's docs processing first (`proc_nbs`: `#| hide` cells
dropped, `show_doc` rendered); then, for every page (`tidy`):
* a `show_doc` output becomes a section of the page, with a target `api-<name>` (per-symbol anchors, listed in
  the page contents and found by search), and each backticked name of a documented symbol anywhere in the
  prose links to it;
* test lines (`test_eq`, `test_fail`, ..., `assert`) are removed from code cells, and cells left empty dropped;
* stderr, error tracebacks and widget text (`VBox(children=...)`) are dropped from the outputs — an explorer
  is shown by the static figure its notebook draws beside it; absolute paths of the machine become `…/name`;
* cells marked `#| echo: false` show their output only.
Notebooks are never executed here: the pages show the outputs committed with them. Formulas are typeset by
a copy of MathJax in the site (from jupyter-server-mathjax; without it, from MathJax's CDN).

    python tools/make_docs.py --out _site     # then open _site/index.html
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = {"library": "Library", "experiments": "Experiment runs", "benchmarks": "Benchmarks"}


@dataclass
class Page:
    source: Path  # the notebook in the repository
    doc: str  # Sphinx document name (path in the site without .html, posix)
    title: str
    section: str  # "home" or a key of SECTIONS

    @property
    def out(self) -> str: return self.doc + ".html"


def _title(nb, fallback: str) -> str:
    for c in nb.cells:
        if c.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", c.source, re.M)
            if m: return m.group(1).strip()
    return fallback


def pages(root: Path = ROOT) -> list[Page]:
    import nbformat
    out = []
    def add(path: Path, doc: str, section: str):
        try: title = _title(nbformat.read(path, as_version=4), path.stem)
        except Exception: title = path.stem
        out.append(Page(path, doc, title, section))
    nbs = root / "nbs"
    if (nbs / "index.ipynb").exists(): add(nbs / "index.ipynb", "index", "home")
    for p in sorted(nbs.glob("[0-9]*.ipynb")): add(p, p.stem, "library")
    for p in sorted((root / "results").glob("*/*/*.ipynb")): add(p, p.relative_to(root).with_suffix("").as_posix(), "experiments")
    for p in sorted((nbs / "benchmarks").glob("*.ipynb")): add(p, f"benchmarks/{p.stem}", "benchmarks")
    return out


def processed(sources: list[Path], dest: Path, root: Path = ROOT) -> dict[Path, Path]:
    "nbdev's docs processing of each library notebook and the home page into `dest`: source -> processed copy."
    import contextlib, io, os, warnings
    from nbdev.serve import proc_nbs
    cwd, out = os.getcwd(), {}
    dest.mkdir(parents=True, exist_ok=True); os.chdir(root)
    try:
        for s in sources:  # one at a time: a notebook that fails to process is shown as it is, the others processed
            log = io.StringIO()
            try:
                with contextlib.redirect_stderr(log), contextlib.redirect_stdout(log), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cache = Path(proc_nbs(str(root / "nbs"), file_glob=s.name, n_workers=0))
            except Exception as e:
                print(f"warning: nbdev's processing of {s.name} failed ({type(e).__name__}: {str(e).splitlines()[0][:200]}); "
                      "its page shows the notebook as it is", file=sys.stderr)
                continue
            p = cache / s.relative_to(root / "nbs")
            if p.exists(): shutil.copy(p, dest / s.name); out[s] = dest / s.name
    finally: os.chdir(cwd)
    return out


# ---------------------------------------------------------------- tidying a notebook for its page
_TEST_LINE = re.compile(r"^\s*(test_eq|test_ne|test_close|test_fail|test_warns|test_is|test_shuffled|test_stdout|assert)\b")
_WIDGET_TEXT = re.compile(r"^(VBox|HBox|Box|GridBox|Tab|Accordion|Output|Image|FloatSlider|IntSlider|Button|interactive)\(")
_PATH = re.compile(r"(?<![\w.])(?:/tmp|/work|/home|/root|/private|/var/folders|/Users)(?:/[^\s'\"<>`,)\]]+)+")
_SYMBOL_HEAD = re.compile(r"^#{2,4}\s+([A-Za-z_][\w.]*)\s*$", re.M)


def _without_tests(src: str) -> str:
    "`src` without its test statements (`test_eq(...)`, `test_fail(...)`, `assert ...`, `from fastcore.test import ...`)."
    import ast
    try: tree = ast.parse(src)
    except SyntaxError: return "\n".join(l for l in src.splitlines() if not _TEST_LINE.match(l))
    def is_test(st):
        if isinstance(st, ast.Assert): return True
        if isinstance(st, ast.ImportFrom) and (st.module or "").startswith("fastcore.test"): return True
        return (isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) and isinstance(st.value.func, ast.Name)
                and st.value.func.id.startswith("test_"))
    def bodies(st):
        out = [getattr(st, k) for k in ("body", "orelse", "finalbody") if getattr(st, k, None)]
        return out + [h.body for h in getattr(st, "handlers", [])] + [c.body for c in getattr(st, "cases", [])]
    def visit(stmts) -> tuple[bool, list]:
        "(whether `stmts` holds only tests, the statements to drop); a compound statement of tests only is dropped whole."
        marks, all_tests = [], True
        for st in stmts:
            if is_test(st): marks.append(st); continue
            if isinstance(st, ast.Try) and ((st.handlers and all(visit(h.body)[0] for h in st.handlers)) or visit(st.body)[0]):
                marks.append(st); continue  # try: ... except E: test_eq(...) checks that something raises; try: test_...() finally: ...
            subs = [] if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else bodies(st)
            seen = [visit(b) for b in subs]
            if subs and all(a for a, _ in seen): marks.append(st); continue
            all_tests = False
            for a, m in seen:
                if not a: marks += m  # a body left with other statements; a body of tests only stays (it cannot be empty)
        return all_tests, marks
    drop_nodes = visit(tree.body)[1]
    lines = src.splitlines(keepends=True)
    offs = [0]
    for l in lines: offs.append(offs[-1] + len(l))
    pos = lambda ln, col: offs[ln - 1] + len(lines[ln - 1].encode()[:col].decode(errors="ignore"))
    drop = sorted((pos(st.lineno, st.col_offset), pos(st.end_lineno, st.end_col_offset)) for st in drop_nodes)
    for a, b in reversed(drop):
        line_start = src.rfind("\n", 0, a) + 1
        if not src[line_start:a].strip() and src[b:b + 1] == "\n": a, b = line_start, b + 1  # a whole line: drop it
        src = src[:a] + src[b:]
    out = []
    for l in src.splitlines():
        l = re.sub(r"^(\s*)(;\s*)+", r"\1", l); l = re.sub(r"(;\s*)+(#.*)?$", lambda m: "  " + m.group(2) if m.group(2) else "", l)
        l = re.sub(r";\s*;", ";", l).rstrip()
        if l.strip() and not re.fullmatch(r"\s*#.*", l) or not l.strip(): out.append(l)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")


def _label(name: str) -> str: return "api-" + name.lower().replace("_", "-").replace(".", "-")


def _clean_path(m: re.Match) -> str:
    return "…/" + m.group(0).rstrip("/").rsplit("/", 1)[-1]


def _clean_text(t: str) -> str: return _PATH.sub(_clean_path, t)


def _directives(src: str) -> tuple[dict, str]:
    "The `#| key: value` directives at the top of a cell, and the source without them."
    lines, d = src.splitlines(), {}
    while lines and lines[0].lstrip().startswith("#|"):
        body = lines.pop(0).lstrip()[2:].strip()
        k, _, v = body.partition(":")
        d[k.strip()] = v.strip() or True
    return d, "\n".join(lines)


def _show_doc_markdown(cell) -> str | None:
    "The markdown that a `show_doc` cell displays, as page text with a target before its heading."
    for o in cell.get("outputs", []):
        md = o.get("data", {}).get("text/markdown")
        if md:
            md = "".join(md) if isinstance(md, list) else md
            md = re.sub(r"^\s*---\s*\n", "", md)  # the rule nbdev puts above each symbol
            m = _SYMBOL_HEAD.search(md)
            if m: md = md[:m.start()] + f"({_label(m.group(1))})=\n" + md[m.start():]
            return md
    return None


def _keep_output(o) -> bool:
    if o.get("output_type") == "error": return False
    if o.get("output_type") == "stream": return o.get("name") != "stderr"
    data = o.get("data", {})
    if "application/vnd.jupyter.widget-view+json" in data and len(data) <= 2:
        return False
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    if set(data) <= {"text/plain", "application/vnd.jupyter.widget-view+json"} and _WIDGET_TEXT.match(text.strip()): return False
    return True


def _clean_output(o):
    if o.get("output_type") == "stream":
        o["text"] = _clean_text("".join(o["text"]) if isinstance(o["text"], list) else o["text"])
    for k in ("text/plain", "text/html", "text/markdown"):
        if k in o.get("data", {}):
            v = o["data"][k]; o["data"][k] = _clean_text("".join(v) if isinstance(v, list) else v)
    o.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    return o


def tidy(nb, title: str):
    "A notebook as its page shows it (see the module docstring). Returns (notebook, documented symbols)."
    import nbformat
    cells, symbols = [], []
    for c in nb.cells:
        if c.cell_type == "raw":  # nbdev's front matter: title and description
            m = re.search(r"^description:\s*(.+?)(?:\n\w+:|\n---|\Z)", c.source, re.S | re.M)
            if m:
                desc = " ".join(m.group(1).strip().strip("'\"").split()).replace("''", "'")
                cells.append(nbformat.v4.new_markdown_cell(f"# {title}\n\n> {desc}"))
            continue
        if c.cell_type == "markdown":
            if "THIS FILE WAS AUTOGENERATED" in c.source: continue
            cells.append(c); continue
        d, src = _directives(c.source)
        if d.get("hide") is True or "hide" in d: continue
        if d.get("output") == "asis" or "show_doc(" in src and d.get("echo") == "false":
            md = _show_doc_markdown(c)
            if md is not None:
                symbols += _SYMBOL_HEAD.findall(md)
                cells.append(nbformat.v4.new_markdown_cell(md))
            continue
        src = _without_tests(src)
        outs = [_clean_output(o) for o in c.get("outputs", []) if _keep_output(o)]
        if not src.strip() and not outs: continue
        c.source, c.outputs = _clean_text(src), outs
        c.execution_count = None
        for o in c.outputs:
            if "execution_count" in o: o["execution_count"] = None
        c.metadata = {"tags": ["remove-input"]} if d.get("echo") == "false" else {}
        cells.append(c)
    if not any(x.cell_type == "markdown" and x.source.lstrip().startswith("# ") for x in cells[:2]):
        cells.insert(0, nbformat.v4.new_markdown_cell(f"# {title}"))
    nb.cells = cells
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}}
    return nb, symbols


def link_symbols(nb, targets: dict[str, str]) -> None:
    "Backticked names of documented symbols in the prose become links to their documentation (`[`name`](#api-name)`)."
    def sub(m):
        name = m.group(1)
        key = name if name in targets else name.split(".", 1)[-1] if name.startswith("geonb.") else None
        key = key if key in targets else (name.rsplit(".", 1)[-1] if name.rsplit(".", 1)[-1] in targets else None)
        if key is None: return m.group(0)
        return f"[`{name}`](#{targets[key]})"
    for c in nb.cells:
        if c.cell_type != "markdown" or c.source.lstrip().startswith("("): continue
        parts = re.split(r"(```.*?```|^#+ .*$|\[[^\]]*\]\([^)]*\))", c.source, flags=re.S | re.M)  # not in code blocks, headings, links
        c.source = "".join(p if i % 2 else re.sub(r"`([A-Za-z_][\w.]*)(?:\(\))?`", sub, p) for i, p in enumerate(parts))


# ---------------------------------------------------------------- the Sphinx project
CONF = '''
project = "geonb"
author = "geonb developers"
extensions = ["myst_nb"]
html_theme = "pydata_sphinx_theme"
html_title = "geonb"
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "myst.xref_missing", "mystnb.unknown_mime_type", "misc.highlighting_failure", "toc.not_included"]
exclude_patterns = ["_build"]
html_theme_options = {{
    "navbar_align": "left", "show_toc_level": 2, "navigation_with_keys": False, "header_links_before_dropdown": 5,
    "secondary_sidebar_items": ["page-toc"], "footer_start": [], "footer_end": [], "show_prev_next": True,
}}
html_sidebars = {{"**": ["sidebar-nav-bs"]}}
html_show_sourcelink = False
html_copy_source = False
{mathjax}
'''


def _mathjax(src: Path) -> str:
    "Copy MathJax 2 (jupyter-server-mathjax) into the site's static files; the conf.py lines that use it."
    try: import jupyter_server_mathjax
    except ImportError:
        print("note: jupyter-server-mathjax is not installed: pages load MathJax from its CDN", file=sys.stderr); return ""
    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (static / "MathJax.js").exists(): return ""
    shutil.copytree(static, src / "_static" / "mathjax")
    return ('html_static_path = ["_static"]\n'
            'mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"\n'
            'mathjax2_config = {"HTML-CSS": {"availableFonts": ["STIX-Web"], "preferredFont": "STIX-Web", "webFont": "STIX-Web"},\n'
            '                   "tex2jax": {"inlineMath": [["\\\\(", "\\\\)"]], "displayMath": [["\\\\[", "\\\\]"]], "processEscapes": True}}\n')


def _toctree(docs: list[str], caption: str | None = None, hidden: bool = False, titles_only: bool = True) -> str:
    opts = ([f":caption: {caption}"] if caption else []) + ([":hidden:"] if hidden else []) + [":maxdepth: 1"]
    return "```{toctree}\n" + "\n".join(opts) + "\n\n" + "\n".join(docs) + "\n```\n"


def prepare(src: Path, root: Path = ROOT) -> list[Page]:
    "Write the Sphinx project for the site into `src`: tidied notebooks, section pages, conf.py."
    import nbformat
    all_pages = pages(root)
    proc = processed([p.source for p in all_pages if p.section in ("home", "library")], src.parent / "proc", root)
    tidied, targets = {}, {}
    for p in all_pages:
        nb = nbformat.read(proc.get(p.source, p.source), as_version=4)
        nb, symbols = tidy(nb, p.title)
        tidied[p.doc] = nb
        for s in symbols:
            label = _label(s); targets.setdefault(s, label)
            if "." not in s: targets.setdefault(f"{p.source.stem.split('_', 1)[-1]}.{s}", label)
    for p in all_pages:
        nb = tidied[p.doc]
        link_symbols(nb, targets)
        if p.section == "home":
            sections = [f"{k}/index" for k in SECTIONS if any(q.section == k for q in all_pages)]
            nb.cells.append(nbformat.v4.new_markdown_cell(_toctree(sections, hidden=True)))
        out = src / f"{p.doc}.ipynb"; out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)
    intro = {"library": "The notebooks that are geonb's source, its documentation and its tests, in reading order.",
             "experiments": "The experiment runs committed in `results/`: each executed notebook as it ran, with its figures "
                            "and printed numbers (the evidence behind the README's Reproduction table).",
             "benchmarks": "Speed measurements, executed on the 2-core machine they ran on."}
    for key, name in SECTIONS.items():
        docs = [p.doc for p in all_pages if p.section == key]
        if not docs: continue
        rel = ["/" + d for d in docs]  # absolute document names
        (src / key).mkdir(exist_ok=True)
        (src / key / "index.md").write_text(f"# {name}\n\n{intro[key]}\n\n" + _toctree(rel) + "\n")
    (src / "conf.py").write_text(CONF.format(mathjax=_mathjax(src)))
    return all_pages


def build(out: Path, root: Path = ROOT, quiet: bool = True) -> list[Page]:
    "Build the site into `out` (replaced); return its pages."
    from sphinx.cmd.build import build_main
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="geonb-docs-") as tmp:
        src = Path(tmp) / "src"; src.mkdir()
        all_pages = prepare(src, root)
        work = Path(tmp) / "html"
        args = ["-b", "html", "-j", "1", "-d", str(Path(tmp) / "doctrees"), str(src), str(work)] + (["-q"] if quiet else [])
        code = build_main(args)
        if code != 0: raise RuntimeError(f"sphinx-build exited with {code}")
        if out.exists(): shutil.rmtree(out)
        shutil.copytree(work, out)
    return all_pages


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "_site"), help="site folder (replaced)")
    ap.add_argument("--verbose", action="store_true", help="Sphinx's full log")
    args = ap.parse_args()
    ps = build(Path(args.out), quiet=not args.verbose)
    print(f"{len(ps)} pages in {args.out}; open {Path(args.out) / 'index.html'}")
