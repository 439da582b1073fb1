"""The GTN MNIST experiment (conv AE + GTN + conv VAE baseline on real MNIST) runs end to end at tiny sizes and writes sane results."""
import math
from pathlib import Path

from geonb.core import load_json
from geonb.run import run_experiment

NB = Path(__file__).resolve().parents[1] / "nbs" / "experiments" / "gtn_mnist.ipynb"


def test_gtn_mnist_tiny(tmp_path):
    params = {"n_train": 300, "n_test": 200, "ae_epochs": 1, "vae_epochs": 1, "gtn_epochs": 3, "n_gen": 100, "n_id": 200,
              "labelings": "greedy_cosine", "latent_dim": 4}
    run_dir = run_experiment(NB, params, tmp_path, progress=False)
    res = load_json(run_dir / "results.json")
    head = res["headline"]
    assert set(head) == {"gtn_recall", "vae_recall", "gtn_mmd2", "vae_mmd2", "gtn_vae_time_ratio", "id_twonn_pixels"}
    assert all(isinstance(v, float) and math.isfinite(v) for v in head.values())
    # real MNIST was loaded, the subsets have the requested sizes, and the source is recorded
    assert isinstance(res["data_source"], str) and res["data_source"]
    assert res["n_train"] == 300 and res["n_test"] == 200 and res["parameters"]["latent_dim"] == 4
    for name, m in res["metrics"].items():
        assert 0 <= m["precision"] <= 1 and 0 <= m["recall"] <= 1 and 0 <= m["coverage"] <= 1, name
        assert 0 <= m["entropy"] <= 1 + 1e-9 and abs(sum(m["class_shares"]) - 1) < 1e-9, name
    # real training codes are the reference: near-zero MMD and high recall regardless of training length
    ref = res["metrics"]["real_train (reference)"]
    assert abs(ref["mmd2"]) < 0.03 and ref["recall"] > 0.7 and ref["coverage"] >= 0.7
    assert res["classifier_test_accuracy"] > 0.6  # the instrument works even on 300 real digits (chance: 0.1)
    # a GTN is fitted by regression in seconds; both generators were timed
    assert res["train_seconds"]["gtn/greedy_cosine"] > 0 and res["train_seconds"]["vae"] > 0
    assert res["epochs_run"]["gtn/greedy_cosine"] <= 3 and res["epochs_run"]["vae"] == 1
    # MNIST pixels have an intrinsic dimension well above 1 and below the 784 pixels; codes live in R^4
    assert 2 < head["id_twonn_pixels"] < 100 and res["setup"]["codes"]["latent_dim"] == 4
    assert res["setup"]["codes"]["id_twonn"] < 4 + 2
    for name in ("sample_grids", "interpolation", "loss_curves"):
        assert (run_dir / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
