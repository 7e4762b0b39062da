import BaleGraph
import BaleONNX
import Testing

/// Each older opset form is rewritten into the canonical form of docs/operators.md.
@Suite("ONNX importer opset rewrites")
struct ImporterRewriteTests: ImporterTesting {
    @Test func reshapeShapeAttributeBecomesAnInput() throws {
        let graph = try importFixture("rewrite/reshape-v7.onnx").graph
        let reshape = try node("reshape", in: graph)
        #expect(reshape.inputs == ["x", "reshape_shape"])
        #expect(reshape.attributes.isEmpty)
        #expect(try ints("reshape_shape", in: graph) == [3, -1])
    }

    @Test func squeezeAndUnsqueezeAxesBecomeInputs() throws {
        let graph = try importFixture("rewrite/squeeze-v11.onnx").graph
        #expect(try node("unsqueeze", in: graph).inputs == ["x", "unsqueeze_axes"])
        #expect(try ints("unsqueeze_axes", in: graph) == [0, 3])
        #expect(try node("squeeze", in: graph).inputs == ["u", "squeeze_axes"])
        #expect(try ints("squeeze_axes", in: graph) == [0])
        #expect(try node("squeeze_all", in: graph).inputs == ["y"])
        #expect(graph.nodes.allSatisfy { $0.attributes.isEmpty })
    }

    @Test func splitSizesBecomeAnInputAndEqualSplitsGetNumOutputs() throws {
        let graph = try importFixture("rewrite/split-v11.onnx").graph
        let sized = try node("split_sizes", in: graph)
        #expect(sized.inputs == ["x", "split_sizes_split"])
        #expect(sized.attributes == ["axis": .int(1)])
        #expect(try ints("split_sizes_split", in: graph) == [1, 2])
        let equal = try node("split_equal", in: graph)
        #expect(equal.inputs == ["x"])
        #expect(equal.attributes == ["axis": .int(1), "num_outputs": .int(3)])
    }

    @Test func sliceAttributesBecomeInputs() throws {
        let graph = try importFixture("rewrite/slice-v9.onnx").graph
        #expect(try node("slice", in: graph).inputs == ["x", "slice_starts", "slice_ends", "slice_axes"])
        #expect(try ints("slice_starts", in: graph) == [0, 1])
        #expect(try ints("slice_ends", in: graph) == [2, .max])
        #expect(try ints("slice_axes", in: graph) == [0, 1])
        #expect(try node("slice_no_axes", in: graph).inputs == ["y", "slice_no_axes_starts", "slice_no_axes_ends"])
        #expect(graph.nodes.allSatisfy { $0.attributes.isEmpty })
    }

    @Test func padAttributesBecomeInputsOfTheDataType() throws {
        let graph = try importFixture("rewrite/pad-v10.onnx").graph
        let pad = try node("pad", in: graph)
        #expect(pad.inputs == ["x", "pad_pads", "pad_constant_value"])
        #expect(pad.attributes.isEmpty)
        #expect(try ints("pad_pads", in: graph) == [0, 1, 0, 1])
        #expect(graph.initializers["pad_constant_value"] == Tensor(shape: [], floats: [1.5]))
        let zero = try node("pad_zero", in: graph)
        #expect(zero.inputs == ["y", "pad_zero_pads"])
        #expect(zero.attributes == ["mode": .string("constant")])
        #expect(try node("pad_int", in: graph).inputs == ["i", "pad_int_pads", "pad_int_constant_value"])
        #expect(graph.initializers["pad_int_constant_value"] == Tensor(shape: [], int64s: [2]))
    }

    @Test func clipBoundsBecomeInputs() throws {
        let graph = try importFixture("rewrite/clip-v10.onnx").graph
        #expect(try node("clip", in: graph).inputs == ["x", "clip_min", "clip_max"])
        #expect(graph.initializers["clip_min"] == Tensor(shape: [], floats: [-1]))
        #expect(graph.initializers["clip_max"] == Tensor(shape: [], floats: [1]))
        #expect(try node("clip_max", in: graph).inputs == ["y", "", "clip_max_max"])
        #expect(graph.initializers["clip_max_max"] == Tensor(shape: [], floats: [0.5]))
        #expect(try node("clip_none", in: graph).inputs == ["z"])
        #expect(graph.nodes.allSatisfy { $0.attributes.isEmpty })
    }

    @Test(arguments: ["rewrite/reduce-v12.onnx", "rewrite/reducemean-v17.onnx"])
    func reduceAxesBecomeAnInput(fixture: String) throws {
        let graph = try importFixture(fixture).graph
        let mean = try node("mean", in: graph)
        #expect(mean.inputs == ["x", "mean_axes"])
        #expect(mean.attributes.isEmpty)
        #expect(try ints("mean_axes", in: graph) == (fixture.contains("v17") ? [-1] : [0, 1]))
        guard fixture.contains("v12") else { return }
        let sum = try node("sum", in: graph)
        #expect(sum.inputs == ["x", "sum_axes"])
        #expect(sum.attributes == ["keepdims": .int(0)])
        #expect(try node("mean_all", in: graph).inputs == ["x"])
    }

    @Test func legacySoftmaxOverTrailingAxesIsFlattenedAndReshapedBack() throws {
        let graph = try importFixture("rewrite/softmax-v11.onnx").graph
        let names = graph.nodes.map(\.name)
        #expect(names.prefix(4) == ["softmax_4d_shape", "softmax_4d_flatten", "softmax_4d", "softmax_4d_reshape"])
        let shape = try node("softmax_4d_shape", in: graph)
        #expect(shape.opType == "Shape" && shape.inputs == ["x4"] && shape.outputs == ["softmax_4d_input_shape"])
        let flatten = try node("softmax_4d_flatten", in: graph)
        #expect(flatten.opType == "Flatten" && flatten.inputs == ["x4"] && flatten.attributes == ["axis": .int(1)])
        let softmax = try node("softmax_4d", in: graph)
        #expect(softmax.inputs == flatten.outputs && softmax.attributes == ["axis": .int(-1)])
        let reshape = try node("softmax_4d_reshape", in: graph)
        #expect(
            reshape.opType == "Reshape" && reshape.inputs == softmax.outputs + shape.outputs
                && reshape.outputs == ["y4"])

        // Rank 2 with the default axis 1: the last axis, so only the axis is made explicit.
        let log = try node("logsoftmax_2d", in: graph)
        #expect(log.inputs == ["x2"] && log.outputs == ["y2"] && log.attributes == ["axis": .int(1)])
        // Unknown rank: always the general form. Axis -1: always the last axis.
        #expect(try node("softmax_unknown_flatten", in: graph).attributes == ["axis": .int(2)])
        #expect(try node("softmax_last", in: graph).attributes == ["axis": .int(-1)])
        #expect(try node("softmax_last", in: graph).inputs == ["u"])
    }

    @Test func softmaxFromOpset13IsKept() throws {
        let graph = try importFixture("rewrite/softmax-v13.onnx").graph
        #expect(
            graph.nodes == [
                Node(
                    name: "softmax_4d", opType: "Softmax", inputs: ["x4"], outputs: ["y4"],
                    attributes: ["axis": .int(1)])
            ])
    }

    @Test func batchNormalizationDropsLegacyAttributesAndUnusedOutputs() throws {
        let graph = try importFixture("rewrite/batchnorm-v7.onnx").graph
        let bn = try node("bn", in: graph)
        #expect(bn.outputs == ["y"])
        #expect(bn.attributes == ["epsilon": .float(1e-3)])
        let perChannel = try node("bn_per_channel", in: graph)
        #expect(perChannel.opType == "BatchNormalization" && perChannel.attributes.isEmpty)
        #expect(perChannel.inputs == ["r", "scale", "bias", "mean", "var"] && perChannel.outputs == ["s"])
    }

    @Test func nonSpatialBatchNormalizationBecomesElementwiseArithmetic() throws {
        let graph = try importFixture("rewrite/batchnorm-v7.onnx").graph
        let ops = graph.nodes.filter { $0.name.hasPrefix("bn_elementwise") }.map(\.opType)
        #expect(ops == ["Sub", "Add", "Sqrt", "Div", "Mul", "Add"])
        let last = try node("bn_elementwise", in: graph)
        #expect(last.opType == "Add" && last.outputs == ["q"] && last.inputs[1] == "bias0")
        #expect(try node("bn_elementwise_centered", in: graph).inputs == ["p", "mean0"])
        #expect(try node("bn_elementwise_var_eps", in: graph).inputs == ["var0", "bn_elementwise_epsilon"])
        #expect(graph.initializers["bn_elementwise_epsilon"] == Tensor(shape: [], floats: [1e-2]))
    }

    @Test func dropoutRatioAndGemmBroadcastAreDropped() throws {
        let graph = try importFixture("rewrite/dropout-gemm-v10.onnx").graph
        let dropout = try node("dropout", in: graph)
        #expect(dropout.attributes.isEmpty && dropout.outputs == ["d", "mask"])
        #expect(try node("gemm", in: graph).attributes == ["transB": .int(0)])
    }
}
