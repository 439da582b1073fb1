"""The GTN toy experiment runs end to end at a tiny size and writes sane, paired results and figures."""
import math
from pathlib import Path

import pytest

from geonb.core import load_json
from conftest import run_tiny_experiment

NB = Path(__file__).resolve().parents[1] / "nbs" / "experiments" / "gtn_toys.ipynb"
TINY = dict(size="demo", n_seeds=2, n=200, n_eval=400, n_two=200, max_epochs=4, patience=2, assignment_max_n=200,
            grid_bins=5, fold_grid=20, device="cpu", threads=1, seed=1)
HEADLINE = {"swiss_spearman_official", "swiss_spearman_exact", "swiss_decreasing_official", "swiss_decreasing_exact",
            "square_empty_cells_official", "square_empty_cells_better", "square_empty_cells_reference",
            "square_ks_official", "square_ks_better", "square_ks_reference", "square_fold_fraction_official",
            "square_fold_fraction_better", "square_fold_mass_official", "square_fold_mass_better",
            "twosq_outside_single", "twosq_outside_mixture", "twosq_outside_mixture_better", "seconds"}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_tiny_experiment(tmp_path_factory, NB, TINY)


def rows(res, toy, labeling):
    return [r for r in res["per_seed"] if r["toy"] == toy and r["labeling"] == labeling]


def test_headline_and_parameters(run):
    rd, res = run
    head = res["headline"]
    assert set(head) == HEADLINE, sorted(set(head) ^ HEADLINE)
    assert all(isinstance(v, float) and math.isfinite(v) for v in head.values()), head
    assert all(-1 <= head[k] <= 1 for k in ("swiss_spearman_official", "swiss_spearman_exact")), head
    assert all(0 <= v <= 1 for k, v in head.items() if k != "seconds"), head
    p = res["parameters"]
    assert (p["n"], p["n_two"], p["seeds"], p["max_epochs"]) == (200, 200, [1, 2], 4), p
    assert res["square_labelings"] == ["greedy_cosine", "direction_radius", "assignment"], res["square_labelings"]


def test_labelings_and_measures(run):
    _, res = run
    for r in rows(res, "swiss_roll", "exact_1d"):  # exact rank labels are monotone whatever the training did
        assert r["label_spearman_1d"] == 1.0, r
        assert 0 <= r["decreasing_steps"] <= 1 and -1 <= r["spearman_map"] <= 1, r
    for r in rows(res, "swiss_roll", "greedy_cosine"):
        assert 0 <= r["label_sign_crossings"] <= 1, r
    for m in res["square_labelings"]:
        for r in rows(res, "square", m):
            assert 0 <= r["fold_fraction"] <= 1 and 0 <= r["fold_mass"] <= 1 + 1e-9, r
            assert 0 <= r["empty_cells"] <= 1 and 0 <= r["ks"] <= 1, r
    for toy in ("swiss_roll", "square", "two_squares"):  # the noise floor: a fresh true sample of the same size
        ref = rows(res, toy, "fresh sample")
        assert len(ref) == 2 and all(0 <= r["ks"] < 0.2 for r in ref), ref
    assert res["two_squares_setup_report"]["n_components"] == 2, res["two_squares_setup_report"]


def test_paired_differences(run):
    _, res = run
    key = "square: direction_radius − greedy_cosine: empty_cells"
    r = res["paired"][key]
    a = [x["empty_cells"] for x in sorted(rows(res, "square", "direction_radius"), key=lambda x: x["seed"])]
    b = [x["empty_cells"] for x in sorted(rows(res, "square", "greedy_cosine"), key=lambda x: x["seed"])]
    assert r["n"] == 2 and abs(r["mean_difference"] - (sum(a) - sum(b)) / 2) < 1e-12, (r, a, b)
    assert r["interval"][0] <= r["mean_difference"] <= r["interval"][1], r
    assert r["differences"] == [x - y for x, y in zip(a, b)], (r, a, b)


def test_verdicts_need_eight_seeds(run):
    _, res = run
    assert set(res["verdicts"]) == {"gtn_square_filled", "gtn_swiss_monotone", "gtn_two_squares_mixture", "geonb_exact1d_monotone",
                                    "geonb_direction_radius_square", "geonb_direction_radius_two_squares"}, res["verdicts"]
    assert set(res["verdicts"].values()) == {"too few seeds"}, res["verdicts"]
    prov = res["provenance"]
    assert prov["template"] == "gtn_toys.ipynb" and len(prov["claims_sha256"]) == 12, prov
    assert set(prov["rules"]) >= set(res["verdicts"]), prov


def test_reproduction_rows_and_figures(run):
    rd, res = run
    rep = res["reproduction"]
    assert len(rep) == 6, rep
    for row in rep:
        assert {"claim", "paper", "geonb", "verdict", "seeds", "size", "rule_sha256"} <= set(row) and row["seeds"] == [1, 2], row
        assert all(isinstance(row[k], str) and row[k] for k in ("claim", "paper", "geonb", "verdict")), row
    for name in ("swiss_roll", "uniform_square", "square_folds", "two_squares", "loss_curves"):
        assert (rd / f"{name}.png").read_bytes()[:4] == b"\x89PNG", name
