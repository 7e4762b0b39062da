public import BaleGraph

/// The Open Inference Protocol's tensor datatype names (`FP32`, `INT64`, ...) for Bale's
/// element types. `BYTES` has no element type: it carries raw requests and responses.
public enum KServeDatatype {
    /// The protocol name of `dtype`.
    public static func name(of dtype: DType) -> String {
        switch dtype {
        case .f32: "FP32"
        case .f16: "FP16"
        case .i8: "INT8"
        case .u8: "UINT8"
        case .i32: "INT32"
        case .i64: "INT64"
        case .bool: "BOOL"
        }
    }

    /// The element type named `name`, or `nil` for `BYTES` and types Bale has no tensors of.
    public static func dtype(named name: String) -> DType? {
        DType.allCases.first { Self.name(of: $0) == name }
    }

    /// Every datatype name the protocol defines (for error messages).
    static let protocolNames: Set<String> = [
        "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BF16", "BYTES",
    ]

    /// The shape of a declared value in metadata: fixed sizes, -1 for symbolic dimensions,
    /// `[-1]` when not even the rank is known.
    static func metadataShape(_ shape: [Dim]?) -> [Int] {
        guard let shape else { return [-1] }
        return shape.map { $0.value ?? -1 }
    }
}
