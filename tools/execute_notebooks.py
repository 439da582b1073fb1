"""`make notebooks`: re-execute the library notebooks in place, so that they are committed with their outputs.

Each notebook runs top to bottom in a fresh kernel from its own folder (as nbdev-test runs it), with:
* cells marked `#| slow` or `#| gpu` skipped (their outputs are left empty) unless named with `--flags`;
* figures saved at `--dpi` (default 100: legible in the docs, PNGs still small);
* no widget state and no widget views kept (model ids change on every run; a text fallback stays);
* this checkout's absolute path removed from printed text (warnings name `geonb/rtd.py`, not `/home/.../geonb/rtd.py`);
then `nbdev-clean` strips execution counts and volatile metadata. A notebook whose run fails, or that is edited
while it runs, is left as it was.

    python tools/execute_notebooks.py                    # nbs/[0-9]*.ipynb and nbs/index.ipynb
    python tools/execute_notebooks.py nbs/03_rtd.ipynb   # some notebooks
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


KERNEL_NOISE = re.compile(r"\[IPKernelApp\]|ZMQError|Kernel is running over TCP|Timeout waiting for execute reply|CurveZMQ")
TMP = re.compile(r"/tmp/[\w.-]+")


def clean_stream(text: str) -> str:
    """A stored stream without what a reader cannot act on: the lines (and tracebacks) of the kernels that a cell
    starts (papermill runs print "[IPKernelApp] WARNING ...", ZMQ errors) and temporary folder names ("<tmp>")."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if KERNEL_NOISE.search(line): skipping = True; continue
        if skipping and (line.startswith((" ", "\t", "Traceback")) or re.match(r"\w*(Error|Exception)\b", line)): continue
        skipping = False
        out.append(TMP.sub("<tmp>", line))
    return "".join(out)


def clean_notebook_outputs(path: Path) -> bool:
    import nbformat
    "Apply `clean_stream` to the stored outputs of a notebook in place; True if anything changed."
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    for c in nb.cells:
        if c.cell_type != "code": continue
        for o in c.outputs:
            if o.get("output_type") == "stream": o["text"] = clean_stream(o["text"])
        c.outputs = [o for o in c.outputs if o.get("output_type") != "stream" or o["text"].strip()]
    if nbformat.writes(nb) == before: return False
    nbformat.write(nb, path)
    return True


def library_notebooks() -> list[Path]:
    return sorted((ROOT / "nbs").glob("[0-9]*.ipynb")) + [ROOT / "nbs" / "index.ipynb"]


def _flags(cell) -> set[str]:
    "nbdev flags of a code cell (`#| slow`, `#| gpu`) from its leading directive lines."
    out = set()
    for line in cell.source.splitlines():
        s = line.strip()
        if not s.startswith("#|"): break
        out.update(s[2:].split())
    return out


def execute(path: Path, timeout: int, dpi: int, flags: set[str], skip: set[str]) -> None:
    import nbformat
    from nbclient import NotebookClient

    original = path.read_bytes()
    nb = nbformat.reads(original.decode("utf-8"), as_version=4)
    skipped = {}
    for i, c in enumerate(nb.cells):  # take skipped cells out for the run, put them back afterwards
        if c.cell_type == "code" and (_flags(c) & skip) - flags:
            skipped[i] = c
    run_nb = nbformat.from_dict(dict(nb, cells=[c for i, c in enumerate(nb.cells) if i not in skipped]))
    figure_kwargs = f"--InlineBackend.print_figure_kwargs={{'bbox_inches': 'tight', 'dpi': {dpi}}}"
    client = NotebookClient(run_nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                            extra_arguments=[figure_kwargs, "--InlineBackend.figure_formats={'png'}"],
                            store_widget_state=True, record_timing=False)
    client.execute()
    executed = iter(run_nb.cells)
    cells = []
    for i, c in enumerate(nb.cells):
        if i in skipped:
            c.outputs = []; c.execution_count = None; cells.append(c)
        else: cells.append(next(executed))
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor
    coalesce = CoalesceStreamsPreprocessor()
    for c in cells:
        coalesce.preprocess_cell(c, {}, 0)  # one stdout/stderr block per cell instead of one per flush
        for o in c.get("outputs", []):  # paths of this checkout are written relative to it (warnings, tracebacks)
            if o.get("output_type") == "stream":  # and the kernel's per-run cell file names are made stable
                o["text"] = clean_stream(re.sub(r"\S*/ipykernel_\d+/\d+\.py", "<cell>", o["text"].replace(f"{ROOT}/", "")))
        c.outputs = [o for o in c.get("outputs", []) if o.get("output_type") != "stream" or o["text"].strip()]
        for o in c.get("outputs", []):
            data = o.get("data")
            if data and WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    if path.read_bytes() != original:  # edited while it ran: keep the edit, do not write stale cells over it
        raise RuntimeError(f"{path.name} changed on disk while it ran; it was left alone (run it again)")
    nbformat.write(nb, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path, help="notebooks (default: the library notebooks and index)")
    ap.add_argument("--timeout", type=int, default=1200, help="seconds allowed per cell")
    ap.add_argument("--dpi", type=int, default=100, help="resolution of saved figures")
    ap.add_argument("--flags", default="", help="nbdev flags whose cells run too (e.g. 'slow')")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1"); os.environ.setdefault("MKL_NUM_THREADS", "1")
    nbs = [p.resolve() for p in args.notebooks] or library_notebooks()
    failed = []
    for p in nbs:
        t0 = time.time()
        try:
            execute(p, args.timeout, args.dpi, set(args.flags.split()), {"slow", "gpu"})
            print(f"executed {p.relative_to(ROOT)} in {time.time() - t0:.0f} s", flush=True)
        except Exception as e:  # keep going: one broken notebook should not stop the others
            failed.append(p); print(f"FAILED {p.relative_to(ROOT)} after {time.time() - t0:.0f} s: {type(e).__name__}: "
                                    f"{str(e)[-1500:]}", flush=True)
    bin_ = Path(sys.executable).parent
    for p in nbs:
        if p not in failed: subprocess.run([str(bin_ / "nbdev-clean"), "--fname", str(p)], cwd=ROOT, check=True)
    if failed: print("failed (left unchanged): " + ", ".join(str(p.relative_to(ROOT)) for p in failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
