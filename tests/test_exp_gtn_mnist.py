"""The GTN-vs-VAE MNIST experiment runs end to end at tiny sizes and writes sane, self-consistent results."""
import math
from pathlib import Path

from geonb.core import load_json
from geonb.run import run_experiment

NB = Path(__file__).resolve().parents[1] / "nbs" / "experiments" / "gtn_mnist.ipynb"


def test_gtn_mnist_tiny(tmp_path):
    params = {"size": "demo", "n_seeds": 2, "n_train": 400, "n_test": 400, "epochs": 1, "gtn_epochs": 3, "d_values": [2],
              "classifier_epochs": 3, "n_classifier": 5000, "n_curve": 100, "n_id": 300, "labelings": "greedy_cosine", "jobs": 1}
    run_dir = run_experiment(NB, params, tmp_path, progress=False)
    res = load_json(run_dir / "results.json")
    head = res["headline"]
    assert res["parameters"]["n_train"] == 400 and isinstance(res["data_source"], str) and res["data_source"]
    assert all(math.isfinite(head[k]) for k in ("gtn_frechet", "vae_frechet", "frechet_difference", "id_twonn")), head
    # the paired difference is the mean of the per-seed differences of the scores that were written
    per = {(r["set"], r["seed"]): r for r in res["per_seed"]}
    diffs = [per[("gtn/greedy_cosine", s)]["frechet"] - per[("vae", s)]["frechet"] for s in (0, 1)]
    assert abs(head["frechet_difference"] - sum(diffs) / 2) < 1e-9, (head["frechet_difference"], diffs)
    lo, hi = head["frechet_difference_ci"]
    assert lo <= head["frechet_difference"] <= hi, (lo, head["frechet_difference"], hi)
    # real held-out images are the floor: far closer to the reference than one-epoch generators
    assert res["floor"]["frechet"] < 0.5 * min(head["gtn_frechet"], head["vae_frechet"]), (res["floor"], head)
    assert res["floor"]["coverage"] == 1.0 and res["classifier_test_accuracy"] > 0.5, (res["floor"], res["classifier_test_accuracy"])
    for r in res["per_seed"]:
        assert 0 <= r["precision"] <= 1 and 0 <= r["recall"] <= 1 and 0 <= r["coverage"] <= 1, r
    # one curve point per epoch for the VAE (1 epoch) and at most gtn_epochs for the GTN; the sweep holds d = 2 and 5
    for row in (r for r in res["rows"] if r["d"] == 5):
        assert len(row["curves"]["vae"]) == 1 and 1 <= len(row["curves"]["gtn/greedy_cosine"]) <= 3, row["curves"]
    assert sorted(r["d"] for r in res["sweep"]) == [2, 5] and 1 < head["id_twonn"] < 100, (res["sweep"], head["id_twonn"])
    assert [row["verdict"] for row in res["reproduction"]] == list(res["verdicts"].values())
    for name in ("convergence", "intrinsic_dimension", "samples", "interpolation"):
        assert (run_dir / f"{name}.png").read_bytes()[:4] == b"\x89PNG", name
