"""Copy a finished experiment run into results/<experiment>/<name>/, clean, so that it can be committed.

    python tools/publish_run.py RUN_FOLDER [--name cpu]

What is cleaned: the run's temporary absolute path (papermill's injected `out_dir`, its metadata, printed text)
becomes "."; other absolute paths of this checkout or its virtual environment become relative; kernel
start-up warnings ("[IPKernelApp] WARNING ...") are dropped from stored outputs; lock files, checkpoints
and saved models (`*.pt`, `*.ckpt`: too large for the repository) and hidden files are not copied. Only a run that
`geonb.run.run_status` calls done is published.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = re.compile(r"(\.lock$|\.pt$|\.ckpt$|^error\.txt$|^interrupted\.txt$|^\.)")  # locks, checkpoints and models, markers
KERNEL_NOISE = re.compile(r"^.*(\[IPKernelApp\] WARNING|Kernel is running over TCP).*\n?", re.M)


def clean_text(text: str, tmp: str) -> str:
    "Text with the run's temporary path and this checkout's absolute paths made relative, kernel warnings dropped."
    for absolute, rel in ((tmp, "."), (str(ROOT / ".venv") + "/", ".venv/"), (str(ROOT) + "/", ""), (sys.prefix + "/", ".venv/")):
        text = text.replace(absolute, rel)
    text = re.sub(r"/[\w./-]*/\.[\w-]+\.tmp-[0-9a-f]+", ".", text)  # any other run's temporary folder
    return KERNEL_NOISE.sub("", text)


def clean_notebook(nb: dict, tmp: str) -> dict:
    "The executed notebook with `clean_text` applied to sources, outputs and papermill's metadata; empty outputs dropped."
    nb = json.loads(clean_text(json.dumps(nb, ensure_ascii=False), tmp))
    for c in nb.get("cells", []):
        outs = []
        for o in c.get("outputs", []) or []:
            if o.get("output_type") == "stream" and not "".join(o.get("text", "")).strip(): continue
            outs.append(o)
        if "outputs" in c: c["outputs"] = outs
    return nb


def publish(run: Path, name: str) -> Path:
    run = run.resolve()
    from geonb.run import run_status
    status = run_status(run)
    if status != "done" or not (run / "results.json").exists():
        raise SystemExit(f"{run}: the run is {status} (only a done run with its results.json is published)")
    nbs = sorted(run.glob("*.ipynb"))
    if not nbs: raise SystemExit(f"{run}: no executed notebook")
    experiment = nbs[0].stem
    nb = json.loads(nbs[0].read_text())
    tmp = (nb.get("metadata", {}).get("papermill", {}).get("parameters", {}) or {}).get("out_dir") or str(run)
    dest = ROOT / "results" / experiment / name
    if dest.exists(): shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for f in sorted(run.iterdir()):
        if not f.is_file() or SKIP.search(f.name): continue
        if f.suffix == ".ipynb":
            (dest / f.name).write_text(json.dumps(clean_notebook(json.loads(f.read_text()), tmp), ensure_ascii=False, indent=1) + "\n")
        elif f.suffix in (".json", ".md", ".csv", ".txt"):
            (dest / f.name).write_text(clean_text(f.read_text(), tmp))
        else: shutil.copyfile(f, dest / f.name)
        (dest / f.name).chmod(0o644)
    return dest


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a finished run folder (holding results.json)")
    ap.add_argument("--name", default=None, help="folder name under results/<experiment>/ (default: the run folder's name)")
    a = ap.parse_args()
    print(publish(a.run, a.name or a.run.resolve().name).relative_to(ROOT))
