#!/usr/bin/env python3
"""Writes Bale's ONNX test fixtures under Tests/BaleONNXTests/Fixtures/.

- ops/<case>/: one small model per operator and attribute variant in docs/operators.md, older
  opset forms included (the importer rewrites them), with inputs and onnxruntime's outputs;
- models/<case>/: three whole models: mlp (scikit-learn MLPClassifier via skl2onnx), cnn and
  transformer (one encoder block), both with a symbolic batch dimension fed a batch of 2;
- cases.json: every case directory with its graph input and output names (in order) and the
  largest absolute difference allowed from onnxruntime's floating-point outputs (integers and
  bools must match exactly).

A case directory holds model.onnx, input_<i>.npy (graph input i) and output_<i>.npy
(onnxruntime CPU, graph optimisations off). Constant operands (shapes, axes, pads, weights)
are initializers, as in exported models; data operands are graph inputs.

Deterministic and idempotent: every case draws from its own generator seeded from its name,
and ops/, models/ and cases.json are deleted and rewritten on each run. Needs
`pip install numpy onnx onnxruntime scikit-learn skl2onnx`; the output is committed, so
`swift test` needs no Python.
"""
import json
import shutil
import sys
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

try:
    from sklearn.datasets import make_classification
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from skl2onnx import to_onnx
except ImportError as error:
    sys.exit(f"error: {error.name} is missing; run: pip install scikit-learn skl2onnx")

FIXTURES = Path(__file__).resolve().parent.parent / "Tests" / "BaleONNXTests" / "Fixtures"
DEFAULT_TOLERANCE = 1e-4
INT64_MIN = np.iinfo(np.int64).min

# MARK: - Random operands


@dataclass(frozen=True)
class Rand:
    """An operand drawn from the case's own generator when the case is built."""

    kind: str
    shape: tuple
    low: float = 0.0
    high: float = 1.0
    dtype: type = np.float32

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        if self.kind == "normal":
            return rng.standard_normal(self.shape).astype(self.dtype)
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high, self.shape).astype(self.dtype)
        if self.kind == "integers":
            return rng.integers(self.low, self.high, self.shape).astype(self.dtype)
        return rng.integers(0, 2, self.shape).astype(np.bool_)


def N(*shape, dtype=np.float32):
    """Standard normal values (f32 unless `dtype` says otherwise)."""
    return Rand("normal", shape, dtype=dtype)


def U(low, high, *shape):
    """Uniform f32 values in [low, high)."""
    return Rand("uniform", shape, low, high)


def I(low, high, *shape, dtype=np.int64):
    """Integers in [low, high)."""
    return Rand("integers", shape, low, high, dtype)


def B(*shape):
    """Random bools."""
    return Rand("bool", shape)


def i64(*values):
    """A 1-D int64 constant."""
    return np.array(values, np.int64)


def f32(*values):
    """A 1-D float constant."""
    return np.array(values, np.float32)


# MARK: - Cases


@dataclass
class Case:
    """A model, its graph inputs, and how closely Bale must match onnxruntime."""

    path: str
    model: onnx.ModelProto
    inputs: dict
    tolerance: float = DEFAULT_TOLERANCE


def case_rng(path: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(path.encode()))


def materialize(values: dict, rng: np.random.Generator) -> dict:
    return {name: v.draw(rng) if isinstance(v, Rand) else np.asarray(v) for name, v in values.items()}


def graph_case(path, nodes, inputs, outputs, consts=None, opset=13, ml_opset=None, input_shapes=None):
    """A case from nodes; `inputs` and `consts` map names to arrays or `Rand` operands (in order)."""
    rng = case_rng(path)
    feeds = materialize(inputs, rng)
    initializers = materialize(consts or {}, rng)
    shapes = input_shapes or {}
    graph = helper.make_graph(
        nodes,
        path.split("/")[-1],
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), shapes.get(n, a.shape))
         for n, a in feeds.items()],
        [onnx.ValueInfoProto(name=o) for o in outputs],
        initializer=[numpy_helper.from_array(a, n) for n, a in initializers.items()],
    )
    opsets = [helper.make_opsetid("", opset)]
    if ml_opset:
        opsets.append(helper.make_opsetid("ai.onnx.ml", ml_opset))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="bale-fixtures")
    model.ir_version = ir_version_for(opsets)
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    return Case(path, model, feeds)


def ir_version_for(opsets) -> int:
    """The oldest IR version that allows `opsets`, and at least 4 (the first to allow initializers
    that are not graph inputs). onnx's table lists only the opset each release introduced (no
    ONNX opset 2, for example), so an unlisted version takes the next listed one's."""
    def oldest(opset):
        for version in range(opset.version, opset.version + 8):
            try:
                return helper.find_min_ir_version_for([helper.make_opsetid(opset.domain, version)])
            except ValueError:
                continue
        sys.exit(f"error: no IR version known for opset {opset.domain or 'ai.onnx'} {opset.version}")

    return max(4, *(oldest(o) for o in opsets))


def op_case(name, op, inputs, consts=None, outputs=("y",), opset=13, node_inputs=None, domain="", **attrs):
    """A one-node case under ops/; the node reads the graph inputs, then the constants, unless
    `node_inputs` says otherwise ("" for an omitted optional input)."""
    consts = consts or {}
    node = helper.make_node(op, node_inputs or [*inputs, *consts], list(outputs), name=name, domain=domain, **attrs)
    return graph_case(f"ops/{name}", [node], inputs, list(outputs), consts, opset, ml_opset=1 if domain else None)


# MARK: - Elementwise and math


def elementwise_cases():
    cases = [
        op_case("add_broadcast", "Add", {"a": N(2, 3, 4), "b": N(4)}, opset=14),
        op_case("add_int32", "Add", {"a": I(-50, 50, 2, 3, dtype=np.int32), "b": I(-50, 50, 3, dtype=np.int32)}),
        op_case("sub_broadcast", "Sub", {"a": N(2, 1, 4), "b": N(3, 1)}),
        op_case("mul_int64", "Mul", {"a": I(-100, 100, 2, 3), "b": I(-100, 100, 3)}),
        op_case("mul_const", "Mul", {"a": N(2, 3)}, {"b": f32(0.5, -2, 3)}),
        op_case("div", "Div", {"a": N(2, 3, 4), "b": U(0.5, 2, 2, 3, 4)}),
        op_case("div_int64_scalar", "Div", {"a": I(-100, 100, 6)}, {"b": np.array(7, np.int64)}),
        op_case("pow", "Pow", {"x": U(0.1, 3, 2, 3), "e": U(-2, 2, 2, 3)}),
        op_case("pow_int_exponent", "Pow", {"x": N(2, 3)}, {"e": np.array(3, np.int64)}, opset=15),
        op_case("sqrt", "Sqrt", {"x": U(0, 4, 2, 3, 4)}),
        op_case("exp", "Exp", {"x": U(-3, 3, 2, 3, 4)}),
        op_case("erf", "Erf", {"x": U(-3, 3, 2, 3, 4)}),
        op_case("relu", "Relu", {"x": N(2, 3, 4)}, opset=14),
        op_case("sigmoid", "Sigmoid", {"x": U(-6, 6, 2, 3, 4)}),
        op_case("tanh", "Tanh", {"x": U(-3, 3, 2, 3, 4)}),
        op_case("leakyrelu_default", "LeakyRelu", {"x": N(2, 3, 4)}, opset=16),
        op_case("leakyrelu_alpha", "LeakyRelu", {"x": N(2, 3, 4)}, alpha=0.2),
        op_case("gelu_opset20", "Gelu", {"x": U(-4, 4, 2, 3, 4)}, opset=20),
        op_case("gelu_opset20_tanh", "Gelu", {"x": U(-4, 4, 2, 3, 4)}, opset=20, approximate="tanh"),
        op_case("clip_opset7_attrs", "Clip", {"x": N(3, 4)}, opset=7, min=-0.5, max=0.5),
        op_case("clip_opset11_inputs", "Clip", {"x": N(3, 4)}, {"min": np.float32(-1), "max": np.float32(0.25)},
                opset=11),
        op_case("clip_opset13_inputs", "Clip", {"x": N(3, 4)}, {"min": np.float32(-0.5), "max": np.float32(0.5)}),
        op_case("clip_opset13_max_only", "Clip", {"x": N(3, 4)}, {"max": np.float32(0.3)},
                node_inputs=["x", "", "max"]),
        op_case("clip_opset13_no_bounds", "Clip", {"x": N(3, 4)}),
        op_case("identity", "Identity", {"x": N(2, 3)}, opset=16),
    ]
    for op in ("Sum", "Max", "Min"):
        name = op.lower()
        cases.append(op_case(f"{name}_broadcast3", op, {"a": N(2, 3, 4), "b": N(3, 1), "c": N(4)}))
    cases.append(op_case("max_single", "Max", {"a": N(2, 3)}))
    cases.append(op_case("max_int64", "Max", {"a": I(-9, 9, 2, 3), "b": I(-9, 9, 3)}))
    return cases


def softmax_cases():
    return [
        op_case("softmax_opset11_axis1_3d", "Softmax", {"x": N(2, 3, 4)}, opset=11, axis=1),
        op_case("softmax_opset11_default_4d", "Softmax", {"x": N(2, 2, 3, 2)}, opset=11),
        op_case("softmax_opset11_axis2", "Softmax", {"x": N(2, 3, 4)}, opset=11, axis=2),
        op_case("softmax_opset13_axis1", "Softmax", {"x": N(2, 3, 4)}, axis=1),
        op_case("softmax_opset13_default", "Softmax", {"x": N(2, 3, 4)}),
        op_case("logsoftmax_opset11_default_3d", "LogSoftmax", {"x": N(2, 3, 4)}, opset=11),
        op_case("logsoftmax_opset13_axis0", "LogSoftmax", {"x": N(3, 4)}, axis=0),
    ]


def logic_cases():
    a = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    b = np.array([[1, 0, 3], [0, 5, 0]], np.float32)
    equal_where = [
        helper.make_node("Equal", ["a", "b"], ["mask"]),
        helper.make_node("Where", ["mask", "x", "fill"], ["y"]),
    ]
    return [
        op_case("equal_f32", "Equal", {"a": a, "b": b}),
        op_case("equal_int64_broadcast", "Equal", {"a": I(0, 3, 2, 3), "b": I(0, 3, 3)}),
        op_case("where_broadcast", "Where", {"cond": B(2, 3), "a": N(2, 3), "b": N(3)}),
        op_case("where_int64", "Where", {"cond": B(4), "a": I(0, 9, 4), "b": I(-9, 0, 1)}, opset=16),
        graph_case("ops/equal_where", equal_where, {"a": a, "b": b, "x": N(2, 3)}, ["y"],
                   {"fill": np.array(-1e4, np.float32)}),
    ]


def cast_cases():
    to = {"f32": TensorProto.FLOAT, "u8": TensorProto.UINT8, "i8": TensorProto.INT8, "i32": TensorProto.INT32,
          "i64": TensorProto.INT64, "bool": TensorProto.BOOL, "f16": TensorProto.FLOAT16}
    return [
        op_case("cast_f32_to_i32", "Cast", {"x": U(-100, 100, 2, 5)}, to=to["i32"]),
        op_case("cast_f32_to_i64", "Cast", {"x": U(-1000, 1000, 2, 5)}, to=to["i64"]),
        op_case("cast_f32_to_u8", "Cast", {"x": U(0, 255, 2, 5)}, to=to["u8"]),
        op_case("cast_f32_to_i8", "Cast", {"x": U(-128, 127, 2, 5)}, to=to["i8"]),
        op_case("cast_f32_to_bool", "Cast", {"x": np.array([0, 1.5, -0.0, -2, 0.25, 0], np.float32)}, to=to["bool"]),
        op_case("cast_f32_to_f16", "Cast", {"x": N(2, 5)}, to=to["f16"]),
        op_case("cast_f16_to_f32", "Cast", {"x": N(2, 5, dtype=np.float16)}, to=to["f32"]),
        op_case("cast_i64_to_f32", "Cast", {"x": I(-1000, 1000, 2, 5)}, to=to["f32"]),
        op_case("cast_i32_to_i64", "Cast", {"x": I(-1000, 1000, 2, 5, dtype=np.int32)}, to=to["i64"]),
        op_case("cast_bool_to_f32", "Cast", {"x": B(2, 5)}, to=to["f32"]),
        op_case("cast_u8_to_f32", "Cast", {"x": I(0, 256, 2, 5, dtype=np.uint8)}, to=to["f32"], opset=19),
    ]


# MARK: - Reductions and indexing


def reduce_cases():
    return [
        op_case("reducemean_opset13_axes_attr", "ReduceMean", {"x": N(2, 3, 4)}, axes=[1]),
        op_case("reducemean_opset13_all", "ReduceMean", {"x": N(2, 3, 4)}, keepdims=0),
        op_case("reducemean_opset18_axes_input", "ReduceMean", {"x": N(2, 3, 4)}, {"axes": i64(-1)}, opset=18,
                keepdims=0),
        op_case("reducemean_opset18_two_axes", "ReduceMean", {"x": N(2, 3, 4)}, {"axes": i64(0, 2)}, opset=18),
        op_case("reducesum_opset11_axes_attr", "ReduceSum", {"x": N(2, 3, 4)}, opset=11, axes=[0, 2], keepdims=0),
        op_case("reducesum_opset13_axes_input", "ReduceSum", {"x": N(2, 3, 4)}, {"axes": i64(1)}),
        op_case("reducesum_opset13_noop_empty", "ReduceSum", {"x": N(2, 3)}, noop_with_empty_axes=1),
        op_case("argmax_axis1", "ArgMax", {"x": N(3, 4, 5)}, axis=1, keepdims=0),
        op_case("argmax_default", "ArgMax", {"x": N(3, 4)}),
        op_case("argmax_select_last", "ArgMax", {"x": np.array([[1, 3, 3, 0], [2, 2, 1, 2]], np.float32)},
                axis=-1, select_last_index=1),
    ]


def gather_cases():
    return [
        op_case("gather_negative_indices", "Gather", {"data": N(5, 3), "indices": i64(-1, 0, -5, 2)}),
        op_case("gather_axis1_2d_indices", "Gather", {"data": N(2, 4, 3)},
                {"indices": np.array([[0, -1], [2, 1]], np.int64)}, axis=1),
        op_case("gather_scalar_index", "Gather", {"data": N(4, 3)}, {"indices": np.array(-2, np.int64)}),
        op_case("gather_int32_indices", "Gather", {"data": N(3, 5)}, {"indices": np.array([4, 0], np.int32)},
                axis=-1),
        op_case("gather_embedding", "Gather", {"indices": I(0, 10, 2, 3)}, {"table": N(10, 4)},
                node_inputs=["table", "indices"]),
        op_case("arrayfeatureextractor", "ArrayFeatureExtractor", {"x": N(2, 5)}, {"indices": i64(0, 3, 3)},
                domain="ai.onnx.ml"),
    ]


# MARK: - Linear and neural


def linear_cases():
    return [
        op_case("gemm_bias_row", "Gemm", {"a": N(3, 4)}, {"b": N(4, 5), "c": N(5)}),
        op_case("gemm_trans_both", "Gemm", {"a": N(4, 3)}, {"b": N(5, 4), "c": N(3, 5)}, transA=1, transB=1),
        op_case("gemm_alpha_beta", "Gemm", {"a": N(3, 4)}, {"b": N(4, 5), "c": N(3, 1)}, alpha=0.5, beta=2.0),
        op_case("gemm_scalar_c", "Gemm", {"a": N(3, 4)}, {"b": N(4, 5), "c": N(1)}, transB=0),
        op_case("gemm_no_c", "Gemm", {"a": N(3, 4)}, {"b": N(5, 4)}, transB=1),
        op_case("gemm_opset9", "Gemm", {"a": N(2, 4)}, {"b": N(4, 3), "c": N(3)}, opset=9),
        op_case("gemm_inputs_only", "Gemm", {"a": N(2, 4), "b": N(4, 3)}),
        op_case("matmul_2d", "MatMul", {"a": N(3, 4), "b": N(4, 5)}),
        op_case("matmul_batched", "MatMul", {"a": N(2, 3, 4)}, {"b": N(4, 5)}),
        op_case("matmul_broadcast_4d", "MatMul", {"a": N(2, 1, 3, 4), "b": N(3, 4, 5)}),
        op_case("matmul_vector_matrix", "MatMul", {"a": N(4), "b": N(2, 4, 3)}),
        op_case("matmul_matrix_vector", "MatMul", {"a": N(3, 4), "b": N(4)}),
    ]


def conv_cases():
    x = N(1, 3, 7, 7)
    return [
        op_case("conv2d_bias_pads", "Conv", {"x": x}, {"w": N(4, 3, 3, 3), "b": N(4)}, pads=[1, 1, 1, 1]),
        op_case("conv2d_strides_asym_pads", "Conv", {"x": x}, {"w": N(4, 3, 3, 3)}, strides=[2, 1],
                pads=[1, 0, 2, 1]),
        op_case("conv2d_dilations", "Conv", {"x": x}, {"w": N(2, 3, 3, 3), "b": N(2)}, dilations=[2, 2]),
        op_case("conv2d_groups", "Conv", {"x": N(2, 4, 6, 6)}, {"w": N(6, 2, 3, 3), "b": N(6)}, group=2),
        op_case("conv2d_depthwise", "Conv", {"x": N(1, 4, 6, 6)}, {"w": N(8, 1, 3, 3), "b": N(8)}, group=4,
                pads=[1, 1, 1, 1]),
        op_case("conv2d_same_upper", "Conv", {"x": x}, {"w": N(2, 3, 4, 4)}, auto_pad="SAME_UPPER", strides=[2, 2]),
        op_case("conv2d_same_lower", "Conv", {"x": x}, {"w": N(2, 3, 4, 4)}, auto_pad="SAME_LOWER", strides=[2, 2]),
        op_case("conv2d_valid", "Conv", {"x": x}, {"w": N(2, 3, 3, 3)}, auto_pad="VALID", strides=[2, 2]),
        op_case("conv2d_kernel_shape_1x1", "Conv", {"x": x}, {"w": N(5, 3, 1, 1)}, kernel_shape=[1, 1]),
        op_case("conv1d", "Conv", {"x": N(2, 3, 10)}, {"w": N(5, 3, 3), "b": N(5)}, strides=[2], pads=[1, 1]),
        op_case("conv1d_dilated_groups", "Conv", {"x": N(1, 4, 12)}, {"w": N(4, 2, 3)}, dilations=[2], group=2),
        op_case("conv2d_weights_input", "Conv", {"x": N(1, 2, 5, 5), "w": N(3, 2, 3, 3)}, opset=11),
    ]


def pool_cases():
    x = N(1, 2, 7, 7)
    return [
        op_case("maxpool2d_basic", "MaxPool", {"x": N(1, 2, 6, 6)}, opset=12, kernel_shape=[2, 2], strides=[2, 2]),
        op_case("maxpool2d_pads_ceil", "MaxPool", {"x": x}, opset=12, kernel_shape=[3, 3], strides=[2, 2],
                pads=[1, 1, 1, 1], ceil_mode=1),
        op_case("maxpool2d_dilations", "MaxPool", {"x": x}, opset=12, kernel_shape=[2, 2], dilations=[2, 2]),
        op_case("maxpool2d_same_upper", "MaxPool", {"x": x}, opset=12, kernel_shape=[3, 3], strides=[2, 2],
                auto_pad="SAME_UPPER"),
        op_case("maxpool2d_indices", "MaxPool", {"x": N(2, 2, 4, 4)}, outputs=("y", "indices"), opset=12,
                kernel_shape=[2, 2], strides=[2, 2]),
        op_case("maxpool2d_indices_column_major", "MaxPool", {"x": N(1, 2, 4, 5)}, outputs=("y", "indices"),
                opset=12, kernel_shape=[3, 3], storage_order=1),
        op_case("maxpool1d", "MaxPool", {"x": N(1, 3, 9)}, opset=12, kernel_shape=[3], strides=[2]),
        op_case("avgpool2d_basic", "AveragePool", {"x": N(1, 2, 6, 6)}, opset=11, kernel_shape=[2, 2],
                strides=[2, 2]),
        op_case("avgpool2d_pads_exclude", "AveragePool", {"x": x}, opset=11, kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        op_case("avgpool2d_pads_include", "AveragePool", {"x": x}, opset=11, kernel_shape=[3, 3],
                pads=[1, 1, 1, 1], count_include_pad=1),
        op_case("avgpool2d_ceil", "AveragePool", {"x": N(1, 2, 6, 6)}, opset=11, kernel_shape=[3, 3],
                strides=[2, 2], ceil_mode=1),
        op_case("avgpool2d_same_upper", "AveragePool", {"x": x}, opset=11, kernel_shape=[2, 2], strides=[2, 2],
                auto_pad="SAME_UPPER"),
        op_case("avgpool2d_opset19_dilations", "AveragePool", {"x": x}, opset=19, kernel_shape=[2, 2],
                dilations=[2, 2]),
        op_case("avgpool1d", "AveragePool", {"x": N(2, 3, 8)}, opset=11, kernel_shape=[3], strides=[1]),
        op_case("globalaveragepool", "GlobalAveragePool", {"x": N(2, 3, 5, 5)}),
        op_case("globalaveragepool_1d", "GlobalAveragePool", {"x": N(2, 3, 7)}),
    ]


def norm_cases():
    def bn_consts(c):
        return {"scale": U(0.5, 1.5, c), "bias": N(c), "mean": N(c), "var": U(0.5, 2, c)}

    return [
        op_case("batchnorm_opset7", "BatchNormalization", {"x": N(2, 3, 4, 4)}, bn_consts(3), opset=7),
        op_case("batchnorm_opset9_epsilon", "BatchNormalization", {"x": N(2, 3, 4, 4)}, bn_consts(3), opset=9,
                epsilon=1e-3),
        op_case("batchnorm_opset15", "BatchNormalization", {"x": N(2, 3, 4, 4)}, bn_consts(3), opset=15),
        op_case("batchnorm_opset15_2d", "BatchNormalization", {"x": N(4, 3)}, bn_consts(3), opset=15),
        op_case("layernorm_opset17", "LayerNormalization", {"x": N(2, 3, 8)}, {"scale": U(0.5, 1.5, 8), "b": N(8)},
                opset=17),
        op_case("layernorm_opset17_axis1", "LayerNormalization", {"x": N(2, 3, 4)}, {"scale": U(0.5, 1.5, 3, 4)},
                opset=17, axis=1, epsilon=1e-3),
        op_case("layernorm_opset17_mean_invstd", "LayerNormalization", {"x": N(2, 5)},
                {"scale": U(0.5, 1.5, 5), "b": N(5)}, outputs=("y", "mean", "inv_std_dev"), opset=17),
        op_case("lrn_default", "LRN", {"x": N(1, 5, 3, 3)}, size=3),
        op_case("lrn_params", "LRN", {"x": N(2, 6, 2, 2)}, size=5, alpha=1e-2, beta=0.5, bias=2.0),
        op_case("dropout_opset7_ratio_attr", "Dropout", {"x": N(2, 3)}, opset=7, ratio=0.3),
        op_case("dropout_opset13_mask", "Dropout", {"x": N(2, 3)}, {"ratio": np.float32(0.4)},
                outputs=("y", "mask")),
        op_case("dropout_opset13_training_false", "Dropout", {"x": N(2, 3)},
                {"ratio": np.float32(0.5), "training_mode": np.array(False)}),
    ]


# MARK: - Shape and layout


def shape_cases():
    return [
        op_case("reshape_opset7_zero_minus1", "Reshape", {"x": N(2, 3, 4)}, {"shape": i64(0, -1)}, opset=7),
        op_case("reshape_opset7_middle_zero", "Reshape", {"x": N(2, 3, 4)}, {"shape": i64(2, 0, 2, -1)}, opset=7),
        op_case("reshape_opset14", "Reshape", {"x": N(2, 3, 4)}, {"shape": i64(-1, 4)}, opset=14),
        op_case("reshape_shape_input", "Reshape", {"x": N(2, 3, 4), "shape": i64(4, 6)}, opset=14),
        op_case("flatten_default", "Flatten", {"x": N(2, 3, 4)}),
        op_case("flatten_axis0", "Flatten", {"x": N(2, 3, 4)}, axis=0),
        op_case("flatten_axis2_4d", "Flatten", {"x": N(2, 3, 2, 2)}, axis=2),
        op_case("flatten_axis_negative", "Flatten", {"x": N(2, 3, 4)}, axis=-1),
        op_case("transpose_default", "Transpose", {"x": N(2, 3, 4)}),
        op_case("transpose_perm", "Transpose", {"x": N(2, 3, 4, 5)}, perm=[0, 2, 3, 1]),
        op_case("concat_axis1", "Concat", {"a": N(2, 3), "b": N(2, 1)}, axis=1),
        op_case("concat_negative_axis3", "Concat", {"a": N(2, 2, 1), "b": N(2, 2, 3), "c": N(2, 2, 2)}, axis=-1),
        op_case("concat_int64", "Concat", {"a": I(0, 9, 2)}, {"b": i64(7, 8, 9)}, axis=0),
        op_case("expand", "Expand", {"x": N(3, 1)}, {"shape": i64(2, 3, 4)}),
        op_case("expand_bidirectional", "Expand", {"x": N(2, 1, 4)}, {"shape": i64(3, 1)}),
        op_case("squeeze_opset11_attr", "Squeeze", {"x": N(2, 1, 3, 1)}, opset=11, axes=[1]),
        op_case("squeeze_opset13_input", "Squeeze", {"x": N(2, 1, 3, 1)}, {"axes": i64(-1, 1)}),
        op_case("squeeze_opset13_all", "Squeeze", {"x": N(1, 3, 1, 2)}),
        op_case("unsqueeze_opset11_attr", "Unsqueeze", {"x": N(2, 3)}, opset=11, axes=[0, 3]),
        op_case("unsqueeze_opset13_input", "Unsqueeze", {"x": N(2, 3)}, {"axes": i64(-1, 1)}),
        op_case("shape_opset13", "Shape", {"x": N(2, 3, 4)}),
        op_case("shape_opset15_start_end", "Shape", {"x": N(2, 3, 4, 5)}, opset=15, start=1, end=-1),
        op_case("shape_opset15_negative_start", "Shape", {"x": N(2, 3, 4)}, opset=15, start=-2),
    ]


def split_slice_cases():
    return [
        op_case("split_opset11_attr", "Split", {"x": N(2, 4, 3)}, outputs=("y0", "y1"), opset=11, axis=1,
                split=[1, 3]),
        op_case("split_opset11_equal", "Split", {"x": N(6, 2)}, outputs=("y0", "y1", "y2"), opset=11),
        op_case("split_opset13_input", "Split", {"x": N(3, 4)}, {"split": i64(2, 1)}, outputs=("y0", "y1")),
        op_case("split_opset13_equal", "Split", {"x": N(2, 6)}, outputs=("y0", "y1", "y2"), axis=-1),
        op_case("split_opset18_num_outputs", "Split", {"x": N(7, 2)}, outputs=("y0", "y1", "y2"), opset=18,
                num_outputs=3),
        op_case("slice_opset9_attrs", "Slice", {"x": N(4, 5, 6)}, opset=9, starts=[1, 0], ends=[3, -1], axes=[0, 2]),
        op_case("slice_opset9_no_axes", "Slice", {"x": N(4, 5)}, opset=9, starts=[-3, 1], ends=[1000, 4]),
        op_case("slice_opset13_inputs", "Slice", {"x": N(4, 5, 6)},
                {"starts": i64(0, 1), "ends": i64(4, 6), "axes": i64(0, 2), "steps": i64(2, 2)}),
        op_case("slice_opset13_negative_steps", "Slice", {"x": N(4, 5, 6)},
                {"starts": i64(-1, 4), "ends": i64(INT64_MIN, 0), "axes": i64(1, 2), "steps": i64(-1, -2)}),
        op_case("slice_opset13_clamped", "Slice", {"x": N(4, 5)}, {"starts": i64(-10, 2), "ends": i64(1000, 4)}),
        op_case("slice_opset13_negative_axes", "Slice", {"x": N(3, 4, 5)},
                {"starts": i64(1), "ends": i64(-1), "axes": i64(-1)}),
    ]


def pad_cases():
    x = N(2, 3, 4)
    return [
        op_case("pad_opset7_constant_attrs", "Pad", {"x": x}, opset=7, pads=[0, 1, 2, 0, 2, 1], value=1.5),
        op_case("pad_opset7_reflect", "Pad", {"x": x}, opset=7, mode="reflect", pads=[0, 0, 1, 0, 0, 2]),
        op_case("pad_opset11_constant_inputs", "Pad", {"x": x}, {"pads": i64(0, 1, 1, 0, 1, 1),
                                                                    "value": np.float32(-2)}, opset=11),
        op_case("pad_opset13_reflect", "Pad", {"x": x}, {"pads": i64(0, 2, 1, 0, 1, 3)}, mode="reflect"),
        op_case("pad_opset13_edge", "Pad", {"x": x}, {"pads": i64(1, 0, 2, 0, 3, 1)}, mode="edge"),
        op_case("pad_opset13_negative", "Pad", {"x": x}, {"pads": i64(0, -1, 1, 0, 0, -1)}),
        op_case("pad_opset18_axes", "Pad", {"x": x}, {"pads": i64(1, 2, 0, 1), "value": np.float32(3),
                                                      "axes": i64(-1, 1)}, opset=18),
        op_case("pad_opset19_wrap", "Pad", {"x": x}, {"pads": i64(0, 1, 2, 0, 1, 1)}, opset=19, mode="wrap"),
    ]


def constant_cases():
    value = numpy_helper.from_array(np.array([[1, -2, 3]], np.float32), "value")
    filled = helper.make_tensor("value", TensorProto.INT64, [1], [7])
    return [
        graph_case("ops/constant_tensor", [
            helper.make_node("Constant", [], ["c"], value=value),
            helper.make_node("Add", ["x", "c"], ["y"]),
        ], {"x": N(2, 3)}, ["y"]),
        graph_case("ops/constant_value_float", [
            helper.make_node("Constant", [], ["c"], value_float=2.5),
            helper.make_node("Mul", ["x", "c"], ["y"]),
        ], {"x": N(2, 3)}, ["y"], opset=12),
        graph_case("ops/constant_value_ints", [
            helper.make_node("Constant", [], ["shape"], value_ints=[3, 2]),
            helper.make_node("Reshape", ["x", "shape"], ["y"]),
        ], {"x": N(2, 3)}, ["y"], opset=12),
        graph_case("ops/constantofshape_default", [
            helper.make_node("Shape", ["x"], ["s"]),
            helper.make_node("ConstantOfShape", ["s"], ["y"]),
        ], {"x": N(2, 3)}, ["y"]),
        graph_case("ops/constantofshape_int64", [
            helper.make_node("ConstantOfShape", ["s"], ["y"], value=filled),
        ], {"s": i64(2, 4)}, ["y"]),
    ]


# MARK: - Whole models


def mlp_model():
    """scikit-learn's MLPClassifier through skl2onnx: MatMul/Add/Relu/Softmax plus the ArgMax,
    ArrayFeatureExtractor, Reshape and Cast label head, no ZipMap."""
    x, y = make_classification(n_samples=120, n_features=4, n_informative=3, n_redundant=0, n_classes=3,
                               random_state=0)
    x = x.astype(np.float32)
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y)
    model = to_onnx(clf, x[:1], options={id(clf): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 1})
    model.producer_name = "bale-fixtures (skl2onnx)"
    return Case("models/mlp", model, {model.graph.input[0].name: x[:5]})


def he(rng, *shape):
    """He-initialised f32 weights, so activations stay in a sensible range."""
    fan_in = int(np.prod(shape[1:]))
    return (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32)


def cnn_model():
    """Conv+BatchNorm+Relu+MaxPool+Conv+GlobalAveragePool+Flatten+Gemm+Softmax on [batch,3,16,16]."""
    rng = case_rng("models/cnn")
    weights = {
        "conv1.w": he(rng, 8, 3, 3, 3), "conv1.b": np.zeros(8, np.float32),
        "bn.scale": rng.uniform(0.5, 1.5, 8).astype(np.float32), "bn.b": rng.normal(0, 0.1, 8).astype(np.float32),
        "bn.mean": rng.normal(0, 0.1, 8).astype(np.float32), "bn.var": rng.uniform(0.5, 1.5, 8).astype(np.float32),
        "conv2.w": he(rng, 16, 8, 3, 3), "conv2.b": rng.normal(0, 0.1, 16).astype(np.float32),
        "fc.w": he(rng, 10, 16), "fc.b": rng.normal(0, 0.1, 10).astype(np.float32),
    }
    nodes = [
        helper.make_node("Conv", ["input", "conv1.w", "conv1.b"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "bn.scale", "bn.b", "bn.mean", "bn.var"], ["bn"]),
        helper.make_node("Relu", ["bn"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "conv2.w", "conv2.b"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["c2"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["flat"]),
        helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    return graph_case("models/cnn", nodes, {"input": N(2, 3, 16, 16)}, ["probabilities"], weights, opset=17,
                      input_shapes={"input": ["batch", 3, 16, 16]})


def transformer_model(seq=8, d_model=16, heads=2, d_ff=32):
    """One post-norm encoder block: multi-head self-attention, residual, LayerNormalization,
    feed-forward with Erf-based Gelu, residual, LayerNormalization; input [batch, seq, d_model]."""
    rng = case_rng("models/transformer")
    head = d_model // heads

    def dense(fan_in, fan_out):
        return (rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32)

    weights = {name: dense(d_model, d_model) for name in ("wq", "wk", "wv", "wo")}
    weights |= {f"b{p}": rng.normal(0, 0.1, d_model).astype(np.float32) for p in "qkvo"}
    weights |= {
        "w1": dense(d_model, d_ff), "b1": rng.normal(0, 0.1, d_ff).astype(np.float32),
        "w2": dense(d_ff, d_model), "b2": rng.normal(0, 0.1, d_model).astype(np.float32),
        "ln1.scale": rng.uniform(0.8, 1.2, d_model).astype(np.float32), "ln1.b": np.zeros(d_model, np.float32),
        "ln2.scale": rng.uniform(0.8, 1.2, d_model).astype(np.float32), "ln2.b": np.zeros(d_model, np.float32),
        "heads_shape": i64(0, 0, heads, head), "model_shape": i64(0, 0, d_model),
        "scale": np.array(1 / np.sqrt(head), np.float32),
        "sqrt2": np.array(np.sqrt(2), np.float32), "one": np.array(1, np.float32), "half": np.array(0.5, np.float32),
    }
    node = helper.make_node
    nodes = []
    for p in "qkv":
        nodes += [
            node("MatMul", ["x", f"w{p}"], [f"{p}_proj"]),
            node("Add", [f"{p}_proj", f"b{p}"], [f"{p}_biased"]),
            node("Reshape", [f"{p}_biased", "heads_shape"], [f"{p}_heads"]),
            node("Transpose", [f"{p}_heads"], [f"{p}_t"], perm=[0, 2, 3, 1] if p == "k" else [0, 2, 1, 3]),
        ]
    nodes += [
        node("MatMul", ["q_t", "k_t"], ["scores_raw"]),
        node("Mul", ["scores_raw", "scale"], ["scores"]),
        node("Softmax", ["scores"], ["attn"], axis=-1),
        node("MatMul", ["attn", "v_t"], ["context_heads"]),
        node("Transpose", ["context_heads"], ["context_t"], perm=[0, 2, 1, 3]),
        node("Reshape", ["context_t", "model_shape"], ["context"]),
        node("MatMul", ["context", "wo"], ["o_proj"]),
        node("Add", ["o_proj", "bo"], ["attn_out"]),
        node("Add", ["x", "attn_out"], ["residual1"]),
        node("LayerNormalization", ["residual1", "ln1.scale", "ln1.b"], ["h1"], axis=-1),
        node("MatMul", ["h1", "w1"], ["ff1_proj"]),
        node("Add", ["ff1_proj", "b1"], ["ff1"]),
        node("Div", ["ff1", "sqrt2"], ["gelu_scaled"]),
        node("Erf", ["gelu_scaled"], ["gelu_erf"]),
        node("Add", ["gelu_erf", "one"], ["gelu_sum"]),
        node("Mul", ["ff1", "gelu_sum"], ["gelu_prod"]),
        node("Mul", ["gelu_prod", "half"], ["gelu"]),
        node("MatMul", ["gelu", "w2"], ["ff2_proj"]),
        node("Add", ["ff2_proj", "b2"], ["ff2"]),
        node("Add", ["h1", "ff2"], ["residual2"]),
        node("LayerNormalization", ["residual2", "ln2.scale", "ln2.b"], ["output"], axis=-1),
    ]
    return graph_case("models/transformer", nodes, {"x": N(2, seq, d_model)}, ["output"], weights, opset=17,
                      input_shapes={"x": ["batch", seq, d_model]})


# MARK: - Running and writing


def run_onnxruntime(case: Case) -> list:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    options.log_severity_level = 3  # no warnings about the old opsets these cases use on purpose
    session = ort.InferenceSession(case.model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, case.inputs)


def complete_output_types(model: onnx.ModelProto, results: list) -> None:
    """Gives a graph output the type onnxruntime produced where the model leaves its element
    type or its shape unstated; dimensions the model states, even unnamed ones, are kept."""
    for output, result in zip(model.graph.output, results):
        tensor_type = output.type.tensor_type
        if not tensor_type.elem_type or not tensor_type.HasField("shape"):
            output.CopyFrom(helper.make_tensor_value_info(
                output.name, helper.np_dtype_to_tensor_dtype(result.dtype), result.shape))


def write_case(case: Case) -> dict:
    results = run_onnxruntime(case)
    complete_output_types(case.model, results)
    onnx.checker.check_model(case.model, full_check=True)
    directory = FIXTURES / case.path
    directory.mkdir(parents=True)
    onnx.save(case.model, directory / "model.onnx")
    for i, array in enumerate(case.inputs.values()):
        np.save(directory / f"input_{i}.npy", np.asarray(array, order="C"))  # not ascontiguousarray: it makes 0-d arrays 1-d
    for i, array in enumerate(results):
        np.save(directory / f"output_{i}.npy", np.asarray(array, order="C"))  # not ascontiguousarray: it makes 0-d arrays 1-d
    return {
        "dir": case.path,
        "inputs": [i.name for i in case.model.graph.input],
        "outputs": [o.name for o in case.model.graph.output],
        "tolerance": case.tolerance,
    }


def all_cases() -> list:
    groups = [elementwise_cases, softmax_cases, logic_cases, cast_cases, reduce_cases, gather_cases, linear_cases,
              conv_cases, pool_cases, norm_cases, shape_cases, split_slice_cases, pad_cases, constant_cases]
    cases = [c for group in groups for c in group()]
    cases += [mlp_model(), cnn_model(), transformer_model()]
    paths = [c.path for c in cases]
    duplicates = {p for p in paths if paths.count(p) > 1}
    if duplicates:
        sys.exit(f"error: duplicate case names: {sorted(duplicates)}")
    return cases


def main() -> None:
    cases = all_cases()
    for sub in ("ops", "models"):
        shutil.rmtree(FIXTURES / sub, ignore_errors=True)
    entries = [write_case(c) for c in cases]
    lines = ",\n".join(f"  {json.dumps(e)}" for e in entries)
    (FIXTURES / "cases.json").write_text(f'{{"cases": [\n{lines}\n]}}\n')
    size = sum(f.stat().st_size for f in FIXTURES.rglob("*") if f.is_file())
    print(f"wrote {len(entries)} cases ({sum(e['dir'].startswith('ops/') for e in entries)} ops, "
          f"{sum(e['dir'].startswith('models/') for e in entries)} models) to {FIXTURES}, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
