"""The test command behind `make test`: repository checks, every library notebook through nbdev-test,
docs processing, and pytest; ends with one summary line `N passed, M failed` (exit 1 if any failed)."""
import os, subprocess, sys, time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Tests run two processes at a time on a 2-core machine: one BLAS/torch thread each. (Two processes each
# spinning two threads made torch training steps ~10x slower here.)
os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
passed, failed = [], []


def record(name: str, ok: bool, detail: str = ""):
    (passed if ok else failed).append(name)
    print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"\n{detail}" if detail and not ok else ""), flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)


def snapshot(patterns):
    return {p: p.read_bytes() for pat in patterns for p in sorted(ROOT.glob(pat))}


def changed(before, after):
    return sorted(str(p.relative_to(ROOT)) for p in set(before) | set(after) if before.get(p) != after.get(p))


def main():
    t0 = time.time()
    # 1. notebooks are clean: nbdev-clean changes nothing
    before = snapshot(["nbs/**/*.ipynb"])
    r = run([BIN / "nbdev-clean"])
    diff = changed(before, snapshot(["nbs/**/*.ipynb"]))
    record("notebooks are clean (nbdev-clean changes nothing)", r.returncode == 0 and not diff,
           r.stderr[-2000:] + "\n  changed: " + ", ".join(diff) + "\n  fix: run .venv/bin/nbdev-clean and commit")
    # 2. geonb/ is in sync: nbdev-export changes nothing
    before = snapshot(["geonb/**/*.py"])
    r = run([BIN / "nbdev-export"])
    diff = changed(before, snapshot(["geonb/**/*.py"]))
    record("geonb/ is in sync with the notebooks (nbdev-export changes nothing)", r.returncode == 0 and not diff,
           r.stderr[-2000:] + "\n  changed: " + ", ".join(diff) + "\n  fix: run .venv/bin/nbdev-export and commit")
    # 3. README.md is generated from nbs/index.ipynb and current
    r = run([sys.executable, "tools/make_readme.py", "--check"])
    record("README.md is current (generated from nbs/index.ipynb)", r.returncode == 0, r.stdout + r.stderr[-2000:])
    # 4. docs processing (nbdev-proc-nbs, offline, without Quarto)
    r = run([BIN / "nbdev-proc-nbs"])
    record("docs processing (nbdev-proc-nbs)", r.returncode == 0 and "Error" not in r.stderr,
           (r.stdout + r.stderr)[-3000:])
    # 5. every library notebook runs as a test (nbdev-test; experiments/benchmarks are excluded by .notest)
    nbs = sorted(p.name for p in (ROOT / "nbs").glob("*.ipynb"))
    r = run([BIN / "nbdev-test", "--n-workers", "2", "--timing"])
    fails = set()
    if r.returncode != 0:
        tail = r.stderr.split("nbdev Tests Failed On The Following Notebooks:")[-1]
        fails = {n for n in nbs if n in tail} or {"nbdev-test (unknown notebook)"}
        print(r.stderr[-6000:])
    print(r.stdout.strip())
    for n in nbs: record(f"nbdev-test nbs/{n}", n not in fails)
    for n in sorted(fails - set(nbs)): record(n, False)
    # 6. pytest: tests of the installed package and papermill runs of the experiment notebooks
    junit = ROOT / ".pytest_cache" / "junit.xml"
    junit.parent.mkdir(exist_ok=True)
    r = subprocess.run([sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", "-n", "2",
                        "-rs", "--durations=15", f"--junitxml={junit}"], cwd=ROOT, text=True)
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            name = f"pytest {case.get('classname')}::{case.get('name')}"
            if case.find("skipped") is not None: continue
            (failed if case.find("failure") is not None or case.find("error") is not None else passed).append(name)
    if r.returncode not in (0, 5) or not junit.exists():
        if not any(n.startswith("pytest") for n in failed): failed.append("pytest (did not complete)")
    print(f"\ntotal time {time.time() - t0:.0f} s")
    if failed: print("failed:\n  " + "\n  ".join(failed))
    print(f"{len(passed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
