"""Work survives a kill: a killed training resumes bit-identically, a killed sweep leaves no process behind,
finished runs stay readable for colleagues and in read-only folders, and the command line refuses what it cannot run."""
import json, os, signal, stat, subprocess, time

import nbformat
import psutil
import pytest

from conftest import BIN, write_tiny_notebook
from geonb.run import collect, run_experiment, run_id, run_status

TRAINING = '''\
import os, time, pathlib
import numpy as np, torch
from torch import nn
from geonb.core import load_checkpoint, save_json, stable_hash
from geonb.train import mse_loss, train_model
torch.set_num_threads(1)
ckpt = pathlib.Path(out_dir) / "model.pt"
resumed_from = load_checkpoint(ckpt)["step"] if ckpt.exists() else 0
rng = np.random.default_rng(seed); X = rng.normal(size=(256, 4)).astype("float32"); Y = np.tanh(X @ rng.normal(size=(4, 2))).astype("float32")
torch.manual_seed(seed); model = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.1), nn.Tanh(), nn.Linear(16, 2))
hold = os.environ.get("GEONB_TEST_HOLD")
def wait_here(step, logs):  # with $GEONB_TEST_HOLD set, the first attempt stops at step 25 until the file is removed (or killed)
    if hold and step == 25 and not resumed_from:
        pathlib.Path(hold + ".started").write_text(str(os.getpid()))
        t0 = time.time()
        while pathlib.Path(hold).exists() and time.time() - t0 < 120: time.sleep(0.05)
h = train_model(model, (X, Y), epochs=10, batch_size=64, lr=1e-2, loss=mse_loss, val_fraction=0.25, seed=seed,
                checkpoint=ckpt, checkpoint_every=5, resume=True, callback=wait_here, progress=False)
weights = torch.cat([t.flatten() for t in model.state_dict().values()])
save_json({"headline": {"val_loss": float(h["val_loss"][-1])}, "resumed_from": resumed_from,
           "weights_hash": stable_hash(weights), "val_losses": h["val_loss"].tolist()}, pathlib.Path(out_dir) / "results.json")
'''


def _training_notebook(path):
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('out_dir = "."\nseed = 0'); p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(TRAINING)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _env(hold=None):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("GEONB_TEST_HOLD", None)
    return env if hold is None else {**env, "GEONB_TEST_HOLD": str(hold)}


def _wait_for(path, proc, limit=120):
    t0 = time.time()
    while not path.exists():
        if proc.poll() is not None: pytest.fail(f"process ended early ({proc.returncode}): {proc.communicate()}")
        if time.time() - t0 > limit: proc.kill(); pytest.fail(f"{path} did not appear within {limit} s")
        time.sleep(0.05)


def _gone(pids, limit):
    "The pids still alive (zombies count as gone) after waiting at most `limit` seconds."
    t0 = time.time()
    while True:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE: alive.append(pid)
            except psutil.NoSuchProcess: pass
        if not alive or time.time() - t0 > limit: return alive
        time.sleep(0.1)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    "The training notebook run once without interruption: (notebook, its results)."
    d = tmp_path_factory.mktemp("train")
    nb = _training_notebook(d / "train.ipynb")
    r = subprocess.run([BIN / "geonb-run", nb, "--out-dir", d / "whole", "--quiet"], capture_output=True, text=True, env=_env(), timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return nb, json.loads((d / "whole" / "train" / "default" / "results.json").read_text())


@pytest.mark.parametrize("sig, status", [(signal.SIGKILL, "unfinished"), (signal.SIGTERM, "interrupted")])
def test_a_killed_training_resumes_from_its_checkpoint_and_ends_bit_identical(uninterrupted, tmp_path, sig, status):
    nb, whole = uninterrupted
    assert whole["resumed_from"] == 0
    out, hold = tmp_path / "runs", tmp_path / "hold"
    hold.write_text("")
    cmd = [BIN / "geonb-run", nb, "--out-dir", out, "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(hold))
    _wait_for(tmp_path / "hold.started", proc)
    kernel = int((tmp_path / "hold.started").read_text())
    proc.send_signal(sig)
    try: proc.communicate(timeout=60)
    except subprocess.TimeoutExpired: proc.kill(); pytest.fail(f"geonb-run did not stop within 60 s of {sig.name}")
    assert not _gone([kernel], 15), f"the notebook's kernel {kernel} outlived geonb-run by 15 s"
    rd = out / "train" / "default"
    assert run_status(rd) == status, (run_status(rd), sorted(p.name for p in rd.iterdir()))
    assert (rd / "model.pt").exists(), sorted(p.name for p in rd.iterdir())  # the checkpoint survived the kill
    hold.unlink()
    r = subprocess.run(cmd, capture_output=True, text=True, env=_env(hold), timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads((rd / "results.json").read_text())
    assert res["resumed_from"] == 25, res["resumed_from"]  # the checkpoint written after step 24 (every 5 steps)
    assert (res["weights_hash"], res["val_losses"]) == (whole["weights_hash"], whole["val_losses"])
    assert run_status(rd) == "done"


@pytest.fixture
def holding_experiment(tmp_path):
    "Like `tiny_experiment`, but the run with n = 2 waits while the file $GEONB_TEST_HOLD exists (it first writes HOLD.started)."
    return write_tiny_notebook(tmp_path / "hold.ipynb",
        'import os, time, pathlib\nhold = os.environ.get("GEONB_TEST_HOLD")\n'
        'if hold and n == 2:\n    pathlib.Path(hold + ".started").write_text(str(os.getpid()))\n    t0 = time.time()\n'
        '    while pathlib.Path(hold).exists() and time.time() - t0 < 120: time.sleep(0.1)')


def test_sigkill_of_a_sweep_with_two_workers_leaves_no_process_behind(holding_experiment, tmp_path):
    grid, out, hold = tmp_path / "grid.yaml", tmp_path / "runs", tmp_path / "hold"
    grid.write_text("n: [2, 1, 3, 4]\n"); hold.write_text("")
    cmd = [BIN / "geonb-sweep", holding_experiment, "--grid", grid, "--out-dir", out, "--jobs", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(hold))
    _wait_for(tmp_path / "hold.started", proc)
    t0 = time.time()
    while run_status(out / "hold" / run_id({"n": 4})) != "done" and time.time() - t0 < 120: time.sleep(0.1)  # the other worker idles
    family = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    assert len(family) >= 3, family  # two workers and the held run's kernel
    proc.kill()
    try: proc.communicate(timeout=30)  # returns only when every process holding its stdout has ended (`| tee log`)
    except subprocess.TimeoutExpired: pytest.fail("the sweep's output stayed open 30 s after SIGKILL: children hold it")
    alive = _gone(family, 15)
    for pid in alive: os.kill(pid, signal.SIGKILL)
    assert not alive, f"processes of the killed sweep still running after 15 s: {alive}"
    assert run_status(out / "hold" / run_id({"n": 2})) == "interrupted"  # the worker marked its run before it exited
    hold.unlink()
    r = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert [run_status(out / "hold" / run_id({"n": n})) for n in (2, 1, 3, 4)] == ["done"] * 4


def test_finished_runs_are_readable_by_others_and_served_from_a_read_only_folder(tiny_experiment, tmp_path):
    out = tmp_path / "runs"
    r = subprocess.run([BIN / "geonb-run", tiny_experiment, "-p", "n", "4", "--out-dir", out, "--quiet"],
                       capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.umask(0o022))
    assert r.returncode == 0, r.stderr[-2000:]
    rd = out / "tiny" / run_id({"n": 4})
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in rd.iterdir()}
    assert modes == {"done.json": "0o644", "parameters.json": "0o644", "results.json": "0o644", "tiny.ipynb": "0o644"}, modes
    # a done run is served without writing anything (no lock, no folder): it works in a read-only out-dir
    import shutil; shutil.rmtree(out / ".locks")
    before = sorted(str(p) for p in out.rglob("*"))
    assert run_experiment(tiny_experiment, {"n": 4}, out, progress=False) == rd
    assert sorted(str(p) for p in out.rglob("*")) == before
    if os.geteuid() != 0:  # root writes through read-only modes
        for p in [out, *out.rglob("*")]: p.chmod(p.stat().st_mode & ~0o222)
        try:
            r = subprocess.run([BIN / "geonb-run", tiny_experiment, "-p", "n", "4", "--out-dir", out, "--quiet"],
                               capture_output=True, text=True, timeout=120)
            assert r.returncode == 0 and "n=8" not in r.stderr and "twice_n=8" in r.stdout, r.stderr[-2000:]
        finally:
            for p in [out, *out.rglob("*")]: p.chmod(p.stat().st_mode | 0o200)


def test_a_symlinked_summary_is_replaced_not_written_through(tiny_experiment, tmp_path):
    grid, out, precious = tmp_path / "grid.yaml", tmp_path / "runs", tmp_path / "precious.txt"
    grid.write_text("n: [1]\n"); precious.write_text("a user's file")
    cmd = [BIN / "geonb-sweep", tiny_experiment, "--grid", grid, "--out-dir", out]
    assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
    (out / "tiny" / "summary.md").unlink(); (out / "tiny" / "summary.md").symlink_to(precious)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert precious.read_text() == "a user's file" and not (out / "tiny" / "summary.md").is_symlink()


def _cli(*args, timeout=120):
    return subprocess.run([BIN / args[0], *map(str, args[1:])], capture_output=True, text=True, timeout=timeout)


def test_negative_numbers_are_parameter_values_and_names_are_given_once(tiny_experiment, tmp_path):
    out = tmp_path / "runs"
    r = _cli("geonb-run", tiny_experiment, "-p", "n", "-1e3", "--out-dir", out, "--quiet")
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((out / "tiny" / run_id({"n": -1000.0}) / "results.json").read_text())["n"] == -1000.0
    r = _cli("geonb-run", tiny_experiment, "-p", "n", "1", "-p", "n", "2", "--out-dir", out)
    assert r.returncode == 2 and "-p n is given 2 times" in r.stderr, r.stderr[-2000:]


def test_named_runs_cannot_take_the_names_of_parameter_runs(tiny_experiment, tmp_path):
    out = tmp_path / "runs"
    for name in ("default", run_id({"n": 2})):
        r = _cli("geonb-run", tiny_experiment, "--name", name, "-p", "n", "5", "--out-dir", out)
        assert r.returncode == 2 and f"`run_name` {name!r} is reserved" in r.stderr, r.stderr[-2000:]
    assert not (out / "tiny").exists()


def test_a_notebook_with_a_dot_stem_is_refused(tmp_path):
    nb = write_tiny_notebook(tmp_path / "...ipynb")
    r = _cli("geonb-run", nb, "--out-dir", tmp_path / "out" / "runs")
    assert r.returncode == 2 and "must not be empty or start with '.'" in r.stderr, r.stderr[-2000:]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text, message", [
    ("n: [1, 2]\nseed: [0]\nn: [3]\n", "the key 'n' is given more than once"),
    ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nn: [*b, *b, *b, *b, *b, *b, *b, *b]\n",
     "YAML aliases (*name) are not accepted")])
def test_duplicate_keys_and_aliases_in_grid_files_are_refused(tiny_experiment, tmp_path, text, message):
    grid = tmp_path / "grid.yaml"; grid.write_text(text)
    t0 = time.time()
    r = _cli("geonb-sweep", tiny_experiment, "--grid", grid, "--out-dir", tmp_path / "runs")
    assert r.returncode == 2 and message in r.stderr, r.stderr[-2000:]
    assert time.time() - t0 < 60 and not (tmp_path / "runs" / "tiny").exists()


def test_a_local_scheduler_without_workers_is_refused(tiny_experiment, tmp_path):
    grid = tmp_path / "grid.yaml"; grid.write_text("n: [1]\n")
    r = _cli("geonb-sweep", tiny_experiment, "--grid", grid, "--out-dir", tmp_path / "runs", "--scheduler", "local:0", timeout=60)
    assert r.returncode == 2 and "'local:N' with N ≥ 1" in r.stderr, r.stderr[-2000:]


def test_damaged_runs_are_listed_and_run_again(tiny_experiment, tmp_path):
    out = tmp_path / "runs"
    for n in (1, 2): run_experiment(tiny_experiment, {"n": n}, out, progress=False)
    (out / "tiny" / run_id({"n": 1}) / "parameters.json").write_text('{"parameters": {"n"')
    df = collect(out).set_index("run")
    assert df.loc[run_id({"n": 1}), "status"] == "damaged" and df.loc[run_id({"n": 2}), "status"] == "done"
    run_experiment(tiny_experiment, {"n": 1}, out, progress=False)
    assert run_status(out / "tiny" / run_id({"n": 1})) == "done"
