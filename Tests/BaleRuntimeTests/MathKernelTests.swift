import BaleGraph
import BaleRuntime
import Testing

/// Softmax, LogSoftmax, the reductions and ArgMax through the registry; expected values computed
/// with NumPy.
@Suite struct MathKernelTests {
    static let x2 = Tensor(shape: [2, 3], floats: [1, 2, 3, -1, 0, 4])
    static let x3 = Tensor(shape: [2, 2, 3], floats: (0..<12).map { Float($0) * 0.5 })
    static let r = Tensor(shape: [2, 3, 4], floats: (0..<24).map { Float($0) })

    static func axes(_ values: Int64...) -> Tensor { Tensor(shape: [values.count], int64s: values) }

    // MARK: - Float results

    static let floatCases: [FloatCase] = [
        FloatCase(
            "default axis -1", "Softmax", [x2], [2, 3],
            [
                0.09003057330846786, 0.2447284758090973, 0.6652409434318542, 0.006573263090103865, 0.017867982387542725,
                0.9755587577819824,
            ]),
        FloatCase(
            "axis 0", "Softmax", [x2], attributes: ["axis": .int(0)], [2, 3],
            [
                0.8807970881462097, 0.8807970881462097, 0.2689414322376251, 0.11920291930437088, 0.11920291930437088,
                0.7310585975646973,
            ]),
        FloatCase(
            "axis -2 of rank 3", "Softmax", [x3], attributes: ["axis": .int(-2)], [2, 2, 3],
            [
                0.18242552876472473, 0.18242552876472473, 0.18242552876472473, 0.8175745010375977, 0.8175745010375977,
                0.8175745010375977,
                0.18242552876472473, 0.18242552876472473, 0.18242552876472473, 0.8175745010375977, 0.8175745010375977,
                0.8175745010375977,
            ]),
        FloatCase(
            "large inputs stay finite", "Softmax", [Tensor(shape: [3], floats: [1000, 1001, 1002])], [3],
            [0.09003057330846786, 0.2447284758090973, 0.6652409434318542]),
        FloatCase(
            "default axis -1", "LogSoftmax", [x2], [2, 3],
            [
                -2.4076058864593506, -1.4076060056686401, -0.40760597586631775, -5.024744987487793, -4.024744987487793,
                -0.02474489063024521,
            ]),
        FloatCase(
            "axis 1 of rank 3", "LogSoftmax", [x3], attributes: ["axis": .int(1)], [2, 2, 3],
            [
                -1.7014132738113403, -1.7014132738113403, -1.7014132738113403, -0.20141327381134033,
                -0.20141327381134033, -0.20141327381134033,
                -1.7014132738113403, -1.7014132738113403, -1.7014132738113403, -0.20141327381134033,
                -0.20141327381134033, -0.20141327381134033,
            ]),
        FloatCase(
            "large inputs stay finite", "LogSoftmax", [Tensor(shape: [3], floats: [1000, 1001, 1002])], [3],
            [-2.4076058864593506, -1.4076060056686401, -0.40760597586631775]),
        FloatCase("axis 1 keepdims", "ReduceMean", [r, axes(1)], [2, 1, 4], [4, 5, 6, 7, 16, 17, 18, 19]),
        FloatCase(
            "axes -1, 0 without keepdims", "ReduceMean", [r, axes(-1, 0)], attributes: ["keepdims": .int(0)], [3],
            [7.5, 11.5, 15.5]),
        FloatCase("no axes: all", "ReduceMean", [r], [1, 1, 1], [11.5]),
        FloatCase("empty axes: all", "ReduceMean", [r, axes()], attributes: ["keepdims": .int(0)], [], [11.5]),
        FloatCase(
            "noop_with_empty_axes", "ReduceMean", [x2], attributes: ["noop_with_empty_axes": .int(1)], [2, 3],
            [1, 2, 3, -1, 0, 4]),
        FloatCase(
            "over an empty axis is NaN", "ReduceMean", [Tensor(shape: [2, 0], floats: []), axes(1)], [2, 1],
            [.nan, .nan]),
        FloatCase(
            "axis 2 without keepdims", "ReduceSum", [r, axes(2)], attributes: ["keepdims": .int(0)], [2, 3],
            [6, 22, 38, 54, 70, 86]),
        FloatCase("axis -2 keepdims", "ReduceSum", [x2, axes(-2)], [1, 3], [0, 2, 7]),
        FloatCase(
            "over an empty axis is 0", "ReduceSum", [Tensor(shape: [0, 2], floats: []), axes(0)], [1, 2], [0, 0]),
    ]

    @Test(arguments: floatCases)
    func floatResults(_ c: FloatCase) throws {
        let result = try KernelProbe.run(c.op, c.inputs, attributes: c.attributes)
        #expect(result.count == 1)
        KernelProbe.expectClose(result[0], shape: c.shape, c.expected)
    }

    // MARK: - Integer results

    static let a = Tensor(shape: [3, 3], floats: [3, 1, 3, 2, 7, 7, 0, -1, -5])
    static let ai = Tensor(shape: [2, 2, 2], int64s: [1, 5, 9, 2, 4, 4, 0, 8])

    static let exactCases: [ExactCase] = [
        ExactCase(
            "i64 axis 0 keepdims", "ReduceSum", [Tensor(shape: [2, 3], int64s: [1, -2, 3, 40, 50, -60]), axes(0)],
            Tensor(shape: [1, 3], int64s: [41, 48, -57])),
        ExactCase(
            "i64 all without keepdims", "ReduceSum", [Tensor(shape: [2, 3], int64s: [1, -2, 3, 40, 50, -60])],
            attributes: ["keepdims": .int(0)], Tensor(shape: [], int64s: [32])),
        ExactCase(
            "axis 1 keepdims", "ArgMax", [a], attributes: ["axis": .int(1)], Tensor(shape: [3, 1], int64s: [0, 1, 0])),
        ExactCase("default axis 0", "ArgMax", [a], Tensor(shape: [1, 3], int64s: [0, 1, 1])),
        ExactCase(
            "select_last_index", "ArgMax", [a],
            attributes: ["axis": .int(1), "keepdims": .int(0), "select_last_index": .int(1)],
            Tensor(shape: [3], int64s: [2, 2, 0])),
        ExactCase(
            "i64 axis -1 without keepdims", "ArgMax", [ai], attributes: ["axis": .int(-1), "keepdims": .int(0)],
            Tensor(shape: [2, 2], int64s: [1, 0, 0, 1])),
        ExactCase(
            "i64 axis 1", "ArgMax", [ai], attributes: ["axis": .int(1)],
            Tensor(shape: [2, 1, 2], int64s: [1, 0, 0, 1])),
        ExactCase(
            "NaN is largest", "ArgMax", [Tensor(shape: [1, 4], floats: [1, .nan, 3, .nan])],
            attributes: ["axis": .int(1)],
            Tensor(shape: [1, 1], int64s: [1])),
    ]

    @Test(arguments: exactCases)
    func exactResults(_ c: ExactCase) throws {
        let result = try KernelProbe.run(c.op, c.inputs, attributes: c.attributes)
        #expect(result == [c.expected])
    }

    // MARK: - Errors

    static let errorCases: [ErrorCase] = [
        ErrorCase("Softmax", [x2], attributes: ["axis": .int(2)], "axis 2 is out of range for rank 2"),
        ErrorCase("LogSoftmax", [Tensor(shape: [2], int64s: [1, 2])], "input 0 must be f32, got i64"),
        ErrorCase("ReduceSum", [r, axes(1, -2)], "axis -2 is repeated in [1, -2]"),
        ErrorCase("ReduceSum", [r, axes(3)], "axis 3 is out of range for rank 3"),
        ErrorCase("ReduceSum", [Tensor(shape: [], floats: [1]), axes(0)], "axis 0 is out of range for rank 0"),
        ErrorCase("ReduceSum", [Tensor(shape: [1], storage: .i32([1]))], "input must be f32 or i64, got i32"),
        ErrorCase("ReduceMean", [Tensor(shape: [1], int64s: [1])], "input must be f32, got i64"),
        ErrorCase("ReduceMean", [r, Tensor(shape: [1], floats: [0])], "input 1 must be an integer tensor, got f32"),
        ErrorCase("ArgMax", [a], attributes: ["axis": .int(-3)], "axis -3 is out of range for rank 2"),
        ErrorCase("ArgMax", [Tensor(shape: [], floats: [1])], "input must have rank >= 1"),
        ErrorCase(
            "ArgMax", [Tensor(shape: [2, 0], floats: [])], attributes: ["axis": .int(1)],
            "axis 1 of shape [2, 0] is empty"),
        ErrorCase("ArgMax", [Tensor(shape: [1], storage: .bool([true]))], "input must be f32, i32 or i64, got bool"),
    ]

    @Test(arguments: errorCases)
    func errors(_ c: ErrorCase) {
        KernelProbe.expectError(c)
    }
}
