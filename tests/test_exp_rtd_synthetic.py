"Runs the RTD synthetic experiment notebook at tiny sizes and checks its results.json and figures."
import math
from pathlib import Path

from geonb.core import load_json
from geonb.run import run_experiment

NOTEBOOK = Path("nbs/experiments/rtd_synthetic.ipynb")


def test_rtd_synthetic_tiny(tmp_path):
    params = dict(n_clusters=12, cluster_size=3, k_max=4, n_rings=3, ring_points=12, trials=2, batch=500, seed=1)
    run_dir = run_experiment(NOTEBOOK, params, tmp_path, progress=False)
    res = load_json(run_dir / "results.json")
    head = res["headline"]
    assert set(head) == {"clusters_tau_rtd", "clusters_tau_cka", "rings_tau_rtd", "rings_tau_cka", "seconds"}
    for key in ("clusters_tau_rtd", "rings_tau_rtd"):
        assert isinstance(head[key], float) and -1 <= head[key] <= 1
    # the paper's claim, which holds even at these sizes: RTD ranks the number of groups / changed rings
    assert head["clusters_tau_rtd"] > 0.5 and head["rings_tau_rtd"] > 0.5
    assert res["clusters"]["k"] == [2, 3, 4] and res["rings"]["changed"] == [1, 2, 3]
    for values in (res["clusters"]["rtd"][0], res["rings"]["rtd"][0]):
        assert len(values) == 3 and all(math.isfinite(v) and v > 0 for v in values)
    assert res["parameters"]["n_clusters"] == 12
    for name in ("clusters_clouds.png", "clusters_scores.png", "rings.png"):
        assert (run_dir / name).read_bytes()[:4] == b"\x89PNG"
