"""The Reproduction and Performance tables of the README, built from committed files only.

Reproduction: every `results/<experiment>/<run-id>/results.json`. A results file may hold a list
`"reproduction"` of rows, one per claim checked:

    {"claim": "...", "paper": 0.8, "geonb": 0.79, "verdict": "reproduced",   # required
     "seeds": [0, 1, 2], "spread": 0.02, "size": "500 points"}               # optional

`paper` and `geonb` are numbers or short strings; `spread` (a number or string) is shown as `± spread`;
`seeds` is the list of seeds behind `geonb`; `size` says at which size it was measured. Rows of several
runs of one experiment with the same claim are merged: numbers become mean ± std over the runs.
Results files without a "reproduction" list are read by an adapter for their experiment, when there is
one (`rtd_synthetic`: its "clusters"/"rings" parts with `tau`, `paper_tau` and `verdict`).

Performance: the printed outputs of the executed benchmark notebooks `nbs/benchmarks/*.ipynb`, read
with one regular expression per number; a number that is not found is written "—".
"""
from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DASH = "—"


# ---------------------------------------------------------------- reproduction

def _fmt(x, digits: int = 3) -> str:
    if x is None: return DASH
    if isinstance(x, bool): return str(x)
    if isinstance(x, (int, float)): return f"{x:.{digits}f}" if isinstance(x, float) else str(x)
    return str(x)


def _close(a, b, tol=5e-3) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) <= tol


def _rtd_synthetic_rows(res: dict) -> list[dict]:
    "Rows of an rtd_synthetic results file: Kendall τ of each measure with the number of clusters/rings k."
    rows = []
    seed = res.get("parameters", {}).get("cluster_seed")
    for part, what in (("clusters", "number of clusters k"), ("rings", "number of rings k")):
        p = res.get(part)
        if not isinstance(p, dict) or "tau" not in p: continue
        conclusion = ""
        if p.get("verdict"):  # the part's overall verdict is its last sentence
            sentences = [s.strip() for s in re.split(r"(?<=\.)\s+", p["verdict"].strip()) if s.strip()]
            conclusion = sentences[-1].rstrip(".") if sentences else ""
        for measure, name in (("rtd", "RTD"), ("cka", "linear CKA"), ("svcca", "SVCCA")):
            ours, paper = p["tau"].get(measure), p.get("paper_tau", {}).get(measure)
            if ours is None: continue
            verdict = "as in the paper" if _close(ours, paper) else ("no paper number" if paper is None else "differs")
            if measure == "rtd" and conclusion: verdict += f"; {conclusion}"
            rows.append(dict(claim=f"{part}: Kendall τ between {name} and the {what}", paper=paper, geonb=ours,
                             verdict=verdict, seeds=[seed] if part == "clusters" and seed is not None else None,
                             size=f"k = {', '.join(map(str, p.get('k', [])))}" if p.get("k") else None))
    return rows


ADAPTERS = {"rtd_synthetic": _rtd_synthetic_rows}


def _run_notebook(run_dir: Path) -> Path | None:
    nbs = sorted(run_dir.glob("*.ipynb"))
    return nbs[0] if nbs else None


def reproduction_rows(root: Path = ROOT) -> list[dict]:
    """One merged row per (experiment, claim) over the committed results files, in file order."""
    merged: dict[tuple, dict] = {}
    for rj in sorted((root / "results").glob("*/*/results.json")):
        exp, run_dir = rj.parent.parent.name, rj.parent
        try: res = json.loads(rj.read_text())
        except (OSError, json.JSONDecodeError): continue
        rows = res.get("reproduction")
        if not isinstance(rows, list): rows = ADAPTERS.get(exp, lambda r: [])(res)
        nb = _run_notebook(run_dir)
        for r in rows:
            if not isinstance(r, dict) or "claim" not in r: continue
            m = merged.setdefault((exp, r["claim"]), dict(experiment=exp, claim=r["claim"], paper=r.get("paper"),
                                                          values=[], spreads=[], seeds=[], verdicts=[], sizes=[], links=[]))
            m["values"].append(r.get("geonb")); m["spreads"].append(r.get("spread"))
            m["seeds"] += [s for s in (r.get("seeds") or []) if s is not None]
            m["verdicts"].append(r.get("verdict")); m["sizes"].append(r.get("size"))
            if nb is not None: m["links"].append(nb.relative_to(root).as_posix())
    return list(merged.values())


def _geonb_cell(m: dict) -> str:
    vals = [v for v in m["values"] if v is not None]
    nums = [float(v) for v in vals if isinstance(v, (int, float)) and not isinstance(v, bool)]
    notes = []
    if not vals: text = DASH
    elif len(vals) == 1:
        text = _fmt(vals[0]) + (f" ± {_fmt(m['spreads'][0])}" if m["spreads"] and m["spreads"][0] is not None else "")
    elif len(nums) == len(vals):
        text = f"{statistics.mean(nums):.3f} ± {statistics.stdev(nums):.3f}"; notes.append(f"{len(nums)} runs")
    else: text = "; ".join(_fmt(v) for v in vals)
    seeds = sorted(set(m["seeds"]), key=str)
    if seeds: notes.append(("seed " if len(seeds) == 1 else "seeds ") + ", ".join(map(str, seeds)))
    elif len(vals) == 1: notes.append("1 run")
    sizes = sorted({s for s in m["sizes"] if s})
    if sizes: notes.append("; ".join(sizes))
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _cell(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def reproduction_table(root: Path = ROOT, link_prefix: str = "") -> str:
    rows = reproduction_rows(root)
    if not rows: return "*No results are committed yet (`results/<experiment>/<run-id>/results.json`).*"
    out = ["| claim | paper | geonb | verdict | executed notebook |", "|---|---|---|---|---|"]
    for m in rows:
        verdicts = sorted({v for v in m["verdicts"] if v})
        links = sorted(set(m["links"]))
        link = ", ".join(f"[{Path(l).parent.relative_to('results').as_posix()}]({link_prefix}{l})" for l in links) or DASH
        out.append("| " + " | ".join(_cell(c) for c in (m["claim"], _fmt(m["paper"]), _geonb_cell(m),
                                                     "; ".join(verdicts) or DASH, link)) + " |")
    return "\n".join(out)


# ---------------------------------------------------------------- performance

def notebook_text(path: Path) -> str:
    "Everything the notebook printed (stream outputs and text/plain results), in cell order."
    try: nb = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError): return ""
    parts = []
    for c in nb.get("cells", []):
        for o in c.get("outputs", []) or []:
            t = o.get("text") if "text" in o else o.get("data", {}).get("text/plain")
            if t: parts.append("".join(t) if isinstance(t, list) else t)
    return "\n".join(parts)


_NUM = r"([0-9]+(?:\.[0-9]+)?)"
# (benchmark notebook, what is measured, geonb's number, the reference's number, the ratio); each a regex
# whose first group is the number, or None. Units go in the format strings (or a function of the match).
PERFORMANCE = [
    ("rtd_speed", "one R-Cross-Barcode with persistence pairs vs `ripser.py`'s diagram alone, N = 256, random 10-D clouds",
     (rf"256\s+random\s+\d+\s+[0-9.]+\s+{_NUM}", "{} s"), (rf"256\s+random\s+\d+\s+{_NUM}", "{} s"),
     (rf"256\s+random\s+\d+\s+[0-9.]+\s+[0-9.]+\s+{_NUM}x", "{}× faster")),
    ("rtd_speed", "the same, worst speed-up over random, circle and duplicated-point clouds at N = 256",
     None, None, (rf"worst speed-up [0-9.]+x at N=128, {_NUM}x at N=256", "{}× faster")),
    ("rtd_speed", "standard RTD evaluation (1000 points, 10 subsets of 500, both directions) vs sequential `ripser.py`",
     (rf"geonb rtd, \d+ threads\s*:\s*{_NUM} s", "{} s"), (rf"sequential ripser.py\s*:\s*{_NUM} s", "{} s"),
     (rf"geonb rtd, \d+ threads\s*:.*?speed-up\s+{_NUM}x", "{}× faster")),
    ("labeling_speed", "official greedy-cosine GTN labeling, n = 20 000, d = 100, vs a mask-based NumPy transcription",
     (rf"greedy_cosine_labels {_NUM} s, {_NUM} s", lambda m: f"{min(m.group(1), m.group(2), key=float)} s (best of 2)"), (rf"baseline \(mask-based NumPy\) {_NUM} s", "{} s"),
     (rf"\| speed-up {_NUM}x \| identical", "{}× faster")),
    ("labeling_speed", "official greedy-cosine GTN labeling, n = 100 000, d = 2 (no n × n memory)",
     (rf"n=100000, d=2: greedy_cosine_labels {_NUM} s", "{} s"), None, None),
    ("topdis_speed", "β-VAE training step with TopDis vs without (batch 64, 64×64 images)",
     (rf"step \+ TopDis \(geonb\)\s+{_NUM} ms", "{} ms"), (rf"base step\s+{_NUM} ms", "{} ms"),
     (rf"step \+ TopDis \(geonb\).*?ratio {_NUM}x", "{}× the base step")),
    ("topdis_speed", "β-VAE step with TopDis: geonb vs the released-style computation of the same term",
     (rf"step \+ TopDis \(geonb\)\s+{_NUM} ms", "{} ms"), (rf"step \+ released-style\s+{_NUM} ms", "{} ms"),
     "reference/geonb"),
    ("metrics_speed", "MIG at the study size (10 000 codes)", (rf"\bmig:\s+{_NUM} s", "{} s"), None, None),
    ("metrics_speed", "SAP at the study size (10 000 / 5 000 codes)", (rf"\bsap:\s+{_NUM} s", "{} s"), None, None),
    ("metrics_speed", "DCI at the study size (10 000 / 5 000 codes, 5 factors)", (rf"\bdci:\s+{_NUM} s", "{} s"), None, None),
    ("metrics_speed", "FactorVAE score at the study size", (rf"factor_vae:\s+{_NUM} s", "{} s"), None, None),
    ("vae_speed", "β-VAE training step, batch 64, 64×64 images (median)", (rf"64²\s+β-VAE\s+{_NUM}", "{} ms"), None, None),
]


def _find(text: str, spec) -> str:
    if spec is None: return DASH
    pattern, fmt = spec
    m = re.search(pattern, text, re.S)
    if not m: return DASH
    return fmt(m) if callable(fmt) else fmt.format(m.group(1))


def performance_rows(root: Path = ROOT) -> list[dict]:
    texts: dict[str, str] = {}
    rows = []
    for bench, what, ours, ref, ratio in PERFORMANCE:
        path = root / "nbs" / "benchmarks" / f"{bench}.ipynb"
        if bench not in texts: texts[bench] = notebook_text(path) if path.exists() else ""
        t = texts[bench]
        g, r = _find(t, ours), _find(t, ref)
        if ratio == "reference/geonb":  # computed from the two numbers
            a, b = (re.match(r"[0-9.]+", x) for x in (g, r))
            ratio = (f"{float(b.group()) / float(a.group()):.2f}× faster" if a and b and float(a.group()) > 0 else DASH)
        else: ratio = _find(t, ratio)
        rows.append(dict(benchmark=bench, what=what, geonb=g, reference=r,
                         ratio=ratio, link=f"nbs/benchmarks/{bench}.ipynb" if path.exists() else None))
    return rows


def performance_table(root: Path = ROOT, link_prefix: str = "") -> str:
    out = ["| measured | geonb | reference | ratio | benchmark |", "|---|---|---|---|---|"]
    for r in performance_rows(root):
        link = f"[{r['benchmark']}]({link_prefix}{r['link']})" if r["link"] else DASH
        out.append("| " + " | ".join(_cell(c) for c in (r["what"], r["geonb"], r["reference"], r["ratio"], link)) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    print(reproduction_table()); print(); print(performance_table())
