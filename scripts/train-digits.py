#!/usr/bin/env python3
"""Train a small MLP on scikit-learn's bundled digits data set and export it with skl2onnx.

Writes OUTDIR/digits.onnx, the held-out test set as OUTDIR/test/X.npy (float32 [N, 64],
pixels scaled to 0..1) and OUTDIR/test/labels.npy (int64 [N]), the layout `bale build
--validate` reads, and the first 200 training samples as OUTDIR/calibration/X.npy for `bale build
--calibration` (calibrating on training data keeps the test set unseen). Deterministic (fixed
seeds). Needs: pip install scikit-learn skl2onnx onnx.

Usage: scripts/train-digits.py OUTDIR
"""
import os
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from skl2onnx import to_onnx

CALIBRATION_SAMPLES = 200


def main(out):
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    model = MLPClassifier(hidden_layer_sizes=(256, 128), max_iter=300, random_state=0).fit(x_train, y_train)
    onnx_model = to_onnx(model, x_train[:1], options={id(model): {"zipmap": False}}, target_opset=17)
    os.makedirs(os.path.join(out, "test"), exist_ok=True)
    with open(os.path.join(out, "digits.onnx"), "wb") as f:
        f.write(onnx_model.SerializeToString())
    np.save(os.path.join(out, "test", "X.npy"), x_test)
    np.save(os.path.join(out, "test", "labels.npy"), y_test.astype(np.int64))
    os.makedirs(os.path.join(out, "calibration"), exist_ok=True)
    np.save(os.path.join(out, "calibration", "X.npy"), x_train[:CALIBRATION_SAMPLES])
    print(f"scikit-learn test accuracy {model.score(x_test, y_test):.4f} on {len(y_test)} samples")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
