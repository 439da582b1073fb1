"""The Reproduction and Performance tables of the README, built from committed files only.

Reproduction: one row per claim of `nbs/experiments/claims.yaml` (the rules, fixed before the runs), filled from
the `reproduction` lists of the committed `results/<experiment>/<run-id>/results.json` (rows written by
`geonb.evidence.reproduction_row`: `claim_id`, `geonb`, `verdict`, `seeds`, `test`, `rule_sha256`). Claims no run
has judged read "needs the paper size" or "not yet run"; a run whose rule hash differs from the current rule is
flagged. Rows of runs that predate the claims file (no `claim_id`) are listed apart, unjudged.

Performance: the printed outputs of the executed benchmark notebooks `nbs/benchmarks/*.ipynb`, read
with one regular expression per number; a number that is not found is written "—".
"""
from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DASH = "—"


# ---------------------------------------------------------------- reproduction

def _fmt(x, digits: int = 3) -> str:
    if x is None: return DASH
    if isinstance(x, bool): return str(x)
    if isinstance(x, (int, float)): return f"{x:.{digits}f}" if isinstance(x, float) else str(x)
    return str(x)


def _run_notebook(run_dir: Path) -> Path | None:
    nbs = sorted(run_dir.glob("*.ipynb"))
    return nbs[0] if nbs else None


def _results(root: Path):
    "(experiment, run folder, results dict) of every committed run, in path order."
    for rj in sorted((root / "results").glob("*/*/results.json")):
        try: yield rj.parent.parent.name, rj.parent, json.loads(rj.read_text())
        except (OSError, json.JSONDecodeError): continue


def _seeds(seeds) -> str:
    seeds = [s for s in (seeds or []) if s is not None]
    if not seeds: return DASH
    ints = all(isinstance(s, int) for s in seeds)
    if ints and len(seeds) > 2 and sorted(seeds) == list(range(min(seeds), max(seeds) + 1)):
        return f"{len(seeds)} ({min(seeds)}–{max(seeds)})"
    return f"{len(seeds)} ({', '.join(map(str, seeds))})"


CLAIMS = "nbs/experiments/claims.yaml"


def _git(root: Path, *args: str) -> str | None:
    import subprocess
    try: r = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError): return None
    return r.stdout.strip() if r.returncode == 0 else None


def _rules_at(root: Path, commit: str) -> dict[str, str]:
    "claim id -> rule hash in the claims file as committed at `commit` (empty when unreadable)."
    import yaml
    from geonb.evidence import _check_claim, rule_hash
    try:
        doc = yaml.safe_load(_git(root, "show", f"{commit}:{CLAIMS}") or "")
        return {e["id"]: rule_hash(_check_claim(e, "history")) for e in doc["claims"]}
    except Exception: return {}


def rule_history(root: Path = ROOT) -> dict[str, str]:
    """claim id -> when its current rule was first committed ("YYYY-MM-DD, <sha>"), or "uncommitted"."""
    from geonb.evidence import load_claims, rule_hash
    current = {k: rule_hash(c) for k, c in load_claims(root / CLAIMS).items()}
    first: dict[str, str] = {}
    for line in (_git(root, "log", "--reverse", "--format=%H %cs", "--", CLAIMS) or "").splitlines():  # oldest first
        sha, date = line.split()
        for cid, h in _rules_at(root, sha).items():
            if cid in current and cid not in first and h == current[cid]: first[cid] = f"{date}, {sha[:7]}"
    return {cid: first.get(cid, "uncommitted") for cid in current}


def _rule_flags(root: Path, row: dict, prov: dict, claim: dict) -> list[str]:
    "What is wrong with the rule a run used: changed since, not committed when the run ran, or uncommitted edits."
    from geonb.evidence import rule_hash
    flags = []
    if row.get("rule_sha256") != rule_hash(claim): flags.append("rule changed after the run")
    run = prov.get("git_commit")
    if run and _rules_at(root, run).get(row.get("claim_id")) != row.get("rule_sha256"):
        flags.append("rule not committed before the run")
    if prov.get("claims_modified"): flags.append("run used an uncommitted claims file")
    return flags


def reproduction_rows(root: Path = ROOT) -> list[dict]:
    """One row per claim of nbs/experiments/claims.yaml, in file order, with the committed run that judged it.

    A run's `results.json` holds a list `reproduction` of rows written by `geonb.evidence.reproduction_row`
    (`claim_id`, `geonb`, `verdict`, `seeds`, `test`, `rule_sha256`, ...). A claim no run has judged reads
    "needs the paper size" (size `paper`) or "not yet run". "rule fixed" is the first commit of the claims file holding the
    rule as it is now (from git); a run is flagged when its rule changed after it ran, was not in the claims file
    committed at the run's commit, or came from an uncommitted claims file."""
    from geonb.evidence import load_claims
    claims = load_claims(root / CLAIMS)
    history = rule_history(root)
    judged: dict[str, list] = {}
    for exp, run_dir, res in _results(root):
        for r in res.get("reproduction") or []:
            if isinstance(r, dict) and r.get("claim_id") in claims:
                judged.setdefault(r["claim_id"], []).append((r, run_dir, res.get("provenance") or {}))
    rows = []
    for cid, c in claims.items():
        row = dict(claim_id=cid, claim=c["statement"], paper=f"{c['paper_value']} ({c['paper']}, {c['source']})",
                   fixed=history.get(cid, "uncommitted"), experiment=c["experiment"], size=c["size"], link=None, flags=[], others=[])
        if cid in judged:
            r, run_dir, prov = judged[cid][-1]
            nb = _run_notebook(run_dir)
            row.update(geonb=r.get("geonb"), seeds=_seeds(r.get("seeds")), test=r.get("test") or DASH,
                       verdict=r.get("verdict") + (f" ({r['n_failed']} pair(s) with a failed training)" if r.get("n_failed") else ""),
                       flags=_rule_flags(root, r, prov, c), run_commit=(prov.get("git_commit") or "")[:7],
                       link=nb.relative_to(root).as_posix() if nb else None,
                       others=[d.relative_to(root / "results").as_posix() for _, d, _ in judged[cid][:-1]])
            if run_dir.parent.name != c["experiment"]: row["flags"].append(f"judged by {run_dir.parent.name}, not {c['experiment']}")
        else:
            untested = "needs the paper size" if c["size"] == "paper" else "not yet run"
            if c["experiment"] is None: untested += " (no geonb experiment yet)"
            row.update(geonb=DASH, seeds=DASH, test=DASH, verdict=untested, run_commit="")
        rows.append(row)
    return rows


def legacy_rows(root: Path = ROOT) -> list[dict]:
    "Rows of committed runs that predate the claims file (no `claim_id`): shown, but not judged by geonb.evidence."
    out = []
    for exp, run_dir, res in _results(root):
        for r in res.get("reproduction") or []:
            if isinstance(r, dict) and "claim" in r and "claim_id" not in r:
                nb = _run_notebook(run_dir)
                out.append(dict(experiment=exp, claim=r["claim"], geonb=_fmt(r.get("geonb")), verdict=_fmt(r.get("verdict")),
                                link=nb.relative_to(root).as_posix() if nb else None))
    return out


def _cell(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def _link(l: str | None, prefix: str) -> str:
    return f"[{Path(l).parent.relative_to('results').as_posix()}]({prefix}{l})" if l else DASH


def reproduction_table(root: Path = ROOT, link_prefix: str = "") -> str:
    if not (root / CLAIMS).exists(): return f"*No claims file ({CLAIMS}).*"
    rows = reproduction_rows(root)
    out = ["| claim | paper | geonb | seeds | test | verdict | rule fixed | executed notebook |",
           "|---|---|---|---|---|---|---|---|"]
    for m in rows:
        fixed = m["fixed"] + "".join(f" — **{f}**" for f in m["flags"]) + \
            (f" (run at {m['run_commit']})" if m["run_commit"] else "") + \
            (f"; also judged in {', '.join(m['others'])}" if m["others"] else "")
        out.append("| " + " | ".join(_cell(c) for c in (m["claim"], m["paper"], m["geonb"], m["seeds"], m["test"],
                                                     f"**{m['verdict']}**", fixed, _link(m["link"], link_prefix))) + " |")
    legacy = legacy_rows(root)
    if legacy:
        out += ["", "Committed runs that predate the claims file (fewer than 8 seeds, verdicts not from `geonb.evidence`; "
                "shown for their numbers only, to be replaced by a re-run):", "",
                "| experiment | claim | geonb | the run's own reading | executed notebook |", "|---|---|---|---|---|"]
        for m in legacy:
            out.append("| " + " | ".join(_cell(c) for c in (m["experiment"], m["claim"], m["geonb"], m["verdict"],
                                                         _link(m["link"], link_prefix))) + " |")
    return "\n".join(out)


# ---------------------------------------------------------------- everything measured

def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf")


def _per_seed_values(res: dict) -> dict[str, dict[str, list[float]]]:
    """arm -> measure -> per-seed values, from the layouts committed runs use: `per_seed` records with a `set` (or
    `arm`) and a `seed`; `per_seed` keyed "arm/seedN" (failed trainings left out: they are reported, never data);
    `construction_taus` records (rtd_synthetic: one τ per measure and construction seed)."""
    out: dict[str, dict[str, list[float]]] = {}
    def add(arm, record, skip=("seed", "set", "arm", "experiment")):
        for m, v in record.items():
            if m not in skip and _finite(v): out.setdefault(str(arm), {}).setdefault(m, []).append(float(v))
    ps = res.get("per_seed")
    if isinstance(ps, list):
        for r in ps:
            if isinstance(r, dict) and ("set" in r or "arm" in r): add(r.get("set", r.get("arm")), r)  # seed None: one value
    elif isinstance(ps, dict):
        for key, r in ps.items():
            if not (isinstance(r, dict) and "/" in key): continue
            arm = key.rsplit("/", 1)[0]
            if "failed" in r: out.setdefault(arm, {}).setdefault("failed trainings", []).append(float(bool(r["failed"])))
            if not r.get("failed"):
                add(arm, {m: v for m, v in r.items() if m not in ("train_seconds", "recon_ratio", "topdis_on_at", "failed")})
    for r in res.get("construction_taus") or []:
        if isinstance(r, dict) and "experiment" in r: add(f"{r['experiment']} (Kendall τ)", r)
    return out


def _summary_values(res: dict) -> dict[str, dict[str, tuple]]:
    "arm -> measure -> (mean, sd) from a `summary` keyed 'dataset/arm/measure' -> {mean, std} (gtn_toys)."
    out: dict[str, dict[str, tuple]] = {}
    for key, v in (res.get("summary") or {}).items():
        if isinstance(v, dict) and "/" in key and _finite(v.get("mean")):
            arm, measure = key.rsplit("/", 1)
            out.setdefault(arm, {})[measure] = (v["mean"], v.get("std"))
    return out


def measured(res: dict) -> dict[str, dict[str, str]]:
    "Every measure a run computed, per arm, as 'mean ± sd (n)' over seeds (the README's Everything-measured tables)."
    table = {}
    for arm, ms in _per_seed_values(res).items():
        table[arm] = {}
        for m, vs in ms.items():
            if m == "failed trainings":
                table[arm][m] = f"{int(sum(vs))} of {len(vs)}"; continue
            mean = sum(vs) / len(vs)
            sd = (sum((v - mean) ** 2 for v in vs) / (len(vs) - 1)) ** 0.5 if len(vs) > 1 else None
            table[arm][m] = f"{mean:.3g}" + ("" if sd is None else f" ± {sd:.2g}") + f" ({len(vs)})"
    if not table:
        n = len(((res.get("parameters") or {}).get("seeds")) or [])
        for arm, ms in _summary_values(res).items():
            table[arm] = {m: f"{mean:.3g}" + ("" if not _finite(sd) else f" ± {sd:.2g}") + (f" ({n})" if n else "")
                          for m, (mean, sd) in ms.items()}
    return table


def measured_tables(root: Path = ROOT, link_prefix: str = "") -> str:
    "One table per committed run: its arms (rows) and every measure it computed (columns), mean ± sd (seeds)."
    out = []
    for exp, run_dir, res in _results(root):
        table = measured(res)
        if not table: continue
        nb = _run_notebook(run_dir)
        name = run_dir.relative_to(root / "results").as_posix()
        out += ["", f"**{name}**" + (f" ([executed notebook]({link_prefix}{nb.relative_to(root).as_posix()}))" if nb else "")
                + " — mean ± sd over seeds (number of seeds); failed trainings left out:", ""]
        measures = list(dict.fromkeys(m for row in table.values() for m in row))
        for start in range(0, len(measures), 8):  # at most 8 measures per table, so it stays readable
            cols = measures[start:start + 8]
            out += ["| arm | " + " | ".join(_cell(m) for m in cols) + " |", "|---" * (len(cols) + 1) + "|"]
            out += ["| " + " | ".join([_cell(arm)] + [_cell(row.get(m, DASH)) for m in cols]) + " |" for arm, row in table.items()]
            out.append("")
    return "\n".join(out).strip() or "*No committed runs.*"


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
    ("rtd_speed", "one R-Cross-Barcode with persistence pairs vs `ripser.py`'s diagram alone, N = 256, random 10-D clouds (CPU time, medians)",
     (rf"256\s+random\s+\d+\s+[0-9.]+\s+{_NUM}", "{} s"), (rf"256\s+random\s+\d+\s+{_NUM}", "{} s"),
     (rf"256\s+random\s+\d+\s+[0-9.]+\s+[0-9.]+\s+{_NUM}x", "{}× faster")),
    ("rtd_speed", "the same, worst speed-up over random, circle and duplicated-point clouds at N = 256 (identical bars)",
     None, None, (rf"worst speed-up [0-9.]+x at N=128, {_NUM}x at N=256", "{}× faster")),
    ("rtd_speed", "standard RTD evaluation (1000 points, 10 subsets of 500, both directions) vs sequential `ripser.py` (wall time, 2 threads)",
     (rf"geonb rtd, \d+ threads\s*:\s*{_NUM} s", "{} s"), (rf"sequential ripser.py\s*:\s*{_NUM} s", "{} s"),
     (rf"geonb rtd, \d+ threads\s*:.*?speed-up\s+{_NUM}x", "{}× faster")),
    ("labeling_speed", "official greedy-cosine GTN labeling, n = 20 000, d = 100, vs a mask-based NumPy transcription",
     (rf"greedy_cosine_labels {_NUM} s, {_NUM} s", lambda m: f"{min(m.group(1), m.group(2), key=float)} s (best of 2)"), (rf"baseline \(mask-based NumPy\) {_NUM} s", "{} s"),
     (rf"\| speed-up {_NUM}x \| identical", "{}× faster")),
    ("labeling_speed", "official greedy-cosine GTN labeling, n = 100 000, d = 2 (no n × n memory)",
     (rf"n=100000, d=2: greedy_cosine_labels {_NUM} s", "{} s"), None, None),
    ("topdis_speed", "β-VAE training step with TopDis vs without (batch 64, 64×64 images; CPU time, 1 thread, medians)",
     (rf"step \+ TopDis \(geonb\)\s+{_NUM} ms", "{} ms"), (rf"base step\s+{_NUM} ms", "{} ms"),
     (rf"step \+ TopDis \(geonb\).*?ratio {_NUM}x", "{}× the base step")),
    ("topdis_speed", "β-VAE step with TopDis vs its floor (the extra decode and its backward pass, RTD replaced by a constant)",
     (rf"step \+ TopDis \(geonb\)\s+{_NUM} ms", "{} ms"), (rf"floor \(1 extra decode\)\s+{_NUM} ms", "{} ms"),
     (rf"step \+ TopDis \(geonb\).*?{_NUM}x its floor", "{}× the floor")),
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
