extension TensorStorage {
    /// The elements as raw little-endian bytes (bools as 0/1).
    public var littleEndianBytes: [UInt8] {
        func store<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: values.count * MemoryLayout<T>.size)
            out.withUnsafeMutableBytes { raw in
                for (i, v) in values.enumerated() { raw.storeBytes(of: v.littleEndian, toByteOffset: i * MemoryLayout<T>.size, as: T.self) }
            }
            return out
        }
        switch self {
        case .f32(let a): return store(a.map(\.bitPattern))
        case .f16(let a): return store(a)
        case .i8(let a): return a.map { UInt8(bitPattern: $0) }
        case .u8(let a): return a
        case .i32(let a): return store(a)
        case .i64(let a): return store(a)
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        }
    }
}

/// Builds a tensor from its raw little-endian bytes as they arrive in chunks, writing them
/// straight into the tensor's storage: a tensor file is never held twice while it loads.
///
/// Example:
/// ```swift
/// var decoder = try TensorDecoder(name: "w", dtype: .f32, shape: [2])
/// try decoder.append(chunk)  // as many chunks as the file has
/// let tensor = try decoder.finish()
/// ```
public struct TensorDecoder: Sendable {
    /// The tensor's name, for errors.
    public let name: String
    /// Bytes the shape and type need.
    public let byteCount: Int
    /// The storage being filled, allocated with the first bytes (so a caller can compare
    /// ``byteCount`` with the file's size before any memory is taken); bools arrive as bytes
    /// (`.u8`) and are converted at the end.
    private var storage: TensorStorage?
    private let dtype: DType
    private let shape: [Int]
    private var filled = 0

    /// Starts a tensor of `dtype` and `shape`.
    /// - Throws: a ``GraphError`` naming the tensor when the shape is invalid or too large.
    public init(name: String, dtype: DType, shape: [Int]) throws(GraphError) {
        guard let count = Shapes.count(shape) else { throw GraphError("tensor '\(name)' has an invalid shape \(shape)") }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw GraphError("tensor '\(name)': \(dtype)\(shape) is too large") }
        (self.name, self.dtype, self.shape, self.byteCount) = (name, dtype, shape, bytes)
    }

    /// A zero storage of the tensor's size (bools as bytes).
    private var emptyStorage: TensorStorage { Tensor(zeros: dtype == .bool ? .u8 : dtype, shape: shape).storage }

    /// Appends the next bytes of the file.
    /// - Throws: a ``GraphError`` when the file holds more bytes than the tensor needs.
    public mutating func append(_ chunk: UnsafeRawBufferPointer) throws(GraphError) {
        guard chunk.count <= byteCount - filled else {
            throw GraphError("tensor '\(name)' has more than the \(byteCount) bytes \(dtype)\(shape) needs")
        }
        guard let source = chunk.baseAddress, !chunk.isEmpty else { return }
        var filling = storage ?? emptyStorage
        storage = nil  // keeps `filling` uniquely referenced, so it is written in place
        let offset = filled
        filling.withUnsafeMutableRawBytes { $0.baseAddress!.advanced(by: offset).copyMemory(from: source, byteCount: chunk.count) }
        storage = filling
        filled += chunk.count
    }

    /// The finished tensor.
    /// - Throws: a ``GraphError`` when fewer bytes arrived than the tensor needs.
    public consuming func finish() throws(GraphError) -> Tensor {
        guard filled == byteCount else {
            throw GraphError("tensor '\(name)' has \(filled) bytes, but \(dtype)\(shape) needs \(byteCount)")
        }
        var storage = storage ?? emptyStorage
        if case .u8(let bytes) = storage, dtype == .bool { storage = .bool(bytes.map { $0 != 0 }) }
        #if _endian(big)
            storage.byteSwapElements()
        #endif
        return Tensor(shape: shape, storage: storage)
    }
}

extension TensorStorage {
    /// Calls `body` with the elements' memory (bools excluded: not every byte is a valid Bool).
    fileprivate mutating func withUnsafeMutableRawBytes(_ body: (UnsafeMutableRawBufferPointer) -> Void) {
        func edit<T>(_ values: inout [T]) { values.withUnsafeMutableBytes(body) }
        switch self {
        case .f32(var a): self = .u8([]); edit(&a); self = .f32(a)
        case .f16(var a): self = .u8([]); edit(&a); self = .f16(a)
        case .i8(var a): self = .u8([]); edit(&a); self = .i8(a)
        case .u8(var a): self = .u8([]); edit(&a); self = .u8(a)
        case .i32(var a): self = .u8([]); edit(&a); self = .i32(a)
        case .i64(var a): self = .u8([]); edit(&a); self = .i64(a)
        case .bool: preconditionFailure("bool storage is filled as bytes")
        }
    }

    #if _endian(big)
        /// Converts every element from little-endian to host order.
        fileprivate mutating func byteSwapElements() {
            switch self {
            case .f32(let a): self = .f32(a.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) })
            case .f16(let a): self = .f16(a.map { UInt16(littleEndian: $0) })
            case .i32(let a): self = .i32(a.map { Int32(littleEndian: $0) })
            case .i64(let a): self = .i64(a.map { Int64(littleEndian: $0) })
            case .i8, .u8, .bool: break
            }
        }
    #endif
}
