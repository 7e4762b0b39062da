#!/usr/bin/env python3
"""Writes scripts/example/tiny-mlp/: a tiny ONNX classifier (4 -> 8 -> 3, ReLU, Softmax) with
fixed weights, its labels, a sample input and the expected output (numpy), used by scripts/demo
and the tests.

Deterministic: the same onnx version writes the same bytes. Needs `pip install onnx numpy`;
the output is committed, so nothing else needs Python.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "example", "tiny-mlp")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(2026)
w1 = rng.standard_normal((4, 8)).astype(np.float32)
b1 = rng.standard_normal(8).astype(np.float32)
w2 = rng.standard_normal((8, 3)).astype(np.float32)
b2 = rng.standard_normal(3).astype(np.float32)

graph = helper.make_graph(
    [
        helper.make_node("Gemm", ["input", "w1", "b1"], ["h"], name="fc1"),
        helper.make_node("Relu", ["h"], ["h_relu"], name="relu1"),
        helper.make_node("Gemm", ["h_relu", "w2", "b2"], ["logits"], name="fc2"),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=1),
    ],
    "tiny_mlp",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 4])],
    [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3])],
    initializer=[numpy_helper.from_array(a, n) for a, n in [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2")]],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="bale-example")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "model.onnx"))

with open(os.path.join(out, "labels.txt"), "w") as f:
    f.write("setosa\nversicolor\nvirginica\n")
sample = np.array([[5.1, 3.5, 1.4, 0.2]], dtype=np.float32)
np.save(os.path.join(out, "sample-input.npy"), sample)
# The expected output, computed with numpy (float64, then rounded to float32).
hidden = np.maximum(sample.astype(np.float64) @ w1 + b1, 0)
logits = hidden @ w2 + b2
expected = np.exp(logits - logits.max(axis=1, keepdims=True))
expected /= expected.sum(axis=1, keepdims=True)
np.save(os.path.join(out, "sample-output.npy"), expected.astype(np.float32))
print("wrote", out)
