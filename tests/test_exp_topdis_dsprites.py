"""The TopDis experiment notebook: paired runs at tiny size, and the `paper` size starting, checkpointing and resuming exactly."""
import json, math
from pathlib import Path

import papermill as pm

from geonb.run import run_experiment

NB = Path(__file__).resolve().parents[1] / "nbs" / "experiments" / "topdis_dsprites.ipynb"
TINY = dict(steps=4, delay=2, n_seeds=2, models=["beta_vae", "beta_vae+topdis"], latent_dim=3, n_train=200, n_test=100,
            fv_votes=40, dci_train=60, dci_test=30, eval_seeds=2, batch_size=16, device="cpu", threads=1, jobs=2)


def test_topdis_dsprites_tiny_paired(tmp_path):
    "Tiny paired run: every model scored and checked for failure, the claim judged by geonb.evidence, results.json complete."
    rd = run_experiment(NB, dict(size="demo", switch_on=0, **TINY), tmp_path, progress=False)
    res = json.loads((rd / "results.json").read_text())
    assert set(res["per_seed"]) == {f"{m}/seed{s}" for m in TINY["models"] for s in (0, 1)}
    for key, row in res["per_seed"].items():
        assert 0 <= row["mig"] <= 1 and 0 <= row["sap"] <= 1 and 0 <= row["dci"] <= 1, (key, row)
        assert math.isfinite(row["recon_error"]) and row["recon_error"] > 0, (key, row)
        assert isinstance(row["failed"], bool) and (row["failure"] is None) == (not row["failed"]), (key, row)
        assert 0 <= row["active_latents"] <= TINY["latent_dim"], (key, row)
    # 4 steps leave every model on the mean-image plateau: each is reported as a failed training with its cause
    assert all(r["failed"] and r["failure"].startswith("collapse") for r in res["per_seed"].values()), res["per_seed"]
    assert res["per_seed"]["beta_vae+topdis/seed0"]["topdis_on_at"] == 2 and res["per_seed"]["beta_vae/seed0"]["topdis_on_at"] is None
    row = res["reproduction"][0]
    assert row["claim_id"] == "topdis_dsprites_beta_vae" and row["n_failed"] == 2 and row["verdict"] == "too few seeds", row
    assert res["headline"]["failed_trainings"] == 4 and res["headline"]["beta_vae_mig_diff"] is None, res["headline"]
    assert res["provenance"]["template"] == "topdis_dsprites.ipynb" and "topdis_dsprites_beta_vae" in res["provenance"]["rules"]
    for name in ("paired.png", "training_curves.png"):
        assert (rd / name).read_bytes()[:4] == b"\x89PNG", name
    assert len(list(rd.glob("ckpt_*.pt"))) == 4 and len(list(rd.glob("scores_*.json"))) == 4


def test_topdis_dsprites_headline_is_the_paired_mean(tmp_path):
    "With models that leave the plateau (60 steps, lr 3e-3), the headline difference is the mean over the pairs that did not fail."
    rd = run_experiment(NB, dict(size="demo", **{**TINY, "steps": 60, "delay": 1, "switch_on": 0.95, "lr": 3e-3, "batch_size": 32}),
                        tmp_path, progress=False)
    res = json.loads((rd / "results.json").read_text())
    ok = [s for s in (0, 1) if not (res["per_seed"][f"beta_vae/seed{s}"]["failed"] or res["per_seed"][f"beta_vae+topdis/seed{s}"]["failed"])]
    for m in ("mig", "recon_error"):
        d = [res["per_seed"][f"beta_vae+topdis/seed{s}"][m] - res["per_seed"][f"beta_vae/seed{s}"][m] for s in ok]
        want = round(sum(d) / len(d), 4) if d else None
        assert res["headline"][f"beta_vae_{m}_diff"] == want, (m, res["headline"], d)
    assert res["reproduction"][0]["seeds"] == ok, (res["reproduction"][0]["seeds"], ok)


def test_topdis_dsprites_paper_size_resumes_exactly(tmp_path):
    "The paper's setting (64×64 full dSprites, lr 1e-4) for a few steps: 2 steps + resume to 4 equals 4 steps at once."
    small = dict(n_seeds=1, models=["factor_vae+topdis"], delay=1, metrics=["mig"], n_train=200,
                 eval_seeds=1, checkpoint_every=2, device="cpu", threads=1, jobs=1, disc_hidden=32)
    def run(folder, steps):
        folder.mkdir(exist_ok=True)
        pm.execute_notebook(str(NB), str(folder / "run.ipynb"), parameters=dict(size="paper", steps=steps, out_dir=str(folder), **small),
                            progress_bar=False)
        return json.loads((folder / "results.json").read_text())
    once = run(tmp_path / "once", 4)
    run(tmp_path / "resumed", 2)
    resumed = run(tmp_path / "resumed", 4)
    assert once["parameters"]["image_size"] == 64 and once["parameters"]["lr"] == 1e-4 and once["parameters"]["data_name"] == "dsprites"
    for key in once["per_seed"]:
        for m in ("mig", "recon_error"):
            assert once["per_seed"][key][m] == resumed["per_seed"][key][m], (key, m, once["per_seed"][key], resumed["per_seed"][key])
