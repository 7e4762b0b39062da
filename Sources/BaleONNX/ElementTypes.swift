import BaleGraph

/// ONNX element types (the `TensorProto.DataType` numbers) and how they map onto ``DType``.
enum ElementType {
    /// ONNX's name of each type number, as written in onnx.proto.
    private static let names: [Int32: String] = [
        0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64",
        8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64",
        15: "COMPLEX128", 16: "BFLOAT16", 17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2",
        20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4", 23: "FLOAT4E2M1", 24: "FLOAT8E8M0", 25: "UINT2",
        26: "INT2", 27: "FLOAT6E2M3", 28: "FLOAT6E3M2",
    ]

    /// The ONNX number of `DOUBLE`, which initializers may use (narrowed to f32).
    static let double: Int32 = 11

    /// A readable name for an ONNX type number, e.g. `BFLOAT16` or `type 99`.
    static func name(_ number: Int32) -> String {
        names[number] ?? "type \(number)"
    }

    /// The Bale type of an ONNX type number, or `nil` when Bale has no such type.
    static func dtype(_ number: Int32) -> DType? {
        switch number {
        case 1: .f32
        case 2: .u8
        case 3: .i8
        case 6: .i32
        case 7: .i64
        case 9: .bool
        case 10: .f16
        default: nil
        }
    }

    /// The list of ONNX types Bale accepts, for error hints.
    static let supportedList = "FLOAT, FLOAT16, INT8, UINT8, INT32, INT64, BOOL"

    /// The Bale type of a value declared in the graph (input, output, `value_info`).
    ///
    /// - Parameters:
    ///   - number: The ONNX element type.
    ///   - what: The value's description for the message, e.g. `graph input 'x'`.
    static func valueDType(_ number: Int32, of what: String) throws(ImportError) -> DType {
        guard let dtype = dtype(number) else {
            throw ImportError(
                .unsupported,
                "\(what) has element type \(name(number)), which Bale does not support (supported: \(supportedList))")
        }
        return dtype
    }
}
