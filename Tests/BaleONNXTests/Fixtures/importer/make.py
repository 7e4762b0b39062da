#!/usr/bin/env python3
"""Writes the small ONNX files ImporterTests.swift reads (this directory).

Each file exercises one importer feature: tensor encodings, symbolic dims, Constant forms, one
opset rewrite, external data, or one kind of invalid model. Several are deliberately invalid ONNX
(legacy attributes under a newer opset, cycles, dangling inputs), so onnx.checker runs only on
the valid ones.

Deterministic: the same onnx version writes the same bytes. Needs `pip install onnx numpy`; the
output is committed, so `swift test` needs no Python.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.dirname(os.path.abspath(__file__))


def save(graph, name, opset=13, check=True, ir_version=8, extra_opsets=()):
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="bale-tests", producer_version="1.0")
    model.ir_version = ir_version
    if check:
        onnx.checker.check_model(model)
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def f32(name, shape):
    return vi(name, TensorProto.FLOAT, shape)


# MARK: - Basics: types, dims, names, Constants, attributes


def basic():
    w = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "w")
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"], name="matmul"),
        helper.make_node("LeakyRelu", ["h"], ["a"], alpha=0.2),  # unnamed: LeakyRelu_1
        helper.make_node("Constant", [], ["c_tensor"], name="c1",
                         value=numpy_helper.from_array(np.array([1, 2, 3], dtype=np.float32))),
        helper.make_node("Constant", [], ["c_float"], name="c2", value_float=0.5),
        helper.make_node("Constant", [], ["c_floats"], name="c3", value_floats=[1.0, 2.0]),
        helper.make_node("Constant", [], ["c_int"], name="c4", value_int=7),
        helper.make_node("Constant", [], ["c_ints"], name="c5", value_ints=[4, 5, 6]),
        helper.make_node("Add", ["a", "c_tensor"], ["y"]),  # unnamed: Add_7
        helper.make_node("ConstantOfShape", ["c_ints"], ["z"], name="fill",
                         value=numpy_helper.from_array(np.array([2], dtype=np.int64))),
        helper.make_node("Transpose", ["y"], ["t"], name="transpose", perm=[1, 0]),
    ]
    graph = helper.make_graph(
        nodes, "basic",
        # "w" is listed as an input too (IR version 3 style); the importer drops it from the inputs.
        [f32("x", ["batch", 2]), f32("w", [2, 3]), vi("mask", TensorProto.BOOL, [None, "seq", 4])],
        [f32("t", [3, "batch"]), vi("z", TensorProto.INT64, [4, 5, 6])],
        initializer=[w],
        value_info=[f32("h", ["batch", 3]), vi("a", TensorProto.FLOAT, None)],
    )
    save(graph, "basic.onnx")


def attributes():
    """Every attribute kind Bale keeps, on an Identity node (extra attributes: not checker-valid)."""
    node = helper.make_node("Identity", ["x"], ["y"], name="id")
    node.attribute.extend([
        helper.make_attribute("an_int", 3),
        helper.make_attribute("a_float", 1.5),
        helper.make_attribute("a_string", "same"),
        helper.make_attribute("ints", [1, -2]),
        helper.make_attribute("floats", [0.25, 4.0]),
        helper.make_attribute("strings", ["a", "b"]),
        helper.make_attribute("tensor", numpy_helper.from_array(np.array([[1, 2]], dtype=np.int32))),
    ])
    graph = helper.make_graph([node], "attributes", [f32("x", [2])], [f32("y", [2])])
    save(graph, "attributes.onnx", check=False)


def domains():
    """`ai.onnx` is another name of the default domain; `ai.onnx.ml` is kept."""
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="relu", domain="ai.onnx"),
        helper.make_node("ArrayFeatureExtractor", ["r", "idx"], ["y"], name="pick", domain="ai.onnx.ml"),
    ]
    idx = numpy_helper.from_array(np.array([0, 2], dtype=np.int64), "idx")
    graph = helper.make_graph(nodes, "domains", [f32("x", [1, 3])], [f32("y", [1, 2])], initializer=[idx])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("ai.onnx", 15), helper.make_opsetid("ai.onnx.ml", 3)])
    model.ir_version = 8
    with open(os.path.join(OUT, "domains.onnx"), "wb") as f:
        f.write(model.SerializeToString())


def dtypes():
    """One initializer per element type and encoding; the graph outputs them directly."""
    def typed(name, elem, dims, **fields):
        t = TensorProto()
        t.name, t.data_type = name, elem
        t.dims.extend(dims)
        for field, values in fields.items():
            getattr(t, field).extend(values)
        return t

    half = np.array([1.0, -2.0, 0.5], dtype=np.float16)
    tensors = [
        numpy_helper.from_array(half, "f16_raw"),
        typed("f16_typed", TensorProto.FLOAT16, [3], int32_data=half.view(np.uint16).astype(np.int32).tolist()),
        numpy_helper.from_array(np.array([True, False, True]), "bool_raw"),
        typed("bool_typed", TensorProto.BOOL, [3], int32_data=[1, 0, 1]),
        numpy_helper.from_array(np.array([[-1, 2**40]], dtype=np.int64), "i64_raw"),
        typed("i64_typed", TensorProto.INT64, [1, 2], int64_data=[-1, 2**40]),
        typed("i8_typed", TensorProto.INT8, [2], int32_data=[-128, 127]),
        numpy_helper.from_array(np.array([0, 255], dtype=np.uint8), "u8_raw"),
        typed("i32_typed", TensorProto.INT32, [2], int32_data=[-5, 6]),
        typed("f32_typed", TensorProto.FLOAT, [2], float_data=[1.5, -2.5]),
        typed("f64_typed", TensorProto.DOUBLE, [2], double_data=[0.25, 3.0]),
        numpy_helper.from_array(np.array([0.5, -8.0], dtype=np.float64), "f64_raw"),
        numpy_helper.from_array(np.array(4.0, dtype=np.float32), "scalar"),
    ]
    elem = {t.name: t.data_type for t in tensors}
    elem["f64_typed"] = elem["f64_raw"] = TensorProto.FLOAT  # the importer narrows DOUBLE
    outputs = [vi(t.name, elem[t.name], list(t.dims)) for t in tensors]
    graph = helper.make_graph([], "dtypes", [], outputs, initializer=tensors)
    save(graph, "dtypes.onnx", check=False)


# MARK: - Opset rewrites


def reshape_attr():
    # Reshape-1..4 form under opset 7: old converters wrote it (not checker-valid).
    node = helper.make_node("Reshape", ["x"], ["y"], name="reshape", shape=[3, -1], consumed_inputs=[0])
    graph = helper.make_graph([node], "reshape_attr", [f32("x", [2, 3])], [f32("y", [3, 2])])
    save(graph, "rewrite/reshape-v7.onnx", opset=7, check=False, ir_version=3)


def squeeze_unsqueeze():
    nodes = [
        helper.make_node("Unsqueeze", ["x"], ["u"], name="unsqueeze", axes=[0, 3]),
        helper.make_node("Squeeze", ["u"], ["y"], name="squeeze", axes=[0]),
        helper.make_node("Squeeze", ["y"], ["z"], name="squeeze_all"),
    ]
    graph = helper.make_graph(nodes, "squeeze", [f32("x", [2, 3])], [f32("z", [2, 3])])
    save(graph, "rewrite/squeeze-v11.onnx", opset=11)


def split():
    nodes = [
        helper.make_node("Split", ["x"], ["a", "b"], name="split_sizes", axis=1, split=[1, 2]),
        helper.make_node("Split", ["x"], ["c", "d", "e"], name="split_equal", axis=1),
    ]
    outs = [f32(n, [2, 2 if n == "b" else 1]) for n in "abcde"]
    graph = helper.make_graph(nodes, "split", [f32("x", [2, 3])], outs)
    save(graph, "rewrite/split-v11.onnx", opset=11)


def slice_attrs():
    nodes = [
        helper.make_node("Slice", ["x"], ["y"], name="slice", starts=[0, 1], ends=[2, 9223372036854775807], axes=[0, 1]),
        helper.make_node("Slice", ["y"], ["z"], name="slice_no_axes", starts=[1], ends=[2]),
    ]
    graph = helper.make_graph(nodes, "slice", [f32("x", [3, 4])], [f32("z", [1, 3])])
    save(graph, "rewrite/slice-v9.onnx", opset=9)


def pad_attrs():
    nodes = [
        helper.make_node("Pad", ["x"], ["y"], name="pad", pads=[0, 1, 0, 1], value=1.5),
        helper.make_node("Pad", ["y"], ["z"], name="pad_zero", pads=[1, 0, 1, 0], mode="constant"),
        helper.make_node("Pad", ["i"], ["j"], name="pad_int", pads=[1, 1], value=2.0),
    ]
    graph = helper.make_graph(nodes, "pad", [f32("x", [2, 2]), vi("i", TensorProto.INT64, [3])],
                              [f32("z", [4, 4]), vi("j", TensorProto.INT64, [5])])
    save(graph, "rewrite/pad-v10.onnx", opset=10)


def clip_attrs():
    nodes = [
        helper.make_node("Clip", ["x"], ["y"], name="clip", min=-1.0, max=1.0),
        helper.make_node("Clip", ["y"], ["z"], name="clip_max", max=0.5),
        helper.make_node("Clip", ["z"], ["w"], name="clip_none"),
    ]
    graph = helper.make_graph(nodes, "clip", [f32("x", [4])], [f32("w", [4])])
    save(graph, "rewrite/clip-v10.onnx", opset=10)


def reduce_attrs():
    nodes = [
        helper.make_node("ReduceSum", ["x"], ["s"], name="sum", axes=[1], keepdims=0),
        helper.make_node("ReduceMean", ["x"], ["m"], name="mean", axes=[0, 1]),
        helper.make_node("ReduceMean", ["x"], ["all"], name="mean_all"),
    ]
    graph = helper.make_graph(nodes, "reduce", [f32("x", [2, 3])], [f32("s", [2]), f32("m", [1, 1]), f32("all", [1, 1])])
    save(graph, "rewrite/reduce-v12.onnx", opset=12)
    # ReduceMean keeps its axes attribute until opset 18.
    node = helper.make_node("ReduceMean", ["x"], ["m"], name="mean", axes=[-1])
    graph = helper.make_graph([node], "reduce17", [f32("x", [2, 3])], [f32("m", [2, 1])])
    save(graph, "rewrite/reducemean-v17.onnx", opset=17)


def softmax_legacy():
    nodes = [
        # axis 1 of a 4-D input: normalises over C*H*W, so Flatten/Softmax/Reshape.
        helper.make_node("Softmax", ["x4"], ["y4"], name="softmax_4d", axis=1),
        # default axis (1) of a 2-D input is the last axis: canonical as is.
        helper.make_node("LogSoftmax", ["x2"], ["y2"], name="logsoftmax_2d"),
        # rank unknown: the general form.
        helper.make_node("Softmax", ["u"], ["yu"], name="softmax_unknown", axis=2),
        # axis -1 is always the last axis.
        helper.make_node("Softmax", ["u"], ["ylast"], name="softmax_last", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "softmax",
        [f32("x4", [1, 2, 3, 4]), f32("x2", ["batch", 5]), vi("u", TensorProto.FLOAT, None)],
        [f32("y4", [1, 2, 3, 4]), f32("y2", ["batch", 5]), f32("yu", None), f32("ylast", None)],
    )
    save(graph, "rewrite/softmax-v11.onnx", opset=11, check=False)
    # From opset 13 the axis is a single axis: nothing to rewrite.
    node = helper.make_node("Softmax", ["x4"], ["y4"], name="softmax_4d", axis=1)
    graph = helper.make_graph([node], "softmax13", [f32("x4", [1, 2, 3, 4])], [f32("y4", [1, 2, 3, 4])])
    save(graph, "rewrite/softmax-v13.onnx", opset=13)


def batchnorm_legacy():
    c = 3
    params = [numpy_helper.from_array(np.full(c, v, dtype=np.float32), n)
              for n, v in [("scale", 2.0), ("bias", 0.5), ("mean", 1.0), ("var", 4.0)]]
    spatial0 = [numpy_helper.from_array(np.full((c, 2), v, dtype=np.float32), n)
                for n, v in [("scale0", 2.0), ("bias0", 0.5), ("mean0", 1.0), ("var0", 4.0)]]
    nodes = [
        helper.make_node("BatchNormalization", ["x", "scale", "bias", "mean", "var"],
                         ["y", "running_mean", "running_var", "saved_mean", "saved_var"],
                         name="bn", epsilon=1e-3, momentum=0.9, spatial=1, is_test=1),
        helper.make_node("BatchNormalization", ["p", "scale0", "bias0", "mean0", "var0"], ["q"],
                         name="bn_elementwise", spatial=0, epsilon=1e-2),
        # spatial = 0 with 1-D statistics is the same as spatial = 1.
        helper.make_node("BatchNormalization", ["r", "scale", "bias", "mean", "var"], ["s"],
                         name="bn_per_channel", spatial=0),
    ]
    graph = helper.make_graph(nodes, "batchnorm", [f32("x", [1, c, 2, 2]), f32("p", [1, c, 2]), f32("r", [2, c])],
                              [f32("y", [1, c, 2, 2]), f32("q", [1, c, 2]), f32("s", [2, c])],
                              initializer=params + spatial0)
    save(graph, "rewrite/batchnorm-v7.onnx", opset=7, check=False, ir_version=3)


def dropout_gemm():
    w = numpy_helper.from_array(np.ones((4, 2), dtype=np.float32), "w")
    b = numpy_helper.from_array(np.zeros(2, dtype=np.float32), "b")
    nodes = [
        helper.make_node("Dropout", ["x"], ["d", "mask"], name="dropout", ratio=0.3),
        helper.make_node("Gemm", ["d", "w", "b"], ["y"], name="gemm", broadcast=1, transB=0),
    ]
    graph = helper.make_graph(nodes, "dropout_gemm", [f32("x", [1, 4])], [f32("y", [1, 2])], initializer=[w, b])
    save(graph, "rewrite/dropout-gemm-v10.onnx", opset=10, check=False, ir_version=5)


# MARK: - External data


def external_tensor(name, elem, dims, location, offset=None, length=None):
    t = TensorProto()
    t.name, t.data_type = name, elem
    t.dims.extend(dims)
    t.data_location = TensorProto.EXTERNAL
    entries = [("location", location)]
    if offset is not None:
        entries.append(("offset", str(offset)))
    if length is not None:
        entries.append(("length", str(length)))
    for key, value in entries:
        entry = t.external_data.add()
        entry.key, entry.value = key, value
    return t


def external():
    """external/model.onnx with weights.bin beside it; the other models each break one rule."""
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    ids = np.array([3, -4], dtype=np.int64)
    blob = bytearray(b"BALE")  # a header, so offsets are not 0
    w_offset = len(blob)
    blob += w.tobytes()
    ids_offset = len(blob)
    blob += ids.tobytes()
    os.makedirs(os.path.join(OUT, "external"), exist_ok=True)
    with open(os.path.join(OUT, "external", "weights.bin"), "wb") as f:
        f.write(blob)
    with open(os.path.join(OUT, "outside.bin"), "wb") as f:
        f.write(w.tobytes())

    def model(name, tensor):
        node = helper.make_node("Identity", [tensor.name], ["y"], name="id")
        graph = helper.make_graph([node], name.split(".")[0], [], [vi("y", tensor.data_type, list(tensor.dims))],
                                  initializer=[tensor])
        save(graph, "external/" + name, check=False)

    ok_w = external_tensor("w", TensorProto.FLOAT, [2, 3], "weights.bin", w_offset, w.nbytes)
    ok_ids = external_tensor("ids", TensorProto.INT64, [2], "weights.bin", ids_offset)  # length: to the end
    node = helper.make_node("Gather", ["w", "ids"], ["y"], name="gather", axis=1)
    graph = helper.make_graph([node], "external", [], [f32("y", [2, 2])], initializer=[ok_w, ok_ids])
    save(graph, "external/model.onnx", check=False)

    model("escape.onnx", external_tensor("w", TensorProto.FLOAT, [2, 3], "../outside.bin"))
    model("absolute.onnx", external_tensor("w", TensorProto.FLOAT, [2, 3], "/etc/hostname"))
    model("past-end.onnx", external_tensor("w", TensorProto.FLOAT, [2, 3], "weights.bin", 8, 1 << 40))
    model("wrong-count.onnx", external_tensor("w", TensorProto.FLOAT, [4, 3], "weights.bin", w_offset, w.nbytes))
    model("missing-file.onnx", external_tensor("w", TensorProto.FLOAT, [2, 3], "nowhere.bin"))


# MARK: - Invalid and unsupported models


def invalid():
    x, y = f32("x", [2]), f32("y", [2])

    nodes = [
        helper.make_node("LSTM", ["x", "w", "r"], ["h"], name="lstm_1", hidden_size=2),
        helper.make_node("Relu", ["h"], ["h2"], name="relu"),
        helper.make_node("LSTM", ["h2", "w", "r"], ["h3"], name="lstm_2", hidden_size=2),
        helper.make_node("NonMaxSuppression", ["h3", "h3"], ["y"], name="nms"),
    ]
    graph = helper.make_graph(nodes, "unsupported", [x, f32("w", None), f32("r", None)], [y])
    save(graph, "invalid/unsupported-ops.onnx", check=False)

    nodes = [helper.make_node("Add", ["x", "missing"], ["y"], name="add")]
    save(helper.make_graph(nodes, "dangling", [x], [y]), "invalid/dangling-input.onnx", check=False)

    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name="start"),
        helper.make_node("Add", ["a", "c"], ["b"], name="loop_a"),
        helper.make_node("Relu", ["b"], ["c"], name="loop_b"),
        helper.make_node("Identity", ["b"], ["y"], name="end"),
    ]
    save(helper.make_graph(nodes, "cycle", [x], [y]), "invalid/cycle.onnx", check=False)

    nodes = [
        helper.make_node("Identity", ["b"], ["y"], name="third"),
        helper.make_node("Relu", ["a"], ["b"], name="second"),
        helper.make_node("Relu", ["x"], ["a"], name="first"),
    ]
    save(helper.make_graph(nodes, "unsorted", [x], [y]), "unsorted.onnx", check=False)

    nodes = [helper.make_node("Relu", ["x"], ["y"], name="r1"), helper.make_node("Relu", ["x"], ["y"], name="r2")]
    save(helper.make_graph(nodes, "duplicate", [x], [y]), "invalid/duplicate-output.onnx", check=False)

    nodes = [helper.make_node("Relu", ["x"], ["z"], name="relu")]
    save(helper.make_graph(nodes, "unproduced", [x], [y]), "invalid/output-not-produced.onnx", check=False)

    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    save(helper.make_graph(nodes, "old", [x], [y]), "invalid/opset-6.onnx", opset=6, ir_version=3)
    save(helper.make_graph(nodes, "new", [x], [y]), "invalid/opset-22.onnx", opset=22, ir_version=10)

    body = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "body", [x], [y])
    node = helper.make_node("Identity", ["x"], ["y"], name="with_graph")
    node.attribute.append(helper.make_attribute("body", body))
    save(helper.make_graph([node], "graph_attr", [x], [y]), "invalid/graph-attribute.onnx", check=False)

    bf16 = helper.make_tensor("bf16_weight", TensorProto.BFLOAT16, [2], [1.0, 2.0])
    nodes = [helper.make_node("Add", ["x", "bf16_weight"], ["y"], name="add")]
    save(helper.make_graph(nodes, "bf16", [x], [y], initializer=[bf16]), "invalid/bfloat16-initializer.onnx", check=False)

    nodes = [helper.make_node("Relu", ["d"], ["y"], name="relu")]
    save(helper.make_graph(nodes, "f64_input", [vi("d", TensorProto.DOUBLE, [2])], [y]), "invalid/double-input.onnx", check=False)

    sparse = helper.make_sparse_tensor(
        numpy_helper.from_array(np.array([1.0], dtype=np.float32)), numpy_helper.from_array(np.array([1], dtype=np.int64)), [2])
    nodes = [helper.make_node("Constant", [], ["c"], name="sparse", sparse_value=sparse),
             helper.make_node("Add", ["x", "c"], ["y"], name="add")]
    save(helper.make_graph(nodes, "sparse", [x], [y]), "invalid/sparse-constant.onnx", check=False)

    with open(os.path.join(OUT, "invalid", "garbage.onnx"), "wb") as f:
        f.write(b"this is not an ONNX model, just some text\n")


if __name__ == "__main__":
    basic()
    attributes()
    domains()
    dtypes()
    reshape_attr()
    squeeze_unsqueeze()
    split()
    slice_attrs()
    pad_attrs()
    clip_attrs()
    reduce_attrs()
    softmax_legacy()
    batchnorm_legacy()
    dropout_gemm()
    external()
    invalid()
    print("wrote", OUT)
