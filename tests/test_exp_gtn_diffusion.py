"""The diffusion experiment runs end to end at a tiny size, writes sane paired results, and resumes from its files."""
import math
from pathlib import Path

import numpy as np
import pytest

from geonb.core import load_json
from conftest import run_tiny_experiment

NB = Path(__file__).resolve().parents[1] / "nbs" / "experiments" / "gtn_diffusion.ipynb"
TINY = dict(size="demo", n_seeds=2, n=300, epochs=2, n_gen=200, hidden=[16], num_train_timesteps=50, gtn_max_epochs=5,
            jobs=1, seed=3)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_tiny_experiment(tmp_path_factory, NB, TINY)


def test_measures_per_seed(run):
    _, res = run
    per = res["per_seed"]
    assert sorted({r["set"] for r in per}) == ["ddpm_1d", "ddpm_2d", "gtn_1d", "reference"], per
    assert sorted({r["seed"] for r in per}) == [3, 4], per
    for r in per:
        assert 0 <= r["ood_fraction"] <= 1 and 0 <= r["coverage_ks"] <= 1 and r["mean_distance"] >= 0, r
        # a larger epsilon never counts more points as out of distribution
        grid = [r[f"ood@{e}"] for e in (0.1, 0.25, 0.5, 1.0, 2.0)]
        assert all(a >= b for a, b in zip(grid, grid[1:])), r
    for r in per:
        if r["set"] == "reference":  # fresh points of the true curve lie on it
            assert r["ood_fraction"] == 0 and r["mean_distance"] < 1e-3, r
        if r["set"] in ("ddpm_1d", "gtn_1d"):  # mapped onto the spiral: off the roll only where theta left its range
            assert r["ood_fraction"] <= r["theta_outside"] + 1e-12, r


def test_verdicts_and_files(run):
    rd, res = run
    rep = {row["claim_id"]: row for row in res["reproduction"]}
    assert set(rep) == {"gtn_diffusion_ddpm_vs_gtn", "gtn_diffusion_generation_dimension"}, rep
    for row in rep.values():  # two seeds: below the rule's eight
        assert row["verdict"] == "too few seeds" and row["seeds"] == [3, 4], row
        d = row["measures"]["ood_fraction"]["differences"]
        assert len(d) == 2 and all(math.isfinite(x) for x in d), row
    by = {(r["set"], r["seed"]): r["ood_fraction"] for r in res["per_seed"]}
    diffs = rep["gtn_diffusion_generation_dimension"]["measures"]["ood_fraction"]["differences"]
    np.testing.assert_allclose(diffs, [by[("ddpm_2d", s)] - by[("ddpm_1d", s)] for s in (3, 4)])
    assert res["headline"]["epsilon"] == 0.5 and res["provenance"]["rules"], res["headline"]
    assert (rd / "figure4.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in rd.glob("ckpt_*seed3.pt")) == ["ckpt_ddpm1d_seed3.pt", "ckpt_ddpm2d_seed3.pt", "ckpt_gtn1d_seed3.pt"]


def test_resume_from_files(run, tmp_path):
    "Executed again into its own folder, the notebook reuses each seed's saved scores instead of training again."
    import papermill as pm
    from geonb.core import save_json
    rd, res = run
    saved = load_json(rd / "scores_seed3.json"); saved["ddpm_2d"]["ood_fraction"] = 0.987654  # a value no run produces
    save_json(saved, rd / "scores_seed3.json")
    pm.execute_notebook(str(NB), str(tmp_path / "again.ipynb"), parameters={**TINY, "out_dir": str(rd)}, cwd=str(tmp_path), progress_bar=False)
    again = {(r["set"], r["seed"]): r["ood_fraction"] for r in load_json(rd / "results.json")["per_seed"]}
    assert again[("ddpm_2d", 3)] == 0.987654, again
    assert again[("gtn_1d", 4)] == next(r["ood_fraction"] for r in res["per_seed"] if (r["set"], r["seed"]) == ("gtn_1d", 4)), again
