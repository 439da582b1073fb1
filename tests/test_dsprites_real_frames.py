"""The procedural dSprites renderer against 320 real dSprites frames (`dsprites_gif_frames.npz`).

The file is looked for in the folder named by the environment variable GEONB_SHARED_DATA, else in `shared/data`
inside or beside the repository; the tests are skipped, saying where they looked, when it is in none of them.

The frames were decoded from `dsprites.gif` of the dSprites dataset (Matthey et al. 2017, Apache-2.0);
a faithful renderer reaches mean IoU >= 0.99 per shape on them.
"""
import os
from pathlib import Path

import numpy as np
import pytest

from geonb.data import DSprites, iou

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ([Path(os.environ["GEONB_SHARED_DATA"])] if os.environ.get("GEONB_SHARED_DATA")
           else [ROOT / "shared" / "data", ROOT.parent / "shared" / "data"])
FRAMES = next((d / "dsprites_gif_frames.npz" for d in FOLDERS if (d / "dsprites_gif_frames.npz").exists()), None)


@pytest.fixture(scope="module")
def frames():
    if FRAMES is None:
        pytest.skip(f"real dSprites frames (dsprites_gif_frames.npz) not found in {[str(d) for d in FOLDERS]}; "
                    "set GEONB_SHARED_DATA to the folder that holds them")
    z = np.load(FRAMES)
    return z["frames"], z["factors"]


@pytest.mark.parametrize("shape,name", [(0, "square"), (1, "ellipse"), (2, "heart")])
def test_mean_iou_per_shape(frames, shape, name):
    imgs, factors = frames
    sel = factors[:, 0] == shape
    assert sel.sum() > 0, f"no {name} frames in {FRAMES}"
    ours = DSprites().observations(factors[sel]).numpy()[:, 0]
    scores = iou(ours, imgs[sel])
    assert scores.mean() >= 0.99, f"{name}: mean IoU {scores.mean():.4f} < 0.99 (min {scores.min():.4f})"
    assert scores.min() >= 0.95, f"{name}: worst frame IoU {scores.min():.4f}"


def test_frames_cover_all_factors(frames):
    """The check is meaningful only if the frames vary every factor."""
    _, factors = frames
    assert [len(np.unique(factors[:, k])) for k in range(5)] == [3, 6, 40, 32, 32]
