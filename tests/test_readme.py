"""Every Python example of the README runs alone: pasted into a fresh interpreter, outside the repository."""
import os, re, subprocess, sys

import pytest

from conftest import ROOT

BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 4, f"found {len(BLOCKS)} Python blocks in README.md"


@pytest.mark.parametrize("i", range(len(BLOCKS)))
def test_readme_block_runs_alone(i, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    r = subprocess.run([sys.executable, "-c", BLOCKS[i]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"README block {i + 1} fails when run alone:\n{BLOCKS[i][:400]}\n---\n{r.stderr[-3000:]}"
