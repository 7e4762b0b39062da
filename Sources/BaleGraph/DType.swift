/// Element types a tensor can have.
///
/// Raw values are the names used in `graph.json` and in manifests.
public enum DType: String, Sendable, Hashable, Codable, CaseIterable {
    case f32, f16, i8, u8, i32, i64, bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f32, .i32: 4
        case .f16: 2
        case .i8, .u8, .bool: 1
        case .i64: 8
        }
    }

    /// Whether the type holds floating-point values.
    public var isFloatingPoint: Bool { self == .f32 || self == .f16 }
}
