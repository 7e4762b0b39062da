/// The elements of a tensor, in row-major (C) order.
public enum TensorStorage: Sendable, Hashable {
    case f32([Float])
    /// IEEE half-precision bit patterns.
    case f16([UInt16])
    case i8([Int8])
    case u8([UInt8])
    case i32([Int32])
    case i64([Int64])
    case bool([Bool])

    /// Number of elements.
    public var count: Int {
        switch self {
        case .f32(let a): a.count
        case .f16(let a): a.count
        case .i8(let a): a.count
        case .u8(let a): a.count
        case .i32(let a): a.count
        case .i64(let a): a.count
        case .bool(let a): a.count
        }
    }

    /// The element type.
    public var dtype: DType {
        switch self {
        case .f32: .f32
        case .f16: .f16
        case .i8: .i8
        case .u8: .u8
        case .i32: .i32
        case .i64: .i64
        case .bool: .bool
        }
    }
}

/// A concrete tensor: element type, shape and data.
public struct Tensor: Sendable, Hashable {
    /// Dimensions (empty for a scalar).
    public var shape: [Int]
    /// The elements.
    public var storage: TensorStorage

    /// The element type.
    public var dtype: DType { storage.dtype }
    /// Number of elements.
    public var count: Int { storage.count }

    /// Creates a tensor; `storage.count` must equal the product of `shape`.
    public init(shape: [Int], storage: TensorStorage) {
        precondition(Shapes.count(shape) == storage.count, "tensor shape \(shape) does not match \(storage.count) elements")
        self.shape = shape
        self.storage = storage
    }

    /// An f32 tensor.
    public init(shape: [Int], floats: [Float]) { self.init(shape: shape, storage: .f32(floats)) }
    /// An i64 tensor.
    public init(shape: [Int], int64s: [Int64]) { self.init(shape: shape, storage: .i64(int64s)) }
    /// A tensor of `dtype` filled with zeros.
    public init(zeros dtype: DType, shape: [Int]) {
        let n = Shapes.count(shape) ?? 0
        switch dtype {
        case .f32: self.init(shape: shape, storage: .f32(.init(repeating: 0, count: n)))
        case .f16: self.init(shape: shape, storage: .f16(.init(repeating: 0, count: n)))
        case .i8: self.init(shape: shape, storage: .i8(.init(repeating: 0, count: n)))
        case .u8: self.init(shape: shape, storage: .u8(.init(repeating: 0, count: n)))
        case .i32: self.init(shape: shape, storage: .i32(.init(repeating: 0, count: n)))
        case .i64: self.init(shape: shape, storage: .i64(.init(repeating: 0, count: n)))
        case .bool: self.init(shape: shape, storage: .bool(.init(repeating: false, count: n)))
        }
    }

    /// The f32 elements, or `nil` for another type.
    public var floats: [Float]? {
        if case .f32(let a) = storage { return a }
        return nil
    }

    /// The elements of an integer or bool tensor as `Int64`, or `nil` for floating point.
    public var int64s: [Int64]? {
        switch storage {
        case .i64(let a): a
        case .i32(let a): a.map(Int64.init)
        case .i8(let a): a.map(Int64.init)
        case .u8(let a): a.map(Int64.init)
        case .bool(let a): a.map { $0 ? 1 : 0 }
        case .f32, .f16: nil
        }
    }

    /// Every element converted to `Float` (f16 widened, integers converted, bools 0/1).
    public var asFloats: [Float] {
        switch storage {
        case .f32(let a): a
        case .f16(let a): a.map { Float(Float16(bitPattern: $0)) }
        case .i8(let a): a.map(Float.init)
        case .u8(let a): a.map(Float.init)
        case .i32(let a): a.map(Float.init)
        case .i64(let a): a.map(Float.init)
        case .bool(let a): a.map { $0 ? 1 : 0 }
        }
    }

    /// The slice `range` along the first dimension (e.g. some samples of a batch); `range` must
    /// lie inside `0..<shape[0]` of a tensor of rank ≥ 1.
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(!shape.isEmpty && range.lowerBound >= 0 && range.upperBound <= shape[0], "rows \(range) outside \(shape)")
        let width = shape.dropFirst().reduce(1, *)
        let elements = (range.lowerBound * width)..<(range.upperBound * width)
        let sliced: TensorStorage =
            switch storage {
            case .f32(let a): .f32(Array(a[elements]))
            case .f16(let a): .f16(Array(a[elements]))
            case .i8(let a): .i8(Array(a[elements]))
            case .u8(let a): .u8(Array(a[elements]))
            case .i32(let a): .i32(Array(a[elements]))
            case .i64(let a): .i64(Array(a[elements]))
            case .bool(let a): .bool(Array(a[elements]))
            }
        return Tensor(shape: [range.count] + shape.dropFirst(), storage: sliced)
    }
}
