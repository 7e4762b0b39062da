/// One dimension of a declared shape: a size, or a name for a size known only at run time.
public enum Dim: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A fixed size.
    case fixed(Int)
    /// A size named in the model (e.g. `batch`), bound at run time. An empty name means unknown.
    case symbolic(String)

    /// The size, when fixed.
    public var value: Int? {
        if case .fixed(let n) = self { return n }
        return nil
    }

    public var description: String {
        switch self {
        case .fixed(let n): "\(n)"
        case .symbolic(let name): name.isEmpty ? "?" : name
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(Int.self) {
            self = .fixed(n)
        } else {
            self = .symbolic(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .fixed(let n): try container.encode(n)
        case .symbolic(let name): try container.encode(name)
        }
    }
}

/// A value's declared type: element type and (possibly symbolic) shape.
public struct TensorType: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Element type.
    public var dtype: DType
    /// Dimensions; `nil` when even the rank is unknown.
    public var shape: [Dim]?

    /// Creates a tensor type.
    public init(dtype: DType, shape: [Dim]?) {
        self.dtype = dtype
        self.shape = shape
    }

    public var description: String {
        "\(dtype)[\(shape.map { $0.map(\.description).joined(separator: ", ") } ?? "?")]"
    }
}

/// A named graph input or output with its type.
public struct ValueInfo: Sendable, Hashable, Codable {
    /// Value name.
    public var name: String
    /// Its type.
    public var type: TensorType

    /// Creates a value description.
    public init(name: String, type: TensorType) {
        self.name = name
        self.type = type
    }
}

/// Helpers on concrete shapes.
public enum Shapes {
    /// Number of elements of `shape`, or `nil` when it overflows `Int`.
    public static func count(_ shape: [Int]) -> Int? {
        var total = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// Row-major strides of `shape`. Callers pass shapes whose element count fits in `Int` (a
    /// tensor's, or one checked with ``count(_:)``); other shapes get wrapped strides, never a trap.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = step
            step = step &* shape[i]
        }
        return strides
    }
}
