"Runs the RTD synthetic experiment notebook (the paper's clusters and rings) at tiny sizes and checks its results."
import math
from pathlib import Path

from geonb.core import load_json
from geonb.run import run_experiment

NOTEBOOK = Path("nbs/experiments/rtd_synthetic.ipynb")


def test_rtd_synthetic_tiny(tmp_path):
    params = dict(n_groups=12, group_size=3, cluster_ks=[2, 3, 4], n_rings=3, ring_points=12)
    run_dir = run_experiment(NOTEBOOK, params, tmp_path, progress=False)
    res = load_json(run_dir / "results.json")
    assert set(res["headline"]) == {f"{e}_tau_{m}" for e in ("clusters", "rings") for m in ("rtd", "cka", "svcca")} | {"seconds"}
    assert res["clusters"]["k"] == [2, 3, 4] and res["rings"]["k"] == [1, 2, 3]
    for name in ("clusters", "rings"):
        for m in ("rtd", "cka", "svcca"):
            values = res[name][m]
            assert len(values) == len(res[name]["k"]) and all(math.isfinite(v) for v in values), (name, m, values)
            assert -1 <= res[name]["tau"][m] <= 1, (name, m, res[name]["tau"])
    # known answers: ring variant k = 1 is the base cloud itself
    rings = res["rings"]
    assert rings["rtd"][0] == 0.0 and abs(rings["cka"][0] - 1) < 1e-9 and abs(rings["svcca"][0] - 1) < 1e-9, rings
    assert all(v > 0 for v in rings["rtd"][1:] + res["clusters"]["rtd"]), (rings["rtd"], res["clusters"]["rtd"])
    assert res["clusters"]["paper_tau"] == {"rtd": 1.0, "cka": 0.238, "svcca": 0.143}
    assert "reproduced" in res["clusters"]["verdict"] and res["parameters"]["n_groups"] == 12
    for name in ("clouds.png", "measures.png"):
        assert (run_dir / name).read_bytes()[:4] == b"\x89PNG"
