"""Bad inputs to the data, labeling and GTN code raise errors that name the argument or file (nothing silent).

Each case also runs in the notebooks (nbs/04_labeling, 05_gtn, 06_data); these tests check the installed package.
"""
import gzip
import struct
import warnings

import numpy as np
import pytest
import torch

from geonb.data import DSprites, mnist, read_idx, render_dsprites
from geonb.gtn import GTN, fit_gtn, fit_regression
from geonb.labeling import compute_labels, direction_radius_labels, greedy_cosine_labels

torch.set_num_threads(1)
GOOD = dict(shape=[0], scale=[1.0], orientation=[0.0], pos_x=[0.5], pos_y=[0.5])


@pytest.mark.parametrize("factor,value,message", [
    ("shape", 5, "`shape` must hold shape ids 0 (square), 1 (ellipse) or 2 (heart), got 5"),
    ("shape", 1.7, "`shape` must hold shape ids 0 (square), 1 (ellipse) or 2 (heart), got 1.7"),
    ("scale", 0.0, "`scale` must be in [0.5, 1]"),
    ("scale", float("nan"), "`scale` contains 1 non-finite"),
    ("pos_x", 5.0, "`pos_x` must be in [0, 1]"),
    ("orientation", float("inf"), "`orientation` contains 1 non-finite"),
])
def test_render_dsprites_refuses_bad_factor_values(factor, value, message):
    with pytest.raises(ValueError) as e:
        render_dsprites(**{**GOOD, factor: [value]})
    assert message in str(e.value)


def test_render_dsprites_good_values_draw_a_sprite():
    assert render_dsprites(**GOOD).sum().item() > 300  # the square at scale 1 covers about 369 pixels


def _idx_bytes(arr):
    return bytes([0, 0, 0x08, arr.ndim]) + struct.pack(">" + "i" * arr.ndim, *arr.shape) + arr.astype(np.uint8).tobytes()


@pytest.mark.parametrize("name,content,message", [
    ("head", bytes([0, 0, 8, 3, 0, 0]), "is truncated: its header needs 16 bytes"),
    ("cut.gz", gzip.compress(_idx_bytes(np.zeros((2, 3, 3))), mtime=0)[:-12], "is not a complete gzip file"),
    ("plain.gz", _idx_bytes(np.zeros((2, 3, 3))), "is not a complete gzip file"),
], ids=["truncated-header", "cut-gzip", "not-gzip"])
def test_read_idx_names_the_bad_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError) as e:
        read_idx(path)
    assert str(path) in str(e.value) and message in str(e.value)


def test_mnist_given_path_must_exist():
    with pytest.raises(FileNotFoundError, match="`path` '/typo' is not an existing folder"):
        mnist("train", path="/typo")


def test_dsprites_from_npz_on_a_pickle(tmp_path):
    path = tmp_path / "pickled.npz"
    path.write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ValueError) as e:
        DSprites.from_npz(path)
    assert f"`{path}` is not a dSprites npz" in str(e.value) and "allow_pickle" not in str(e.value)


def test_fit_regression_refuses_mismatched_targets_and_trains_batches_of_one():
    x = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    with pytest.raises(ValueError, match="maps `inputs` to 2 column"):
        fit_regression(GTN(2), x, x[:, :1], progress=False)
    torch.manual_seed(0)
    net = GTN(2, hidden=(8,))
    before = [p.detach().clone() for p in net.parameters()]
    h = fit_regression(net, x, x, batch_size=1, max_epochs=1, progress=False)
    assert h["train_loss"][0] > 0
    assert any(not torch.equal(a, b) for a, b in zip(before, net.parameters()))


def test_fit_regression_stops_on_a_non_finite_loss():
    x = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32)
    torch.manual_seed(0)
    net = GTN(2, hidden=(16,) * 6)
    with pytest.raises(FloatingPointError, match="went non-finite, before the update"):
        fit_regression(net, x, x, lr=1e8, batch_size=8, max_epochs=20, progress=False)
    assert all(torch.isfinite(v).all() for v in net.state_dict().values())


def test_gtn_argument_checks():
    with pytest.raises(ValueError, match="`negative_slope` must be positive and finite"):
        GTN(2, negative_slope=float("nan"))
    with pytest.raises(ValueError, match="`z` has values up to 1e\\+300"):
        GTN(1).generate(np.full((2, 1), 1e300))
    with pytest.raises(ValueError, match="`separation` must be positive"):
        fit_gtn(np.random.default_rng(0).normal(size=(40, 2)), n_clusters=2, separation=0)


def test_greedy_cosine_is_scale_free():
    rng = np.random.default_rng(0)
    y, x = rng.normal(size=(200, 3)), rng.uniform(-1, 1, size=(200, 3))
    np.testing.assert_array_equal(greedy_cosine_labels(y, x * 1e30), greedy_cosine_labels(y, x))


def test_direction_radius_refuses_1d():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="dimension ≥ 2"):
        direction_radius_labels(rng.normal(size=50), rng.normal(size=50))


def test_corrupt_label_cache_is_rebuilt(tmp_path):
    rng = np.random.default_rng(0)
    y, x = rng.normal(size=(100, 2)), rng.normal(size=(100, 2))
    first = compute_labels(y, x, cache_dir=tmp_path)
    (path,) = tmp_path.glob("labels_*.npz")
    path.write_bytes(path.read_bytes()[:-30])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = compute_labels(y, x, cache_dir=tmp_path)
    assert not again.from_cache and np.array_equal(again.idx, first.idx)
    assert [str(path) in str(w.message) for w in caught] == [True]
    assert compute_labels(y, x, cache_dir=tmp_path).from_cache
