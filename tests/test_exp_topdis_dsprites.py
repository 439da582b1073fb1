"""The TopDis experiment notebook runs end to end at tiny size and writes its results and figures."""
import json, math
from pathlib import Path

from geonb.run import run_experiment

NB = Path(__file__).resolve().parents[1] / "nbs" / "experiments" / "topdis_dsprites.ipynb"


def test_topdis_dsprites_tiny(tmp_path):
    params = dict(steps=4, delay=2, n_seeds=1, models=["beta_vae", "factor_vae+topdis"], latent_dim=3,
                  disc_hidden=32, n_train=200, n_test=100, fv_votes=100, metrics=["mig", "factor_vae", "sap"],
                  batch_size=16, device="cpu", threads=1)
    rd = run_experiment(NB, params, tmp_path, progress=False)
    res = json.loads((rd / "results.json").read_text())
    assert set(res["headline"]) == {"beta_vae_mig", "factor_vae+topdis_mig", "beta_vae_fvae", "factor_vae+topdis_fvae"}
    for model in ("beta_vae", "factor_vae+topdis"):
        row = res["table"][model]
        assert 0 <= row["mig"]["mean"] <= 1 and 0 <= row["sap"]["mean"] <= 1
        assert math.isfinite(row["recon_error"]["mean"]) and row["recon_error"]["mean"] > 0
    assert (rd / "metrics.png").exists() and (rd / "training_curves.png").exists()
    assert len(list(rd.glob("traversals_*.png"))) == 2
    # the run can be resumed: checkpoints and per-model scores are in the run folder
    assert len(list(rd.glob("ckpt_*.pt"))) == 2 and len(list(rd.glob("scores_*.json"))) == 2
