"""A new user's install: the wheel built from this repository, installed into a fresh virtual environment.

The plain install runs the library without the experiment tools (no papermill, pandas, Jupyter);
`geonb[experiments]` adds what `geonb-run` needs, and a shipped experiment runs by its name from a
folder outside the repository. Slow (a few minutes: a virtual environment and its packages), so it
runs once, in `make test`. The wheel's metadata is checked against pyproject.toml first (seconds)."""
import email, json, os, re, subprocess, sys, textwrap, tomllib, zipfile

import pytest

from conftest import ROOT

TORCH = os.environ.get("TORCH", "torch==2.13.0")  # the CPU build (as in the Makefile): a plain `torch` pulls CUDA


def sh(cmd, cwd, timeout=1200):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, env={**env, "OMP_NUM_THREADS": "1"}, capture_output=True,
                       text=True, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} exited {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}"
    return r.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    sh([sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "--no-build-isolation", "-w", out, "-q"], cwd=out)
    (whl,) = out.glob("geonb-*.whl")
    return whl


def _requirement(line: str) -> tuple:
    "A requirement as (name, extras, specifier, the extra that brings it): comparable across spellings."
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    req = Requirement(line)
    extra = re.search(r'extra\s*==\s*"([^"]+)"', str(req.marker or ""))
    return canonicalize_name(req.name), tuple(sorted(req.extras)), str(req.specifier), extra and extra.group(1)


def test_wheel_metadata_matches_pyproject(wheel):
    "The wheel says what pyproject.toml says: name, version, summary, requirements, extras, scripts, URLs, license."
    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    version = re.search(r'^__version__\s*=\s*"([^"]+)"', (ROOT / "geonb" / "__init__.py").read_text(), re.M).group(1)
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(z.read(f"{info}/METADATA"))
        scripts = z.read(f"{info}/entry_points.txt").decode()
    assert (meta["Name"], meta["Version"], meta["Summary"]) == (proj["name"], version, proj["description"]), dict(meta.items())
    assert (meta["Requires-Python"], meta["License-Expression"]) == (proj["requires-python"], proj["license"]), dict(meta.items())
    expected = {_requirement(r) for r in proj["dependencies"]}
    expected |= {_requirement(f'{r}; extra == "{extra}"') for extra, reqs in proj["optional-dependencies"].items() for r in reqs}
    got = {_requirement(r) for r in meta.get_all("Requires-Dist")}
    assert got == expected, f"only in the wheel: {sorted(got - expected, key=str)}; only in pyproject.toml: {sorted(expected - got, key=str)}"
    assert set(meta.get_all("Provides-Extra")) == set(proj["optional-dependencies"]), meta.get_all("Provides-Extra")
    assert sorted(meta.get_all("Project-URL")) == sorted(f"{k}, {v}" for k, v in proj["urls"].items()), meta.get_all("Project-URL")
    assert sorted(meta.get_all("Classifier")) == sorted(proj["classifiers"]), meta.get_all("Classifier")
    for name, target in proj["scripts"].items(): assert f"{name} = {target}" in scripts, scripts
    assert f"{info}/licenses/LICENSE" in names and "geonb/experiments/gtn_toys.ipynb" in names, names
    assert {n.split("/")[0] for n in names} == {"geonb", info}, sorted({n.split("/")[0] for n in names})


@pytest.mark.slow
def test_wheel_install_base_then_experiments(wheel, tmp_path):
    venv, user = tmp_path / "venv", tmp_path / "user"; user.mkdir()
    py = venv / "bin" / "python"
    sh([sys.executable, "-m", "venv", venv], cwd=user)
    sh([py, "-m", "pip", "install", "-q", TORCH], cwd=user)
    sh([py, "-m", "pip", "install", "-q", wheel], cwd=user)
    # the plain install: every library module imports, and none of the experiment tools came with it
    # (filelock and pyyaml are not checked: PyTorch and diffusers (huggingface-hub) require them)
    code = textwrap.dedent("""
        import importlib, importlib.util, json, pkgutil, geonb
        mods = [m.name for m in pkgutil.iter_modules(geonb.__path__) if m.name not in ("_modidx", "run", "experiments")]
        for m in mods: importlib.import_module("geonb." + m)
        absent = [p for p in ("papermill", "pandas", "ipykernel", "ipywidgets", "nbdev") if importlib.util.find_spec(p)]
        from geonb.results import list_experiments, experiments_dir
        print(json.dumps({"mods": mods, "present": absent, "experiments": list_experiments(), "dir": str(experiments_dir())}))
    """)
    info = json.loads(sh([py, "-c", code], cwd=user).strip().splitlines()[-1])
    assert info["present"] == [], f"the plain install brought {info['present']}"
    assert {"core", "rtd", "gtn", "results", "train"} <= set(info["mods"]), info["mods"]
    assert {"gtn_toys", "rtd_synthetic", "topdis_dsprites"} <= set(info["experiments"]), info
    assert info["dir"].startswith(str(venv)), f"experiments read from {info['dir']}, not from the installed package"
    # the experiments extra: geonb-run lists, describes and runs a shipped experiment by name, outside the repository
    sh([py, "-m", "pip", "install", "-q", f"{wheel}[experiments]"], cwd=user)
    run = venv / "bin" / "geonb-run"
    listing = sh([run, "--list"], cwd=user)
    assert "rtd_synthetic" in listing and "gtn_toys" in listing, listing
    desc = sh([run, "--describe", "gtn_toys"], cwd=user)
    assert "named sizes" in desc and "demo" in desc and "n_seeds" in desc, desc
    out = sh([run, "rtd_synthetic", "--out-dir", "runs", "--quiet", "-p", "cluster_ks", "[2, 4, 10]", "-p", "ring_points", "40"], cwd=user)
    (rd,) = (user / "runs" / "rtd_synthetic").iterdir()
    res = json.loads((rd / "results.json").read_text())
    assert "clusters_tau_rtd" in res["headline"], res["headline"]
    assert "[1/1] rtd_synthetic" in out and "done in" in out and "clusters_tau_rtd=" in out, out
