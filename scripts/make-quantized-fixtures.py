#!/usr/bin/env python3
"""Writes Bale's quantized-model fixtures under Tests/BaleONNXTests/Fixtures/quantized/.

- ops/<case>/: one small model per quantization operator and variant (QuantizeLinear,
  DequantizeLinear, DynamicQuantizeLinear, MatMulInteger, ConvInteger, QLinearMatMul,
  QLinearConv), with inputs and onnxruntime's outputs;
- models/<case>/: the mlp and cnn models of make-onnx-fixtures.py quantized by
  onnxruntime.quantization: `quantize_dynamic` with QInt8 and QUInt8 weights, and
  `quantize_static` in QDQ format per tensor and per channel, calibrated on random inputs;
- cases.json: as make-onnx-fixtures.py writes it, with tolerances explained below.

Tolerances. Integer outputs must match exactly. The per-op cases and the dynamically quantized
models compute what onnxruntime computes (exact int32 sums, the same f32 scale arithmetic), so
their f32 outputs keep the default 1e-4. The QDQ models are compared with onnxruntime running
the QDQ graph as written (float products of dequantized values, then QuantizeLinear), while Bale
runs the fused QLinearConv/QLinearMatMul on exact int32 sums: an intermediate value near the
middle of two quantization steps may round to the other step, and that one-step difference
could propagate. Their tolerance is therefore one quantization step of the output's own scale
(QDQ_STEPS steps of the final DequantizeLinear's scale), the error ONNX quantization itself
allows between integer and QDQ execution (on these inputs the outputs agree to 1.2e-7).

Deterministic: every case draws from its own generator seeded from its name; quantized/ is
deleted and rewritten on each run. Needs the packages make-onnx-fixtures.py needs, with
onnxruntime's quantization tools.
"""
import importlib.util
import json
import logging
import shutil
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_dynamic, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

_spec = importlib.util.spec_from_file_location("fixtures", Path(__file__).with_name("make-onnx-fixtures.py"))
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)
Case, I, N, U, graph_case, write_case = (fixtures.Case, fixtures.I, fixtures.N, fixtures.U, fixtures.graph_case,
                                         fixtures.write_case)

ROOT = "quantized"
QDQ_STEPS = 1
u8, i8, i32 = np.uint8, np.int8, np.int32


def scalar(value, dtype=np.float32):
    return np.array(value, dtype)


def vector(*values, dtype=np.float32):
    return np.array(values, dtype)


def op_case(name, op, inputs, consts=None, opset=13, outputs=("y",), **attrs):
    """A one-node case under quantized/ops/ reading the graph inputs, then the constants."""
    consts = consts or {}
    node = helper.make_node(op, [*inputs, *consts], list(outputs), name=name, **attrs)
    return graph_case(f"{ROOT}/ops/{name}", [node], inputs, list(outputs), consts, opset)


# MARK: - Per-op cases


def quantize_cases():
    # x / 0.5 lands on .5 ties, both signs, and beyond both ends of the range.
    dynamic_outputs = ("y", "y_scale", "y_zero_point")
    ties = np.array([[0.25, 0.75, 1.25, -0.25, -0.75, -1.25], [100.0, -100.0, 0.0, 63.75, -64.25, 1e9]], np.float32)
    return [
        op_case("quantizelinear_u8_ties", "QuantizeLinear", {"x": ties}, {"s": scalar(0.5), "z": scalar(128, u8)}),
        op_case("quantizelinear_i8_ties", "QuantizeLinear", {"x": ties}, {"s": scalar(0.5), "z": scalar(-3, i8)}),
        op_case("quantizelinear_opset10_no_zero_point", "QuantizeLinear", {"x": U(-1, 3, 3, 4)},
                {"s": scalar(0.02)}, opset=10),
        op_case("quantizelinear_per_axis_i8", "QuantizeLinear", {"x": N(2, 3, 4)},
                {"s": vector(0.01, 0.02, 0.05), "z": vector(0, 5, -7, dtype=i8)}),
        op_case("quantizelinear_opset21_axis_last", "QuantizeLinear", {"x": N(2, 3, 4)},
                {"s": vector(0.01, 0.02, 0.05, 0.1), "z": vector(10, 128, 200, 0, dtype=u8)}, opset=21, axis=-1),
        op_case("dequantizelinear_u8", "DequantizeLinear", {"x": I(0, 256, 3, 4, dtype=u8)},
                {"s": scalar(0.05), "z": scalar(131, u8)}),
        op_case("dequantizelinear_opset10_i8", "DequantizeLinear", {"x": I(-128, 128, 3, 4, dtype=i8)},
                {"s": scalar(0.1), "z": scalar(-2, i8)}, opset=10),
        op_case("dequantizelinear_per_axis_i8", "DequantizeLinear", {"x": I(-128, 128, 4, 3, dtype=i8)},
                {"s": vector(0.1, 0.2, 0.3, 0.4), "z": vector(0, 1, -1, 3, dtype=i8)}, axis=0),
        op_case("dequantizelinear_i32", "DequantizeLinear", {"x": I(-100000, 100000, 6, dtype=i32)},
                {"s": scalar(0.001), "z": scalar(0, i32)}),
        op_case("dynamicquantizelinear", "DynamicQuantizeLinear", {"x": N(3, 5)}, outputs=dynamic_outputs),
        op_case("dynamicquantizelinear_positive", "DynamicQuantizeLinear", {"x": U(0.5, 4, 2, 6)},
                outputs=dynamic_outputs),
    ]


def integer_cases():
    x = I(0, 256, 1, 3, 7, 7, dtype=u8)
    return [
        op_case("matmulinteger_u8_u8", "MatMulInteger", {"a": I(0, 256, 3, 4, dtype=u8)},
                {"b": I(0, 256, 4, 5, dtype=u8), "za": scalar(120, u8), "zb": scalar(131, u8)}),
        op_case("matmulinteger_u8_i8_per_column", "MatMulInteger", {"a": I(0, 256, 2, 3, 6, dtype=u8)},
                {"b": I(-128, 128, 6, 4, dtype=i8), "za": scalar(3, u8), "zb": vector(0, 1, -2, 5, dtype=i8)}),
        op_case("matmulinteger_no_zero_points", "MatMulInteger",
                {"a": I(0, 256, 4, 8, dtype=u8), "b": I(0, 256, 8, 3, dtype=u8)}),
        op_case("convinteger_u8_u8_pads", "ConvInteger", {"x": x},
                {"w": I(0, 256, 4, 3, 3, 3, dtype=u8), "zx": scalar(7, u8), "zw": scalar(130, u8)}, pads=[1, 1, 1, 1]),
        op_case("convinteger_u8_i8_strides", "ConvInteger", {"x": x},
                {"w": I(-128, 128, 2, 3, 3, 3, dtype=i8), "zx": scalar(128, u8)}, strides=[2, 2], pads=[0, 1, 1, 0]),
        op_case("convinteger_groups_dilations", "ConvInteger", {"x": I(0, 256, 2, 4, 8, 8, dtype=u8)},
                {"w": I(0, 256, 6, 2, 3, 3, dtype=u8), "zx": scalar(100, u8)}, group=2, dilations=[2, 1]),
        op_case("qlinearmatmul_u8", "QLinearMatMul", {"a": I(0, 256, 3, 8, dtype=u8)},
                {"sa": scalar(0.02), "za": scalar(128, u8), "b": I(0, 256, 8, 5, dtype=u8), "sb": scalar(0.01),
                 "zb": scalar(120, u8), "sy": scalar(0.05), "zy": scalar(100, u8)}),
        op_case("qlinearmatmul_i8_per_column_batched", "QLinearMatMul", {"a": I(-128, 128, 2, 3, 8, dtype=i8)},
                {"sa": scalar(0.03), "za": scalar(-5, i8), "b": I(-128, 128, 8, 4, dtype=i8),
                 "sb": vector(0.01, 0.02, 0.005, 0.04), "zb": vector(0, 0, 0, 0, dtype=i8), "sy": scalar(0.2),
                 "zy": scalar(3, i8)}),
        op_case("qlinearconv_u8_bias_pads", "QLinearConv", {"x": x},
                {"sx": scalar(0.02), "zx": scalar(128, u8), "w": I(0, 256, 4, 3, 3, 3, dtype=u8), "sw": scalar(0.01),
                 "zw": scalar(127, u8), "sy": scalar(0.5), "zy": scalar(110, u8), "b": I(-2000, 2000, 4, dtype=i32)},
                pads=[1, 1, 1, 1]),
        op_case("qlinearconv_i8_per_channel_groups", "QLinearConv", {"x": I(-128, 128, 1, 4, 6, 6, dtype=i8)},
                {"sx": scalar(0.05), "zx": scalar(2, i8), "w": I(-127, 128, 6, 2, 3, 3, dtype=i8),
                 "sw": vector(0.01, 0.02, 0.03, 0.01, 0.02, 0.03), "zw": vector(0, 0, 0, 0, 0, 0, dtype=i8),
                 "sy": scalar(0.3), "zy": scalar(-10, i8), "b": I(-500, 500, 6, dtype=i32)},
                group=2, strides=[2, 1], pads=[1, 1, 1, 1]),
        op_case("qlinearconv_1d", "QLinearConv", {"x": I(0, 256, 2, 3, 10, dtype=u8)},
                {"sx": scalar(0.1), "zx": scalar(128, u8), "w": I(-127, 128, 5, 3, 3, dtype=i8), "sw": scalar(0.02),
                 "zw": scalar(0, i8), "sy": scalar(0.4), "zy": scalar(128, u8)}, auto_pad="SAME_UPPER"),
    ]


# MARK: - Quantized models


class RandomReader(CalibrationDataReader):
    """Calibration batches of one sample each, drawn like the case's input (standard normal)."""

    def __init__(self, case: Case, count: int = 16):
        name, value = next(iter(case.inputs.items()))
        rng = fixtures.case_rng(f"{case.path}/calibration")
        scale = float(np.std(value)) or 1.0
        self.batches = iter([{name: (rng.standard_normal((1, *value.shape[1:])) * scale).astype(np.float32)}
                             for _ in range(count)])

    def get_next(self):
        return next(self.batches, None)


def quantized_models():
    """The float mlp and cnn quantized each way; returns cases under quantized/models/."""
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, float_case in (("mlp", fixtures.mlp_model()), ("cnn", fixtures.cnn_model())):
            source = tmp / f"{name}.onnx"
            onnx.save(float_case.model, source)
            prepared = tmp / f"{name}_prepared.onnx"
            quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)

            def case(suffix, path, tolerance=fixtures.DEFAULT_TOLERANCE):
                model = onnx.load(path)
                model.producer_name = f"bale-fixtures (onnxruntime.quantization, {suffix})"
                return Case(f"{ROOT}/models/{name}_{suffix}", model, float_case.inputs, tolerance)

            for weight_type in (QuantType.QInt8, QuantType.QUInt8):
                out = tmp / f"{name}_dynamic_{weight_type.name}.onnx"
                quantize_dynamic(str(source), str(out), weight_type=weight_type)
                cases.append(case(f"dynamic_{weight_type.name.lower()}", out))
            # onnxruntime's per-channel QDQ quantizer fails on the prepared mlp's Gemm bias, so that
            # variant quantizes the mlp as exported (MatMul, then Add of an 8-bit bias).
            for per_channel in (False, True):
                src = source if per_channel and name == "mlp" else prepared
                out = tmp / f"{name}_qdq_{per_channel}.onnx"
                quantize_static(str(src), str(out), RandomReader(float_case), quant_format=QuantFormat.QDQ,
                                per_channel=per_channel, activation_type=QuantType.QInt8,
                                weight_type=QuantType.QInt8)
                qdq = case("static_qdq_per_channel" if per_channel else "static_qdq", out)
                qdq.tolerance = QDQ_STEPS * output_scale(qdq.model)
                cases.append(qdq)
    return cases


def output_scale(model):
    """The largest scale of the DequantizeLinear nodes producing graph outputs (the f32 ones)."""
    initializers = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    outputs = {o.name for o in model.graph.output}
    return max(float(initializers[n.input[1]]) for n in model.graph.node
               if n.op_type == "DequantizeLinear" and outputs.intersection(n.output))


# MARK: - Writing


def main() -> None:
    logging.getLogger().setLevel(logging.ERROR)  # onnxruntime.quantization's pre-processing advice
    cases = quantize_cases() + integer_cases() + quantized_models()
    directory = fixtures.FIXTURES / ROOT
    shutil.rmtree(directory, ignore_errors=True)
    entries = [write_case(c) for c in cases]
    lines = ",\n".join(f"  {json.dumps(e)}" for e in entries)
    (directory / "cases.json").write_text(f'{{"cases": [\n{lines}\n]}}\n')
    size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
    print(f"wrote {len(entries)} cases to {directory}, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
