#!/usr/bin/env python3
"""Writes qmm_u8.onnx and qmm_i8.onnx into the current directory: one QLinearMatMul,
u8 activations 256×1024 times constant 1024×1024 weights, u8 (zero point 128) or the same
numbers as i8 (zero point 0), for timing the int8 product per weight type with `bale bench`
(docs/benchmarks.md, "Every 8-bit type pair on the C int8 kernels"). Needs numpy and onnx."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

weights = np.random.default_rng(0).integers(0, 256, size=(1024, 1024), dtype=np.uint8)
for kind in ("u8", "i8"):
    w = weights if kind == "u8" else (weights.astype(np.int16) - 128).astype(np.int8)
    scalars = {"a_s": np.float32(0.02), "a_z": np.uint8(128), "w_s": np.float32(0.01),
               "w_z": w.dtype.type(128 if kind == "u8" else 0), "y_s": np.float32(0.5), "y_z": np.uint8(128)}
    initializers = [numpy_helper.from_array(w, "w")]
    initializers += [numpy_helper.from_array(np.array(v), name) for name, v in scalars.items()]
    node = helper.make_node("QLinearMatMul", ["a", "a_s", "a_z", "w", "w_s", "w_z", "y_s", "y_z"], ["y"])
    graph = helper.make_graph(
        [node], "qmm", [helper.make_tensor_value_info("a", TensorProto.UINT8, [256, 1024])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, [256, 1024])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, f"qmm_{kind}.onnx")
