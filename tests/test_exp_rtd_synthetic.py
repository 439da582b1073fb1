"Runs the RTD synthetic experiment notebook (the paper's clusters and rings) at tiny sizes and checks its results."
import math
from pathlib import Path

from geonb.core import load_json
from geonb.run import run_experiment

NOTEBOOK = Path("nbs/experiments/rtd_synthetic.ipynb")
MEASURES = ("rtd", "cka", "svcca", "svcca_released")


def test_rtd_synthetic_tiny(tmp_path):
    params = dict(n_groups=12, group_size=3, cluster_ks=[2, 3, 4], n_rings=3, ring_points=12, n_constructions=2)
    run_dir = run_experiment(NOTEBOOK, params, tmp_path, progress=False)
    res = load_json(run_dir / "results.json")
    assert {f"{e}_tau_{m}" for e in ("clusters", "rings") for m in ("rtd", "cka", "svcca")} <= set(res["headline"]), res["headline"]
    assert res["clusters"]["k"] == [2, 3, 4] and res["rings"]["k"] == [1, 2, 3]
    for name in ("clusters", "rings"):
        for m in MEASURES:
            values = res[name][m]
            assert len(values) == len(res[name]["k"]) and all(math.isfinite(v) for v in values), (name, m, values)
            assert -1 <= res[name]["tau"][m] <= 1, (name, m, res[name]["tau"])
    # known answers: ring variant k = 1 is the base cloud itself
    rings = res["rings"]
    assert rings["rtd"][0] == 0.0 and abs(rings["cka"][0] - 1) < 1e-9 and abs(rings["svcca"][0] - 1) < 1e-9, rings
    assert all(v > 0 for v in rings["rtd"][1:] + res["clusters"]["rtd"]), (rings["rtd"], res["clusters"]["rtd"])
    assert res["clusters"]["paper_tau"] == {"rtd": 1.0, "cka": 0.238, "svcca": 0.143}
    # the seed study: one row per experiment and construction seed; two seeds are too few for a verdict
    assert sorted((r["experiment"], r["seed"]) for r in res["construction_taus"]) == [("clusters", 0), ("clusters", 1), ("rings", 0), ("rings", 1)]
    assert res["verdicts"] == {"rtd_clusters_rank": "too few seeds", "rtd_rings_rank": "too few seeds"}, res["verdicts"]
    assert all(row["seeds"] == [0, 1] for row in res["reproduction"]), res["reproduction"]
    assert res["parameters"]["n_groups"] == 12 and res["provenance"]["template"] == "rtd_synthetic.ipynb"
    for name in ("clouds.png", "measures.png", "tau_over_seeds.png"):
        assert (run_dir / name).read_bytes()[:4] == b"\x89PNG"


def test_released_svcca_reproduces_the_papers_clusters_tau():
    "The RTD authors' SVCCA centring gives the paper's τ = 0.143 on the paper's clusters (seed 7); the standard SVCCA does not."
    import numpy as np
    from scipy.stats import kendalltau
    from geonb.rtd import svcca, svcca_released
    np.random.seed(7)
    groups = [np.random.multivariate_normal([0, 0], np.eye(2), size=5) for _ in range(60)]
    base, ks = np.concatenate(groups), [2, 3, 4, 5, 6, 10, 12]
    def variant(k):
        angle = 2 * np.pi * (np.arange(60) % k) / k
        return np.concatenate([g + 10 * np.array([np.cos(a), np.sin(a)]) for g, a in zip(groups, angle)])
    released = kendalltau(ks, [svcca_released(base, variant(k)) for k in ks])[0]
    standard = kendalltau(ks, [svcca(base, variant(k)) for k in ks])[0]
    assert abs(released - 0.1429) < 1e-3, released
    assert abs(standard - 0.1429) > 0.05, standard
