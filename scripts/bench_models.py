"""Benchmark models generated with a fixed seed, shared by the benchmark scripts.

- scripts/bench-vs-ort and benchmarks/quantization.py import `mlp_model`;
- benchmarks/serve-load.sh runs this file: `python3 scripts/bench_models.py mlp OUT.onnx`.

Needs: pip install numpy onnx.
"""
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

SEED = 4


def mlp_model(path: Path) -> Path:
    """MLP 784-1024-1024-10: Gemm+Relu, Gemm+Relu, Gemm, Softmax; He-initialised, seed 4."""
    rng = np.random.default_rng(SEED)
    sizes = [784, 1024, 1024, 10]
    nodes, weights, x = [], [], "input"
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        w = (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)).astype(np.float32)
        b = rng.normal(0, 0.05, fan_out).astype(np.float32)
        weights += [numpy_helper.from_array(w, f"fc{i}.w"), numpy_helper.from_array(b, f"fc{i}.b")]
        nodes.append(helper.make_node("Gemm", [x, f"fc{i}.w", f"fc{i}.b"], [f"h{i}"]))
        x = f"h{i}"
        if i < len(sizes) - 2:
            nodes.append(helper.make_node("Relu", [x], [f"r{i}"]))
            x = f"r{i}"
    nodes.append(helper.make_node("Softmax", [x], ["probabilities"], axis=1))
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, ["batch", 784])],
        [helper.make_tensor_value_info("probabilities", onnx.TensorProto.FLOAT, ["batch", 10])], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="bench-vs-ort")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "mlp":
        sys.exit("usage: python3 scripts/bench_models.py mlp OUT.onnx")
    mlp_model(Path(sys.argv[2]))
