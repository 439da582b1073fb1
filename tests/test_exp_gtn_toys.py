"""The GTN toy experiment runs end to end at tiny sizes and writes sane results and figures."""
import math
from pathlib import Path

from geonb.core import load_json
from geonb.run import run_experiment


def test_gtn_toys_tiny(tmp_path):
    params = {"n": 200, "n_eval": 400, "max_epochs": 4, "patience": 2, "assignment_max_n": 200, "seed": 1}
    run_dir = run_experiment(Path("nbs/experiments/gtn_toys.ipynb"), params, tmp_path, progress=False)
    res = load_json(run_dir / "results.json")
    head = res["headline"]
    assert set(head) == {"swiss_spearman_official", "swiss_spearman_exact", "square_empty_official",
                         "square_empty_better", "twosq_outside_single", "twosq_outside_mixture"}
    assert all(isinstance(v, float) and math.isfinite(v) for v in head.values())
    assert all(-1 <= head[k] <= 1 for k in ("swiss_spearman_official", "swiss_spearman_exact"))
    assert all(0 <= head[k] <= 1 for k in head if "empty" in k or "outside" in k)
    assert res["parameters"]["n"] == 200 and res["square_best_alternative"] in ("direction_radius", "assignment")
    # the labelings themselves do not depend on training: exact 1-D labels are monotone, the official ones are not
    assert res["swiss_roll"]["exact_1d"]["labeling"]["spearman_1d"] == 1.0
    assert res["swiss_roll"]["greedy_cosine"]["labeling"]["sign_crossings"] >= 0
    assert res["two_squares"]["setup_report"]["n_components"] == 2
    for name in ("swiss_roll", "uniform_square", "two_squares", "loss_curves"):
        assert (run_dir / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
