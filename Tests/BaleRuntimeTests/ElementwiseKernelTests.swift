import BaleGraph
import BaleRuntime
import Foundation
import Testing

// MARK: - Support

/// Runs kernels through ``KernelRegistry`` on a node named `n` and checks what they return.
enum KernelProbe {
    /// Runs operator `op` on `inputs` (`nil` = omitted optional input) with `outputs` outputs.
    static func run(
        _ op: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:], outputs: Int = 1
    ) throws -> [Tensor] {
        let kernel = try #require(KernelRegistry.all[op], "no kernel for \(op)")
        let node = Node(
            name: "n", opType: op, inputs: inputs.indices.map { inputs[$0] == nil ? "" : "x\($0)" },
            outputs: (0..<outputs).map { "y\($0)" }, attributes: attributes)
        return try kernel(KernelContext(node: node, inputs: inputs))
    }

    /// Expects an f32 tensor of `shape` whose elements are within 1e-5 (absolute and relative)
    /// of `expected`; NaN matches NaN.
    static func expectClose(
        _ actual: Tensor, shape: [Int], _ expected: [Float], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(actual.shape == shape, sourceLocation: sourceLocation)
        guard let values = actual.floats, values.count == expected.count else {
            Issue.record(
                "expected \(expected.count) f32 values, got \(actual.dtype)\(actual.shape)",
                sourceLocation: sourceLocation)
            return
        }
        for (index, (x, y)) in zip(values, expected).enumerated() {
            let close = (x.isNaN && y.isNaN) || abs(x - y) <= 1e-5 * max(1, abs(y))
            #expect(close, "element \(index): \(x) is not close to \(y)", sourceLocation: sourceLocation)
        }
    }

    /// Expects `c` to throw a ``RuntimeError`` that names node `n`, its op, and `c.fragment`.
    static func expectError(_ c: ErrorCase, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: RuntimeError.self, sourceLocation: sourceLocation) {
            try run(c.op, c.inputs, attributes: c.attributes)
        }
        let message = error?.message ?? ""
        #expect(message.hasPrefix("node 'n' (\(c.op)): "), "\(message)", sourceLocation: sourceLocation)
        #expect(message.contains(c.fragment), "\(message)", sourceLocation: sourceLocation)
    }
}

/// A kernel call that must fail with a message containing `fragment`.
struct ErrorCase: CustomTestStringConvertible, Sendable {
    let op: String
    let inputs: [Tensor?]
    let attributes: [String: Attribute]
    let fragment: String

    init(_ op: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:], _ fragment: String) {
        self.op = op
        self.inputs = inputs
        self.attributes = attributes
        self.fragment = fragment
    }

    var testDescription: String { "\(op): \(fragment)" }
}

/// A kernel call and the single output it must produce exactly (integers, bools, exact floats).
struct ExactCase: CustomTestStringConvertible, Sendable {
    let name: String
    let op: String
    let inputs: [Tensor?]
    let attributes: [String: Attribute]
    let expected: Tensor

    init(_ name: String, _ op: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:], _ expected: Tensor) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.attributes = attributes
        self.expected = expected
    }

    var testDescription: String { "\(op) \(name)" }
}

/// A kernel call and the f32 output it must produce within tolerance.
struct FloatCase: CustomTestStringConvertible, Sendable {
    let name: String
    let op: String
    let inputs: [Tensor?]
    let attributes: [String: Attribute]
    let shape: [Int]
    let expected: [Float]

    init(
        _ name: String, _ op: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:], _ shape: [Int],
        _ expected: [Float]
    ) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.attributes = attributes
        self.shape = shape
        self.expected = expected
    }

    var testDescription: String { "\(op) \(name)" }
}

// MARK: - Elementwise

/// The elementwise kernels through the registry; expected values computed with NumPy.
@Suite struct ElementwiseKernelTests {
    static let unaryInput = Tensor(shape: [2, 3], floats: [-2, -0.5, 0, 0.5, 1, 3])

    // MARK: Float results

    static let floatCases: [FloatCase] = [
        FloatCase(
            "[2,3] + [3]", "Add",
            [Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]), Tensor(shape: [3], floats: [10, 20, 30])],
            [2, 3], [11, 22, 33, 14, 25, 36]),
        FloatCase(
            "[2,1] - [1,3]", "Sub",
            [Tensor(shape: [2, 1], floats: [1.5, -2]), Tensor(shape: [1, 3], floats: [0.5, 1, 2])],
            [2, 3], [1, 0.5, -0.5, -2.5, -3, -4]),
        FloatCase(
            "scalar * [2,2]", "Mul",
            [Tensor(shape: [], floats: [2.5]), Tensor(shape: [2, 2], floats: [1, -2, 3, 0.5])],
            [2, 2], [2.5, -5, 7.5, 1.25]),
        FloatCase(
            "[3,1,2] / [2,1]", "Div",
            [Tensor(shape: [3, 1, 2], floats: [1, 2, 3, 4, 5, 6]), Tensor(shape: [2, 1], floats: [4, 8])],
            [3, 2, 2], [0.25, 0.5, 0.125, 0.25, 0.75, 1, 0.375, 0.5, 1.25, 1.5, 0.625, 0.75]),
        FloatCase(
            "f32 exponent", "Pow",
            [Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]), Tensor(shape: [3], floats: [2, 0.5, -1])],
            [2, 3], [1, 1.4142135381698608, 0.3333333432674408, 16, 2.2360680103302, 0.1666666716337204]),
        FloatCase(
            "i64 exponent", "Pow",
            [Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]), Tensor(shape: [2, 1], int64s: [2, 3])],
            [2, 3], [1, 4, 9, 64, 125, 216]),
        FloatCase(
            "", "Sqrt", [Tensor(shape: [6], floats: [0, 1, 2, 9, 0.25, 100])], [6],
            [0, 1, 1.4142135381698608, 3, 0.5, 10]),
        FloatCase(
            "", "Exp", [unaryInput], [2, 3],
            [0.1353352814912796, 0.6065306663513184, 1, 1.6487212181091309, 2.7182817459106445, 20.08553695678711]),
        FloatCase(
            "", "Erf", [unaryInput], [2, 3],
            [-0.9953222870826721, -0.5204998850822449, 0, 0.5204998850822449, 0.8427007794380188, 0.9999778866767883]),
        FloatCase("", "Relu", [unaryInput], [2, 3], [0, 0, 0, 0.5, 1, 3]),
        FloatCase("default alpha", "LeakyRelu", [unaryInput], [2, 3], [-0.02, -0.005, 0, 0.5, 1, 3]),
        FloatCase(
            "alpha 0.2", "LeakyRelu", [unaryInput], attributes: ["alpha": .float(0.2)], [2, 3],
            [-0.4, -0.1, 0, 0.5, 1, 3]),
        FloatCase(
            "", "Sigmoid", [unaryInput], [2, 3],
            [0.11920291930437088, 0.3775406777858734, 0.5, 0.622459352016449, 0.7310585975646973, 0.9525741338729858]),
        FloatCase(
            "", "Tanh", [unaryInput], [2, 3],
            [-0.9640275835990906, -0.46211716532707214, 0, 0.46211716532707214, 0.7615941762924194, 0.9950547814369202]),
        FloatCase(
            "exact", "Gelu", [unaryInput], [2, 3],
            [-0.0455002635717392, -0.1542687714099884, 0, 0.3457312285900116, 0.8413447737693787, 2.995950222015381]),
        FloatCase(
            "tanh", "Gelu", [unaryInput], attributes: ["approximate": .string("tanh")], [2, 3],
            [-0.04540230706334114, -0.1542859971523285, 0, 0.3457140028476715, 0.8411920070648193, 2.9963626861572266]),
        FloatCase(
            "min and max", "Clip", [unaryInput, Tensor(shape: [], floats: [-1]), Tensor(shape: [], floats: [0.75])],
            [2, 3], [-1, -0.5, 0, 0.5, 0.75, 0.75]),
        FloatCase(
            "max only", "Clip", [unaryInput, nil, Tensor(shape: [1], floats: [0.25])], [2, 3],
            [-2, -0.5, 0, 0.25, 0.25, 0.25]),
        FloatCase("no bounds", "Clip", [unaryInput], [2, 3], [-2, -0.5, 0, 0.5, 1, 3]),
        FloatCase(
            "cond [2,1], X [3], Y scalar", "Where",
            [
                Tensor(shape: [2, 1], storage: .bool([true, false])), Tensor(shape: [3], floats: [1, 2, 3]),
                Tensor(shape: [], floats: [-1]),
            ],
            [2, 3], [1, 2, 3, -1, -1, -1]),
        FloatCase(
            "three inputs broadcast", "Sum", variadicInputs, [2, 3], [14, -5, 6.5, 11, -8, 3.5]),
        FloatCase("three inputs broadcast", "Max", variadicInputs, [2, 3], [10, 3, 3, 10, 5, 6]),
        FloatCase("three inputs broadcast", "Min", variadicInputs, [2, 3], [1, -10, 0.5, -3, -10, -3]),
        FloatCase("single input", "Sum", [Tensor(shape: [2], floats: [1, 2])], [2], [1, 2]),
        FloatCase(
            "NaN propagates", "Max", [Tensor(shape: [2], floats: [.nan, 1]), Tensor(shape: [2], floats: [1, .nan])],
            [2], [.nan, .nan]),
        FloatCase(
            "[3,1] to [2,1,4]", "Expand",
            [Tensor(shape: [3, 1], floats: [1, 2, 3]), Tensor(shape: [3], int64s: [2, 1, 4])],
            [2, 3, 4], [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]),
        FloatCase(
            "shape of 1s keeps input dims", "Expand",
            [Tensor(shape: [2, 2], floats: [1, 2, 3, 4]), Tensor(shape: [1], int64s: [1])],
            [2, 2], [1, 2, 3, 4]),
        FloatCase("", "Identity", [unaryInput], [2, 3], [-2, -0.5, 0, 0.5, 1, 3]),
        FloatCase(
            "one output", "Dropout", [unaryInput, Tensor(shape: [], floats: [0.5])], [2, 3], [-2, -0.5, 0, 0.5, 1, 3]),
    ]

    /// Sum, Max and Min operands: [2,3], [3] and [2,1].
    static let variadicInputs = [
        Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]), Tensor(shape: [3], floats: [10, -10, 0.5]),
        Tensor(shape: [2, 1], floats: [3, -3]),
    ]

    @Test(arguments: floatCases)
    func floatResults(_ c: FloatCase) throws {
        let result = try KernelProbe.run(c.op, c.inputs, attributes: c.attributes)
        #expect(result.count == 1)
        KernelProbe.expectClose(result[0], shape: c.shape, c.expected)
    }

    // MARK: Integer and bool results

    static let exactCases: [ExactCase] = [
        ExactCase(
            "i32 [2,3] + [3]", "Add",
            [
                Tensor(shape: [2, 3], storage: .i32([1, 2, 3, 4, 5, 6])),
                Tensor(shape: [3], storage: .i32([100, -200, 300])),
            ],
            Tensor(shape: [2, 3], storage: .i32([101, -198, 303, 104, -195, 306]))),
        ExactCase(
            "i64 [2,1] * [3]", "Mul",
            [Tensor(shape: [2, 1], int64s: [2, -3]), Tensor(shape: [3], int64s: [4, 5, 6])],
            Tensor(shape: [2, 3], int64s: [8, 10, 12, -12, -15, -18])),
        ExactCase(
            "i32 truncates toward zero", "Div",
            [
                Tensor(shape: [6], storage: .i32([7, -7, 7, -7, 9, 0])),
                Tensor(shape: [6], storage: .i32([2, 2, -2, -2, 3, 5])),
            ],
            Tensor(shape: [6], storage: .i32([3, -3, -3, 3, 3, 0]))),
        ExactCase(
            "i64 wraps on overflow", "Add", [Tensor(shape: [1], int64s: [.max]), Tensor(shape: [], int64s: [1])],
            Tensor(shape: [1], int64s: [.min])),
        ExactCase(
            "i64 scalar - [2]", "Sub", [Tensor(shape: [], int64s: [10]), Tensor(shape: [2], int64s: [3, 20])],
            Tensor(shape: [2], int64s: [7, -10])),
        ExactCase(
            "i64 broadcast", "Max", [Tensor(shape: [3], int64s: [1, -5, 3]), Tensor(shape: [2, 1], int64s: [0, 2])],
            Tensor(shape: [2, 3], int64s: [1, 0, 3, 2, 2, 3])),
        ExactCase(
            "i32 min", "Clip",
            [Tensor(shape: [3], storage: .i32([-5, 0, 5])), Tensor(shape: [], storage: .i32([-1]))],
            Tensor(shape: [3], storage: .i32([-1, 0, 5]))),
        ExactCase(
            "u8 min and max", "Clip",
            [
                Tensor(shape: [3], storage: .u8([0, 100, 255])), Tensor(shape: [], storage: .u8([10])),
                Tensor(shape: [], storage: .u8([200])),
            ],
            Tensor(shape: [3], storage: .u8([10, 100, 200]))),
        ExactCase(
            "i64 X and Y", "Where",
            [
                Tensor(shape: [3], storage: .bool([true, false, true])),
                Tensor(shape: [2, 3], int64s: [1, 2, 3, 4, 5, 6]),
                Tensor(shape: [2, 1], int64s: [-1, -2]),
            ],
            Tensor(shape: [2, 3], int64s: [1, -1, 3, 4, -2, 6])),
        ExactCase(
            "f32 [2,2] == [2]", "Equal",
            [Tensor(shape: [2, 2], floats: [1, 2, 3, 4]), Tensor(shape: [2], floats: [1, 4])],
            Tensor(shape: [2, 2], storage: .bool([true, false, false, true]))),
        ExactCase(
            "i32", "Equal", [Tensor(shape: [3], storage: .i32([1, 2, 3])), Tensor(shape: [], storage: .i32([2]))],
            Tensor(shape: [3], storage: .bool([false, true, false]))),
        ExactCase(
            "i64", "Equal", [Tensor(shape: [2], int64s: [5, -5]), Tensor(shape: [2], int64s: [5, 5])],
            Tensor(shape: [2], storage: .bool([true, false]))),
        ExactCase(
            "bool [3] == [2,1]", "Equal",
            [
                Tensor(shape: [3], storage: .bool([true, false, true])),
                Tensor(shape: [2, 1], storage: .bool([true, false])),
            ],
            Tensor(shape: [2, 3], storage: .bool([true, false, true, false, true, false]))),
        ExactCase(
            "i32 [1,3] to [2,3]", "Expand",
            [Tensor(shape: [1, 3], storage: .i32([1, 2, 3])), Tensor(shape: [2], int64s: [2, 3])],
            Tensor(shape: [2, 3], storage: .i32([1, 2, 3, 1, 2, 3]))),
        ExactCase(
            "bool", "Identity", [Tensor(shape: [2], storage: .bool([true, false]))],
            Tensor(shape: [2], storage: .bool([true, false]))),
    ]

    @Test(arguments: exactCases)
    func exactResults(_ c: ExactCase) throws {
        let result = try KernelProbe.run(c.op, c.inputs, attributes: c.attributes)
        #expect(result == [c.expected])
    }

    // MARK: Cast

    /// Cast targets by ONNX type number, and the inputs the table below converts.
    static let floats = Tensor(shape: [6], floats: [-2.7, -0.5, 0, 0.5, 1.9, 100.25])
    static let wide = Tensor(shape: [7], int64s: [-129, -1, 0, 1, 255, 300, 70000])

    static let castCases: [ExactCase] = [
        ExactCase(
            "f32 to u8", "Cast", [Tensor(shape: [4], floats: [0, 0.5, 1.9, 255.9])], attributes: ["to": .int(2)],
            Tensor(shape: [4], storage: .u8([0, 0, 1, 255]))),
        ExactCase(
            "f32 to i8", "Cast", [floats], attributes: ["to": .int(3)],
            Tensor(shape: [6], storage: .i8([-2, 0, 0, 0, 1, 100]))),
        ExactCase(
            "f32 to i32", "Cast", [floats], attributes: ["to": .int(6)],
            Tensor(shape: [6], storage: .i32([-2, 0, 0, 0, 1, 100]))),
        ExactCase(
            "f32 to i64", "Cast", [floats], attributes: ["to": .int(7)],
            Tensor(shape: [6], int64s: [-2, 0, 0, 0, 1, 100])),
        ExactCase(
            "f32 to bool", "Cast", [floats], attributes: ["to": .int(9)],
            Tensor(shape: [6], storage: .bool([true, true, false, true, true, true]))),
        ExactCase(
            "f32 to f16", "Cast", [floats], attributes: ["to": .int(10)],
            Tensor(shape: [6], storage: .f16([49510, 47104, 0, 14336, 16282, 22084]))),
        ExactCase(
            "f16 to f32", "Cast", [Tensor(shape: [4], storage: .f16([0x3C00, 0xC000, 0x3555, 0x7C00]))],
            attributes: ["to": .int(1)],
            Tensor(shape: [4], floats: [1, -2, 0.333251953125, .infinity])),
        ExactCase(
            "i64 to f32", "Cast", [wide], attributes: ["to": .int(1)],
            Tensor(shape: [7], floats: [-129, -1, 0, 1, 255, 300, 70000])),
        ExactCase(
            "i64 to f16", "Cast", [wide], attributes: ["to": .int(10)],
            Tensor(shape: [7], storage: .f16([55304, 48128, 0, 15360, 23544, 23728, 31744]))),
        ExactCase(
            "i64 to i8 wraps", "Cast", [wide], attributes: ["to": .int(3)],
            Tensor(shape: [7], storage: .i8([127, -1, 0, 1, -1, 44, 112]))),
        ExactCase(
            "i64 to u8 wraps", "Cast", [wide], attributes: ["to": .int(2)],
            Tensor(shape: [7], storage: .u8([127, 255, 0, 1, 255, 44, 112]))),
        ExactCase(
            "i64 to i32", "Cast", [wide], attributes: ["to": .int(6)],
            Tensor(shape: [7], storage: .i32([-129, -1, 0, 1, 255, 300, 70000]))),
        ExactCase(
            "i64 to bool", "Cast", [wide], attributes: ["to": .int(9)],
            Tensor(shape: [7], storage: .bool([true, true, false, true, true, true, true]))),
        ExactCase(
            "u8 to i8", "Cast", [Tensor(shape: [3], storage: .u8([0, 200, 255]))], attributes: ["to": .int(3)],
            Tensor(shape: [3], storage: .i8([0, -56, -1]))),
        ExactCase(
            "i8 to u8", "Cast", [Tensor(shape: [3], storage: .i8([-1, -128, 127]))], attributes: ["to": .int(2)],
            Tensor(shape: [3], storage: .u8([255, 128, 127]))),
        ExactCase(
            "bool to f32", "Cast", [Tensor(shape: [2], storage: .bool([true, false]))], attributes: ["to": .int(1)],
            Tensor(shape: [2], floats: [1, 0])),
        ExactCase(
            "bool to i32", "Cast", [Tensor(shape: [2], storage: .bool([true, false]))], attributes: ["to": .int(6)],
            Tensor(shape: [2], storage: .i32([1, 0]))),
        ExactCase(
            "bool to f16", "Cast", [Tensor(shape: [2], storage: .bool([true, false]))], attributes: ["to": .int(10)],
            Tensor(shape: [2], storage: .f16([15360, 0]))),
        ExactCase(
            "i32 to i32", "Cast", [Tensor(shape: [1], storage: .i32([7]))], attributes: ["to": .int(6)],
            Tensor(shape: [1], storage: .i32([7]))),
        ExactCase(
            "i32 to i64", "Cast", [Tensor(shape: [2], storage: .i32([-5, 7]))], attributes: ["to": .int(7)],
            Tensor(shape: [2], int64s: [-5, 7])),
        ExactCase(
            "u8 to f32", "Cast", [Tensor(shape: [3], storage: .u8([0, 200, 255]))], attributes: ["to": .int(1)],
            Tensor(shape: [3], floats: [0, 200, 255])),
        ExactCase(
            "f16 to i32", "Cast", [Tensor(shape: [3], storage: .f16([0x3C00, 0xC000, 0x3555]))],
            attributes: ["to": .int(6)],
            Tensor(shape: [3], storage: .i32([1, -2, 0]))),
        ExactCase(
            "i8 to bool", "Cast", [Tensor(shape: [3], storage: .i8([-1, 0, 3]))], attributes: ["to": .int(9)],
            Tensor(shape: [3], storage: .bool([true, false, true]))),
        ExactCase(
            "i8 to f16", "Cast", [Tensor(shape: [3], storage: .i8([-1, 0, 3]))], attributes: ["to": .int(10)],
            Tensor(shape: [3], storage: .f16([48128, 0, 16896]))),
        // Bale's choice where NumPy's result is platform-dependent: saturate, NaN as 0.
        ExactCase(
            "f32 out of range saturates", "Cast",
            [Tensor(shape: [5], floats: [-2.7, 300, .nan, .infinity, -.infinity])],
            attributes: ["to": .int(2)], Tensor(shape: [5], storage: .u8([0, 255, 0, 255, 0]))),
        ExactCase(
            "f32 out of range to i32 saturates", "Cast", [Tensor(shape: [3], floats: [3e9, -3e9, .nan])],
            attributes: ["to": .int(6)], Tensor(shape: [3], storage: .i32([.max, .min, 0]))),
    ]

    @Test(arguments: castCases)
    func cast(_ c: ExactCase) throws {
        let result = try KernelProbe.run(c.op, c.inputs, attributes: c.attributes)
        #expect(result == [c.expected])
    }

    // MARK: Dropout mask

    @Test func dropoutMaskIsAllTrue() throws {
        let result = try KernelProbe.run(
            "Dropout", [Self.unaryInput, nil, Tensor(shape: [], storage: .bool([false]))], outputs: 2)
        #expect(result == [Self.unaryInput, Tensor(shape: [2, 3], storage: .bool(.init(repeating: true, count: 6)))])
    }

    // MARK: Errors

    static let errorCases: [ErrorCase] = [
        ErrorCase(
            "Add",
            [Tensor(shape: [2, 3], floats: .init(repeating: 1, count: 6)), Tensor(shape: [4], floats: [1, 2, 3, 4])],
            "cannot broadcast shapes [2, 3] and [4]"),
        ErrorCase(
            "Add", [Tensor(shape: [1], floats: [1]), Tensor(shape: [1], int64s: [1])],
            "inputs must have the same type, got f32 and i64"),
        ErrorCase(
            "Mul", [Tensor(shape: [1], storage: .bool([true])), Tensor(shape: [1], storage: .bool([true]))],
            "inputs must be f32, f16, i8, u8, i32 or i64, got bool"),
        ErrorCase(
            "Div", [Tensor(shape: [2], int64s: [1, 2]), Tensor(shape: [2], int64s: [1, 0])], "integer division by zero"),
        ErrorCase("Sub", [Tensor(shape: [1], floats: [1])], "missing required input 1"),
        ErrorCase("Sum", [], "needs at least one input"),
        ErrorCase(
            "Max", [Tensor(shape: [2], floats: [1, 2]), Tensor(shape: [3], floats: [1, 2, 3])],
            "cannot broadcast shapes [2] and [3]"),
        ErrorCase(
            "Pow", [Tensor(shape: [1], floats: [1]), Tensor(shape: [1], storage: .bool([true]))],
            "exponent must be f32 or an integer type, got bool"),
        ErrorCase("Sqrt", [Tensor(shape: [1], int64s: [4])], "input 0 must be f32, got i64"),
        ErrorCase(
            "Gelu", [unaryInput], attributes: ["approximate": .string("erf")],
            "approximate must be 'none' or 'tanh', got 'erf'"),
        ErrorCase(
            "Clip", [unaryInput, Tensor(shape: [], int64s: [0])], "input 1 must be a single f32 value, got i64[]"),
        ErrorCase(
            "Clip", [Tensor(shape: [1], storage: .bool([true]))], "input must be f32 or an integer type, got bool"),
        ErrorCase(
            "Where", [Tensor(shape: [1], floats: [1]), unaryInput, unaryInput], "condition must be bool, got f32"),
        ErrorCase(
            "Where", [Tensor(shape: [1], storage: .bool([true])), unaryInput, Tensor(shape: [1], int64s: [1])],
            "X and Y must have the same type, got f32 and i64"),
        ErrorCase(
            "Where", [Tensor(shape: [4], storage: .bool([true, true, false, false])), unaryInput, unaryInput],
            "cannot broadcast shapes [4] and [2, 3]"),
        ErrorCase(
            "Equal", [Tensor(shape: [1], floats: [1]), Tensor(shape: [1], storage: .i32([1]))],
            "inputs must both have the same type (f32, f16, i8, u8, i32, i64 or bool), got f32 and i32"),
        ErrorCase("Cast", [unaryInput], attributes: ["to": .int(16)], "unsupported target type 16"),
        ErrorCase("Cast", [unaryInput], "missing attribute 'to'"),
        ErrorCase("Cast", [unaryInput], attributes: ["to": .string("f32")], "attribute 'to' must be an int"),
        ErrorCase(
            "Expand", [unaryInput, Tensor(shape: [2], int64s: [4, 3])], "cannot broadcast shapes [2, 3] and [4, 3]"),
        ErrorCase("Expand", [unaryInput, Tensor(shape: [1], int64s: [-1])], "shape [-1] has a negative dimension"),
        ErrorCase(
            "Expand", [unaryInput, Tensor(shape: [1], floats: [3])], "input 1 must be an integer tensor, got f32"),
        ErrorCase(
            "Dropout", [unaryInput, nil, Tensor(shape: [], storage: .bool([true]))],
            "training_mode = true is not supported"),
    ]

    @Test(arguments: errorCases)
    func errors(_ c: ErrorCase) {
        KernelProbe.expectError(c)
    }
}
