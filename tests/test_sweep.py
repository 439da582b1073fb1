"""Sweeps through the console script and on a Dask LocalCluster with two workers."""
import json, subprocess

import pytest
import yaml

from conftest import BIN
from geonb.run import collect, run_id, sweep


def test_sweep_on_a_dask_local_cluster(tiny_experiment, tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "runs"
    res = sweep(tiny_experiment, {"n": [1, 2], "seed": [0, 1]}, out, scheduler="local:2", progress=False)
    assert [r["status"] for r in res] == ["done"] * 4
    for r in res:  # each run wrote only into its own folder
        rd = out / "tiny" / run_id(r["parameters"])
        assert sorted(p.name for p in rd.iterdir()) == ["done.json", "parameters.json", "results.json", "tiny.ipynb"]
        assert json.loads((rd / "results.json").read_text())["headline"]["twice_n"] == 2 * r["parameters"]["n"]
    assert sorted(collect(out).twice_n) == [2, 2, 4, 4]


def test_geonb_sweep_cli_resumes_and_summarises(tiny_experiment, tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text(yaml.safe_dump({"n": [1, 3], "seed": [0, 1]}))
    out = tmp_path / "runs"
    cmd = [BIN / "geonb-sweep", tiny_experiment, "--grid", grid, "--out-dir", out, "--jobs", "2"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "| tiny | 3 | 6 ± 0 | 2 |" in r.stdout
    # interrupted sweep: one run lost its results; the rerun repeats only that one
    lost = out / "tiny" / run_id({"n": 3, "seed": 1}) / "results.json"
    lost.unlink()
    mtimes = {p: p.stat().st_mtime_ns for p in out.glob("tiny/*/results.json")}
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0 and lost.exists()
    assert all(p.stat().st_mtime_ns == t for p, t in mtimes.items())
    assert (out / "tiny" / "summary.csv").exists() and (out / "tiny" / "summary_tiny.png").exists()


def test_geonb_sweep_cli_rejects_unknown_parameter(tiny_experiment, tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text(yaml.safe_dump({"nn": [1]}))
    r = subprocess.run([BIN / "geonb-sweep", tiny_experiment, "--grid", grid, "--out-dir", tmp_path / "r"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "unknown parameter(s) ['nn']" in r.stderr
