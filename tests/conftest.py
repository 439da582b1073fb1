import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def write_tiny_notebook(path, *middle_cells):
    "A minimal experiment notebook at `path`: parameters `out_dir`, `seed`, `n`, then `middle_cells`, then results.json with 2*n."
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('out_dir = "."\nseed = 0\nn = 3'); p.metadata["tags"] = ["parameters"]
    nb.cells = [p, *(nbformat.v4.new_code_cell(c) for c in middle_cells), nbformat.v4.new_code_cell(
        'from pathlib import Path\nfrom geonb.core import save_json\n'
        'save_json({"headline": {"twice_n": 2 * n}, "n": n}, Path(out_dir) / "results.json")')]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def tiny_experiment(tmp_path):
    "A minimal experiment notebook: parameters `out_dir`, `seed`, `n`; writes results.json with 2*n."
    return write_tiny_notebook(tmp_path / "tiny.ipynb")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes minutes (builds a wheel, installs into a fresh venv); runs in make test")


def run_tiny_experiment(tmp_path_factory, notebook: Path, params: dict):
    "Run an experiment notebook at tiny `params` into a fresh folder; returns (run folder, its results.json)."
    from geonb.core import load_json
    from geonb.run import run_experiment
    rd = run_experiment(notebook, params, tmp_path_factory.mktemp(notebook.stem), progress=False)
    return rd, load_json(rd / "results.json")
