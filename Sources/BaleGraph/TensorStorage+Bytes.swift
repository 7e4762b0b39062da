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

/// Builds a tensor from its file's bytes, in any ``TensorEncoding``, as they arrive in chunks,
/// writing each byte straight to its place in the tensor's storage: a tensor file is never held
/// twice while it loads (a sparse file's mask, one bit per element, is kept until the end).
///
/// Byte `q` of a shuffled file's elements belongs to element `q % count`, byte `q / count` of
/// it; in a sparse file, to the `(q % nonZero)`-th element its mask marks. Half-precision
/// elements land in the low two bytes of their f32 slot and are widened in place at the end,
/// after rotated (`rot-`) elements are turned back in place.
///
/// Example:
/// ```swift
/// var decoder = try TensorDecoder(name: "w", dtype: .f32, shape: [2], encoding: .raw)
/// try decoder.expect(fileSize: 8)  // optional: refuses a wrong size before any memory is taken
/// try decoder.append(chunk)        // as many chunks as the file has
/// let tensor = try decoder.finish()
/// ```
public struct TensorDecoder: Sendable {
    /// The tensor's name, for errors.
    public let name: String
    /// The storage being filled, allocated with the first element bytes; bools arrive as bytes
    /// (`.u8`), half elements in f32 slots, both converted at the end.
    private var storage: TensorStorage?
    private let dtype: DType
    private let shape: [Int]
    private let encoding: TensorEncoding
    private let count: Int
    /// Bytes per stored element, and per element of the storage being filled.
    private let size: Int, slot: Int
    /// Bytes before the elements: the sparse mask, else none.
    private let headerSize: Int
    /// Bytes of the stored elements: known from the shape, or for a sparse file once its mask
    /// has arrived.
    private var elementBytes: Int?
    /// File bytes taken so far.
    private var position = 0
    /// Sparse files: the mask, its count of set bits, the file size the caller declared, and
    /// the element after the last one filled in the current byte plane.
    private var mask: [UInt8] = []
    private var nonZero = 0
    private var declaredSize: Int?
    private var cursor = 0

    /// Starts a tensor of `dtype` and `shape` stored in `encoding`.
    /// - Throws: a ``GraphError`` naming the tensor when the shape is invalid or too large, or
    ///   the encoding cannot store `dtype`.
    public init(name: String, dtype: DType, shape: [Int], encoding: TensorEncoding = .raw) throws(GraphError) {
        guard let count = Shapes.count(shape) else { throw GraphError("tensor '\(name)' has an invalid shape \(shape)") }
        if let problem = encoding.problem(for: dtype) {
            throw GraphError("tensor '\(name)': encoding '\(encoding)' \(problem), not \(dtype)")
        }
        let size = encoding.storedType(for: dtype).byteSize
        let (bytes, overflow) = count.multipliedReportingOverflow(by: max(size, dtype.byteSize))
        guard !overflow, bytes < Int.max - count / 8 - 1 else { throw GraphError("tensor '\(name)': \(dtype)\(shape) is too large") }
        (self.name, self.dtype, self.shape, self.encoding, self.count) = (name, dtype, shape, encoding, count)
        (self.size, self.slot) = (size, dtype.byteSize)
        headerSize = encoding.layout == .sparse ? (count + 7) / 8 : 0
        // A sparse file's element bytes are known once its mask has arrived (at once when empty).
        elementBytes = encoding.layout == .sparse && count > 0 ? nil : count * size
    }

    /// Checks a file size before any byte arrives: exactly the size of the elements, or for a
    /// sparse file between its mask alone and its mask plus every element (the exact size is
    /// checked against the mask when it has arrived).
    /// - Throws: a ``GraphError`` naming the tensor when `fileSize` cannot hold it.
    public mutating func expect(fileSize: UInt64) throws(GraphError) {
        let most = headerSize + count * size
        if let elementBytes {
            guard fileSize == UInt64(elementBytes) else {
                throw GraphError("tensor '\(name)' has \(fileSize) bytes, but \(described) needs \(elementBytes)")
            }
        } else {
            guard (UInt64(headerSize)...UInt64(most)).contains(fileSize) else {
                throw GraphError("tensor '\(name)' has \(fileSize) bytes, but \(described) takes \(headerSize) to \(most)")
            }
            declaredSize = Int(fileSize)
        }
    }

    /// Appends the next bytes of the file.
    /// - Throws: a ``GraphError`` naming the tensor when the file holds more bytes than the
    ///   tensor needs, or its sparse mask is malformed.
    public mutating func append(_ chunk: UnsafeRawBufferPointer) throws(GraphError) {
        var chunk = chunk
        if position < headerSize, !chunk.isEmpty {
            let taken = min(chunk.count, headerSize - position)
            mask.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[..<taken]))
            position += taken
            chunk = UnsafeRawBufferPointer(rebasing: chunk[taken...])
            if position == headerSize { try maskArrived() }
        }
        guard let source = chunk.baseAddress, !chunk.isEmpty else { return }
        guard let elementBytes, chunk.count <= headerSize + elementBytes - position else {
            if encoding.layout == .sparse {
                throw GraphError("tensor '\(name)': its sparse mask marks \(nonZero) non-zero elements (\(nonZero * size) bytes), but more bytes follow it")
            }
            throw GraphError("tensor '\(name)' has more than the \(elementBytes ?? 0) bytes \(described) needs")
        }
        var filling = storage ?? emptyStorage
        storage = nil  // keeps `filling` uniquely referenced, so it is written in place
        let offset = position - headerSize
        filling.withUnsafeMutableRawBytes { place(UnsafeRawBufferPointer(start: source, count: chunk.count), at: offset, into: $0.baseAddress!) }
        storage = filling
        position += chunk.count
    }

    /// The finished tensor.
    /// - Throws: a ``GraphError`` naming the tensor when fewer bytes arrived than it needs.
    public consuming func finish() throws(GraphError) -> Tensor {
        guard let elementBytes else {
            throw GraphError("tensor '\(name)' has \(position) bytes, fewer than the \(headerSize) of its sparse mask")
        }
        guard position == headerSize + elementBytes else {
            if encoding.layout == .sparse {
                throw GraphError("tensor '\(name)': its sparse mask marks \(nonZero) non-zero elements (\(elementBytes) bytes), but only \(position - headerSize) bytes follow it")
            }
            throw GraphError("tensor '\(name)' has \(position) bytes, but \(described) needs \(elementBytes)")
        }
        // Taken out of the decoder, so that widening half elements edits the only reference.
        var storage = self.storage.take() ?? emptyStorage
        if case .u8(let bytes) = storage, dtype == .bool { storage = .bool(bytes.map { $0 != 0 }) }
        if encoding.rotated {
            let (size, slot) = (size, slot)
            storage.withUnsafeMutableRawBytes { TensorEncoding.rotateSigns($0, elementSize: size, stride: slot, left: false) }
        }
        if encoding.half {
            storage.widenHalfSlots()
        } else {
            #if _endian(big)
                storage.byteSwapElements()
            #endif
        }
        return Tensor(shape: shape, storage: storage)
    }

    // MARK: - Private

    /// The tensor's type and shape, with its encoding when not raw, for errors.
    private var described: String { "\(dtype)\(shape)" + (encoding == .raw ? "" : " (\(encoding))") }

    /// A zero storage of the tensor's size (bools as bytes).
    private var emptyStorage: TensorStorage { Tensor(zeros: dtype == .bool ? .u8 : dtype, shape: shape).storage }

    /// Checks a whole sparse mask and learns how many element bytes follow it.
    private mutating func maskArrived() throws(GraphError) {
        if count % 8 != 0, let last = mask.last, last >> UInt8(count % 8) != 0 {
            throw GraphError("tensor '\(name)': its sparse mask has bits set past its \(count) elements")
        }
        nonZero = mask.reduce(0) { $0 + $1.nonzeroBitCount }
        elementBytes = nonZero * size
        if let declaredSize, declaredSize != headerSize + nonZero * size {
            throw GraphError("tensor '\(name)': its sparse mask marks \(nonZero) non-zero elements (\(nonZero * size) bytes), but \(declaredSize - headerSize) bytes follow it")
        }
    }

    /// Writes stored element bytes `offset...` to their places in `target`.
    private mutating func place(_ bytes: UnsafeRawBufferPointer, at offset: Int, into target: UnsafeMutableRawPointer) {
        if encoding.layout == .raw {
            guard size != slot else {
                target.advanced(by: offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                return
            }
            for (index, byte) in bytes.enumerated() {
                let q = offset + index
                target.storeBytes(of: byte, toByteOffset: q / size * slot + q % size, as: UInt8.self)
            }
            return
        }
        // Byte planes of `planeSize` elements, taken a run within one plane at a time.
        let planeSize = encoding.layout == .sparse ? nonZero : count
        var index = 0
        while index < bytes.count {
            let q = offset + index
            let (plane, first) = q.quotientAndRemainder(dividingBy: planeSize)
            let run = min(planeSize - first, bytes.count - index)
            if encoding.layout == .shuffle {
                for k in 0..<run { target.storeBytes(of: bytes[index + k], toByteOffset: (first + k) * slot + plane, as: UInt8.self) }
            } else {
                if first == 0 { cursor = 0 }
                for k in 0..<run {
                    let element = nextMarked(from: cursor)
                    target.storeBytes(of: bytes[index + k], toByteOffset: element * slot + plane, as: UInt8.self)
                    cursor = element + 1
                }
            }
            index += run
        }
    }

    /// The first element at or after `start` that the mask marks (one exists: a plane holds
    /// exactly as many bytes as the mask has set bits).
    private func nextMarked(from start: Int) -> Int {
        var byte = start >> 3
        var bits = mask[byte] & (0xFF << UInt8(start & 7))
        while bits == 0 {
            byte += 1
            bits = mask[byte]
        }
        return byte << 3 + bits.trailingZeroBitCount
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

    /// Widens the half-precision bit patterns held (little-endian) in the low two bytes of each
    /// f32 slot to f32 values, in place.
    fileprivate mutating func widenHalfSlots() {
        guard case .f32(var values) = self else { preconditionFailure("half elements are filled into f32 slots") }
        self = .u8([])
        values.withUnsafeMutableBytes { raw in
            for index in 0..<(raw.count / 4) {
                let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt16.self))
                raw.storeBytes(of: Float(Float16(bitPattern: bits)), toByteOffset: index * 4, as: Float.self)
            }
        }
        self = .f32(values)
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
