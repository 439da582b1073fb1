"""The GTN digits experiment (AE + GTN + VAE baseline) runs end to end at tiny sizes and writes sane results."""
import math
from pathlib import Path

from geonb.core import load_json
from geonb.run import run_experiment


def test_gtn_digits_tiny(tmp_path):
    params = {"ae_epochs": 3, "gtn_epochs": 3, "vae_epochs": 3, "n_gen": 120, "labelings": "greedy_cosine", "latent_dim": 4}
    run_dir = run_experiment(Path("nbs/experiments/gtn_digits.ipynb"), params, tmp_path, progress=False)
    res = load_json(run_dir / "results.json")
    head = res["headline"]
    assert set(head) == {"gtn_recall", "vae_recall", "gtn_mmd2", "vae_mmd2", "gtn_class_coverage", "id_twonn_pixels"}
    assert all(isinstance(v, float) and math.isfinite(v) for v in head.values())
    for name, m in res["metrics"].items():
        assert 0 <= m["precision"] <= 1 and 0 <= m["recall"] <= 1 and 0 <= m["coverage"] <= 1, name
        assert abs(sum(m["class_shares"]) - 1) < 1e-9, name
    # real training codes are the reference: near-zero MMD and high recall regardless of training length
    ref = res["metrics"]["real_train (reference)"]
    assert abs(ref["mmd2"]) < 0.02 and ref["recall"] > 0.7
    assert res["classifier_test_accuracy"] > 0.9  # the instrument itself works
    assert 1 < head["id_twonn_pixels"] < 64 and res["setup"]["codes"]["latent_dim"] == 4
    for name in ("sample_grids", "interpolation", "loss_curves"):
        assert (run_dir / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
