"""The runner under bad input and bad luck: interrupts, two processes on one run, bad grid files and run names."""
import json, os, signal, subprocess, time

import pytest

from conftest import BIN, write_tiny_notebook
from geonb.run import run_id, run_status


@pytest.fixture
def holding_experiment(tmp_path):
    "Like `tiny_experiment`, but the run with n = 2 waits while the file $GEONB_TEST_HOLD exists (it first writes HOLD.started)."
    return write_tiny_notebook(tmp_path / "hold.ipynb",
        'import os, time, pathlib\nhold = os.environ.get("GEONB_TEST_HOLD")\n'
        'if hold and n == 2:\n    pathlib.Path(hold + ".started").write_text("started")\n    t0 = time.time()\n'
        '    while pathlib.Path(hold).exists() and time.time() - t0 < 120: time.sleep(0.1)')


def _env(hold):
    return {**os.environ, "GEONB_TEST_HOLD": str(hold), "OMP_NUM_THREADS": "1"}


def _wait_for(path, proc, limit=120):
    "Wait (at most `limit` seconds) until `path` exists; fail with the process's output if it ends first."
    t0 = time.time()
    while not path.exists():
        if proc.poll() is not None: pytest.fail(f"process ended early ({proc.returncode}): {proc.communicate()}")
        if time.time() - t0 > limit: proc.kill(); pytest.fail(f"{path} did not appear within {limit} s")
        time.sleep(0.1)


def test_sigint_stops_the_sweep_marks_the_run_interrupted_and_a_rerun_resumes(holding_experiment, tmp_path):
    grid, out, hold = tmp_path / "grid.yaml", tmp_path / "runs", tmp_path / "hold"
    grid.write_text("n: [1, 2, 3]\n"); hold.write_text("")
    cmd = [BIN / "geonb-sweep", holding_experiment, "--grid", grid, "--out-dir", out]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(hold))
    _wait_for(tmp_path / "hold.started", proc)
    proc.send_signal(signal.SIGINT)
    try: stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired: proc.kill(); pytest.fail("geonb-sweep did not stop within 60 s of SIGINT")
    assert proc.returncode == 130, (proc.returncode, stderr[-2000:])
    assert "geonb-sweep: interrupted (SIGINT): the sweep stopped" in stderr, stderr[-2000:]
    rd = {n: out / "hold" / run_id({"n": n}) for n in (1, 2, 3)}
    assert [run_status(rd[n]) for n in (1, 2, 3)] == ["done", "interrupted", "missing"]
    assert (rd[2] / "hold.ipynb").exists()  # the executed notebook so far is kept
    assert not [p.name for p in (out / "hold").iterdir() if ".tmp-" in p.name]  # no temporary folder left behind
    # the re-run skips the finished run and repeats the interrupted one
    hold.unlink(); t1 = (rd[1] / "results.json").stat().st_mtime_ns
    r = subprocess.run(cmd, capture_output=True, text=True, env=_env(hold), timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert [run_status(rd[n]) for n in (1, 2, 3)] == ["done"] * 3
    assert (rd[1] / "results.json").stat().st_mtime_ns == t1
    assert not (rd[2] / "interrupted.txt").exists()


def test_sigint_stops_a_sweep_with_two_local_workers(holding_experiment, tmp_path):
    grid, out, hold = tmp_path / "grid.yaml", tmp_path / "runs", tmp_path / "hold"
    grid.write_text("n: [2, 1, 3, 4, 5, 6]\n"); hold.write_text("")
    proc = subprocess.Popen([BIN / "geonb-sweep", holding_experiment, "--grid", grid, "--out-dir", out, "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(hold))
    _wait_for(tmp_path / "hold.started", proc)
    proc.send_signal(signal.SIGINT)  # to the sweep only: it stops its workers itself
    try: _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired: proc.kill(); pytest.fail("geonb-sweep --jobs 2 did not stop within 60 s of SIGINT")
    hold.unlink()
    assert proc.returncode == 130 and "geonb-sweep: interrupted" in stderr, (proc.returncode, stderr[-2000:])
    status = [run_status(out / "hold" / run_id({"n": n})) for n in (2, 1, 3, 4, 5, 6)]
    assert status[0] == "interrupted" and "missing" in status and "failed" not in status, status
    assert not [p.name for p in (out / "hold").iterdir() if ".tmp-" in p.name]

def test_one_process_per_run_and_sigterm_marks_it_interrupted(holding_experiment, tmp_path):
    out, hold = tmp_path / "runs", tmp_path / "hold"
    hold.write_text("")
    cmd = [BIN / "geonb-run", holding_experiment, "-p", "n", "2", "--out-dir", out, "--quiet"]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(hold))
    _wait_for(tmp_path / "hold.started", first)
    second = subprocess.run(cmd, capture_output=True, text=True, env=_env(hold), timeout=120)
    assert second.returncode == 2 and "is being executed by another process" in second.stderr, second.stderr[-2000:]
    first.send_signal(signal.SIGTERM)
    try: _, stderr = first.communicate(timeout=60)
    except subprocess.TimeoutExpired: first.kill(); pytest.fail("geonb-run did not stop within 60 s of SIGTERM")
    assert first.returncode == 130 and "interrupted (SIGTERM)" in stderr, (first.returncode, stderr[-2000:])
    assert run_status(out / "hold" / run_id({"n": 2})) == "interrupted"


def _sweep(nb, grid_text, tmp_path):
    grid = tmp_path / "grid.yaml"; grid.write_text(grid_text)
    return subprocess.run([BIN / "geonb-sweep", nb, "--grid", grid, "--out-dir", tmp_path / "runs"],
                          capture_output=True, text=True, timeout=120), grid


@pytest.mark.parametrize("text, message", [
    ("n: [1, 2\n", "is not valid YAML"), ("n: 1\n---\nn: 2\n", "holds several YAML documents"),
    ("[]\n", "empty list: it describes no runs"), ("{}\n", "empty mapping {}"), ("", "is empty"),
    ("n: [1, 1.0, true]\n", "values that compare equal in Python: [1, 1.0, True]"), ("n: [1]\nout_dir: [x]\n", "set by the runner")])
def test_bad_grid_files_are_refused_naming_the_problem(tiny_experiment, tmp_path, text, message):
    r, grid = _sweep(tiny_experiment, text, tmp_path)
    assert r.returncode == 2 and message in r.stderr, r.stderr[-2000:]
    assert "Traceback" not in r.stderr and not (tmp_path / "runs" / "tiny").exists()
    if "YAML" in message: assert str(grid) in r.stderr


def test_run_names_stay_inside_the_experiment_folder(tiny_experiment, tmp_path):
    out = tmp_path / "a" / "b" / "runs"
    r = subprocess.run([BIN / "geonb-run", tiny_experiment, "--name", "../../x", "--out-dir", out],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "`run_name` must be a plain folder name" in r.stderr, r.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["tiny.ipynb"]  # nothing written anywhere


def test_a_named_run_keeps_its_parameters_and_values_follow_yaml_1_2(tiny_experiment, tmp_path):
    out = tmp_path / "runs"
    run = lambda *a: subprocess.run([BIN / "geonb-run", tiny_experiment, "--out-dir", out, "--quiet", *a],
                                    capture_output=True, text=True, timeout=300)
    r = run("--name", "exp", "-p", "n", "010")
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads((out / "tiny" / "exp" / "results.json").read_text())
    assert res["headline"]["twice_n"] == 20  # 010 is ten, not octal eight
    r = run("--name", "exp", "-p", "n", "2")
    assert r.returncode == 2 and "was made with parameters {'n': 10}, not {'n': 2}" in r.stderr, r.stderr[-2000:]
    assert json.loads((out / "tiny" / "exp" / "results.json").read_text()) == res
