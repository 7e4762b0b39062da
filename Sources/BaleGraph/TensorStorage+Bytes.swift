extension TensorStorage {
    /// Storage decoded from raw little-endian bytes; `bytes.count` must be a multiple of the
    /// element size.
    public init(littleEndianBytes bytes: [UInt8], dtype: DType) {
        func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
            let count = bytes.count / MemoryLayout<T>.size
            return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                bytes.withUnsafeBytes { raw in
                    for i in 0..<count { buffer[i] = T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)) }
                }
                initialized = count
            }
        }
        switch dtype {
        case .f32: self = .f32(load(UInt32.self).map(Float.init(bitPattern:)))
        case .f16: self = .f16(load(UInt16.self))
        case .i8: self = .i8(bytes.map { Int8(bitPattern: $0) })
        case .u8: self = .u8(bytes)
        case .i32: self = .i32(load(Int32.self))
        case .i64: self = .i64(load(Int64.self))
        case .bool: self = .bool(bytes.map { $0 != 0 })
        }
    }

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
