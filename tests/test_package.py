"""Tests of the installed package and of the repository's conventions."""
import configparser, json, re, subprocess, sys, tomllib

import nbformat

import geonb
from conftest import BIN, ROOT

CFG = configparser.ConfigParser(delimiters=["="])
CFG.read(ROOT / "settings.ini")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]  # the package metadata


def source_version() -> str:
    "`__version__` as written in geonb/__init__.py (the one place the version is set)."
    return re.search(r'^__version__\s*=\s*"([^"]+)"', (ROOT / "geonb" / "__init__.py").read_text(), re.M).group(1)


def test_version_matches_settings():
    assert geonb.__version__ == source_version() == CFG["DEFAULT"]["version"], (geonb.__version__, source_version(), CFG["DEFAULT"]["version"])


def test_settings_ini_agrees_with_pyproject():
    "settings.ini mirrors pyproject.toml's [project] for tools that read it: every value it holds must agree."
    s, urls = CFG["DEFAULT"], PROJECT["urls"]
    classifiers = set(PROJECT["classifiers"])
    statuses = {c.split(" :: ")[1].split(" - ")[0] for c in classifiers if c.startswith("Development Status")}
    expected = {
        "lib_name": PROJECT["name"], "repo": PROJECT["name"], "version": source_version(),
        "min_python": PROJECT["requires-python"].removeprefix(">="), "license": {"Apache-2.0": "apache2"}.get(PROJECT["license"]),
        "description": PROJECT["description"], "keywords": " ".join(PROJECT["keywords"]),
        "author": PROJECT["authors"][0]["name"], "author_email": PROJECT["authors"][0]["email"],
        "git_url": urls["Repository"], "user": urls["Repository"].rstrip("/").split("/")[-2],
        "doc_host": "/".join(urls["Documentation"].split("/")[:3]), "doc_baseurl": "/" + "/".join(urls["Documentation"].split("/")[3:]),
        "status": next(iter(statuses)), "audience": next(c.split(" :: ")[1] for c in classifiers if c.startswith("Intended Audience")),
        "language": next(c.split(" :: ")[1] for c in classifiers if c.startswith("Natural Language")),
    }
    wrong = {k: (s.get(k), v) for k, v in expected.items() if s.get(k) != v}
    assert not wrong, f"settings.ini disagrees with pyproject.toml (settings.ini, pyproject): {wrong}"
    assert "requirements" not in s, "requirements live in pyproject.toml only ([project] dependencies and extras)"


def test_nbdev_reads_the_project_metadata():
    "nbdev 3 takes the name, version and the docs/repository URLs (for _modidx) from pyproject.toml and geonb/__init__.py."
    from nbdev.config import get_config
    cfg, s = get_config(ROOT), CFG["DEFAULT"]
    got = (cfg.lib_name, cfg.version, cfg.git_url, cfg.doc_host, cfg.doc_baseurl)
    assert got == (s["lib_name"], s["version"], s["git_url"], s["doc_host"], s["doc_baseurl"]), got
    from geonb._modidx import d
    assert {k: d["settings"][k] for k in ("git_url", "doc_host", "doc_baseurl")} == {
        "git_url": s["git_url"], "doc_host": s["doc_host"], "doc_baseurl": s["doc_baseurl"]}, d["settings"]


def test_runtime_requirements_exclude_dev_tools():
    names = {re.split(r"[<>=!~\[; ]", r)[0].lower() for r in PROJECT["dependencies"]}
    assert not names & {"nbdev", "pytest", "jupyterlab", "fastcore", "gudhi", "papermill", "pandas", "ipykernel"}, names


def test_every_module_imports_without_nbdev():
    "`import geonb` and each submodule must work where nbdev/fastcore are not installed."
    code = ("import sys, pkgutil, importlib\n"
            "for m in ('nbdev', 'fastcore', 'execnb', 'gudhi', 'pytest'): sys.modules[m] = None\n"
            "import geonb\n"
            "mods = [m.name for m in pkgutil.iter_modules(geonb.__path__) if m.name != '_modidx']\n"
            "for m in mods: importlib.import_module('geonb.' + m)\n"
            "print(len(mods))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.strip()) >= 2


def test_cli_parameter_changes_the_value(tiny_experiment, tmp_path):
    out = tmp_path / "runs"
    r = subprocess.run([BIN / "geonb-run", tiny_experiment, "-p", "n", "9", "--out-dir", out, "--quiet"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    (run_dir,) = (out / "tiny").iterdir()
    assert json.loads((run_dir / "results.json").read_text())["headline"] == {"twice_n": 18}
    assert "twice_n=18" in r.stdout and str(run_dir) in r.stdout


def test_cli_refuses_unknown_parameter(tiny_experiment, tmp_path):
    r = subprocess.run([BIN / "geonb-run", tiny_experiment, "-p", "nn", "9", "--out-dir", tmp_path / "runs"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "unknown parameter(s) ['nn']" in r.stderr
    assert not (tmp_path / "runs").exists()


def test_parameters_tag_survives_nbdev_clean(tiny_experiment):
    r = subprocess.run([BIN / "nbdev-clean", "--fname", tiny_experiment], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    nb = nbformat.read(tiny_experiment, as_version=4)
    assert nb.cells[0].metadata.get("tags") == ["parameters"]


def test_notebooks_are_stored_clean():
    for path in sorted((ROOT / "nbs").rglob("*.ipynb")):
        if "_proc" in path.parts or ".ipynb_checkpoints" in path.parts: continue
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata.get("kernelspec", {}).get("name") == "python3", path
        for c in nb.cells:
            assert c.get("id"), f"{path.name}: cell without id"
            if c.cell_type == "code" and "benchmarks" not in path.parts:
                assert c.execution_count is None, f"{path.name}: execution count stored"


def test_experiment_notebooks_follow_the_contract():
    from geonb.run import notebook_parameters
    for path in sorted((ROOT / "nbs" / "experiments").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), f"{path.name}: no parameters cell"
        assert {"out_dir", "seed", "device"} <= set(notebook_parameters(path)), path.name


def test_importing_geonb_does_not_load_pyplot():
    "Every module imports without matplotlib.pyplot (issue 24): pyplot is imported inside the functions that draw."
    import subprocess, sys
    mods = ["core", "persistence", "rtd", "labeling", "train", "conv", "gtn", "diffusion", "data", "vae", "metrics",
            "topdis", "quality", "evidence", "results", "run"]
    code = ("import sys\n" + "".join(f"import geonb.{m}\n" for m in mods) +
            "print([k for k in sys.modules if k == 'matplotlib.pyplot'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"an import of geonb loaded pyplot: {out}"
