// How a tensor file's bytes are laid out (docs/bundle-format.md §9). An encoding is a storage
// type, an optional sign rotation and a layout, spelled in `graph.json` and in the tensor
// file's media type as one word:
//
//   raw | shuffle | sparse | f16 | f16-shuffle | f16-sparse
//   rot-shuffle | rot-sparse | f16-rot-shuffle | f16-rot-sparse
//
//   raw       the elements, little-endian, in C order
//   shuffle   byte plane 0 (byte 0 of every element), plane 1, ..., plane s-1
//   sparse    bitmask of ceil(count/8) bytes (bit i set: element i's bit pattern is not all
//             zeros; LSB first), then the non-zero elements' bytes, shuffled among themselves
//   f16-…     an f32 tensor stored as IEEE half (round to nearest even), then laid out as above;
//             widened back to f32 when loaded
//   …rot-…    each stored float element's bits rotated left by one (the sign moves to bit 0, so
//             the top byte plane holds exponent bits only), then laid out as above

/// How a tensor file stores its elements: optionally as IEEE half (f32 tensors only), with
/// float elements' sign bit optionally rotated to the bottom, in one of three byte layouts.
///
/// Example:
/// ```swift
/// let encoding = TensorEncoding("f16-shuffle")!   // half storage, byte-shuffled
/// let bytes = encoding.encode(tensor)             // the tensor file
/// ```
public struct TensorEncoding: Sendable, Hashable, CustomStringConvertible {
    /// The order of a tensor file's bytes.
    public enum Layout: String, Sendable, Hashable, CaseIterable {
        /// Elements in C order, little-endian.
        case raw
        /// Byte planes: byte 0 of every element, then byte 1, and so on.
        case shuffle
        /// A bitmask of the non-zero elements, then their bytes shuffled.
        case sparse
    }

    /// Whether an f32 tensor is stored as IEEE half and widened to f32 when loaded.
    public var half: Bool
    /// Whether each stored float element's bit pattern is rotated left by one bit before the
    /// layout applies: the sign moves to bit 0, so the most significant byte plane holds
    /// exponent bits only and compresses better (shuffle and sparse layouts, float elements).
    public var rotated: Bool
    /// The byte layout of the stored elements.
    public var layout: Layout

    /// Elements as they are: what every reader of the format knows.
    public static let raw = TensorEncoding(half: false, layout: .raw)

    /// The media type of a raw tensor file; other encodings add `; encoding=<name>`.
    public static let tensorMediaType = "application/vnd.bale.tensor"
    private static let parameter = "; encoding="
    private static let halfPrefix = "f16-"
    private static let rotatedPrefix = "rot-"

    /// Creates an encoding (`rotated` needs the shuffle or sparse layout: see ``problem(for:)``).
    public init(half: Bool, rotated: Bool = false, layout: Layout) {
        self.half = half
        self.rotated = rotated
        self.layout = layout
    }

    /// Parses a name as written in `graph.json`: `[f16-][rot-]LAYOUT` where `f16-raw` is spelt
    /// `f16` and `rot-` needs the `shuffle` or `sparse` layout; `nil` for anything else.
    public init?(_ name: String) {
        if name == "f16" {
            self.init(half: true, layout: .raw)
            return
        }
        var rest = Substring(name)
        let half = rest.hasPrefix(Self.halfPrefix)
        if half { rest = rest.dropFirst(Self.halfPrefix.count) }
        let rotated = rest.hasPrefix(Self.rotatedPrefix)
        if rotated { rest = rest.dropFirst(Self.rotatedPrefix.count) }
        guard let layout = Layout(rawValue: String(rest)), layout != .raw || (!half && !rotated) else { return nil }
        self.init(half: half, rotated: rotated, layout: layout)
    }

    /// Reads the encoding from a tensor file's media type; `nil` when it is not a tensor media
    /// type in the canonical form ``mediaType`` writes.
    public init?(mediaType: String) {
        if mediaType == Self.tensorMediaType {
            self = .raw
        } else if mediaType.hasPrefix(Self.tensorMediaType + Self.parameter),
            let encoding = TensorEncoding(String(mediaType.dropFirst(Self.tensorMediaType.count + Self.parameter.count))),
            encoding != .raw
        {
            self = encoding
        } else {
            return nil
        }
    }

    /// The name, as written in `graph.json`.
    public var description: String {
        if half && layout == .raw { return "f16" }
        return (half ? Self.halfPrefix : "") + (rotated ? Self.rotatedPrefix : "") + layout.rawValue
    }

    /// The tensor file's media type in the manifest: `application/vnd.bale.tensor` for raw files
    /// (as before encodings existed), `application/vnd.bale.tensor; encoding=<name>` otherwise.
    public var mediaType: String {
        self == .raw ? Self.tensorMediaType : Self.tensorMediaType + Self.parameter + description
    }

    /// The type of the stored elements for a tensor of `dtype`.
    public func storedType(for dtype: DType) -> DType { half ? .f16 : dtype }

    /// Why a tensor of `dtype` cannot be stored this way, or `nil` when it can.
    public func problem(for dtype: DType) -> String? {
        if half && dtype != .f32 { return "stores f32 tensors only" }
        if rotated && ![.f32, .f16].contains(storedType(for: dtype)) { return "rotates float elements only" }
        if layout == .shuffle && storedType(for: dtype).byteSize == 1 { return "needs elements of 2 or more bytes" }
        return nil
    }

    /// The tensor file holding `tensor` in this encoding (``problem(for:)`` must be `nil` for
    /// its type). Half storage rounds to nearest even; infinities stay infinite and NaNs NaN.
    public func encode(_ tensor: Tensor) -> [UInt8] {
        precondition(problem(for: tensor.dtype) == nil, "encoding '\(self)' cannot store \(tensor.dtype)")
        var bytes = half ? Self.halfStorage(tensor.storage).littleEndianBytes : tensor.storage.littleEndianBytes
        let size = storedType(for: tensor.dtype).byteSize
        if rotated { Self.rotateSigns(&bytes, elementSize: size, left: true) }
        switch layout {
        case .raw:
            return bytes
        case .shuffle:
            return Self.shuffled(bytes, elementSize: size)
        case .sparse:
            // Compacts the non-zero elements to the front of `bytes` in place (the write index
            // never passes the read index), marking them in the mask.
            let count = tensor.count
            var mask = [UInt8](repeating: 0, count: (count + 7) / 8)
            var kept = 0
            bytes.withUnsafeMutableBytes { raw in
                for element in 0..<count where !Self.isZero(UnsafeRawBufferPointer(rebasing: raw[(element * size)..<((element + 1) * size)])) {
                    mask[element >> 3] |= 1 << UInt8(element & 7)
                    if kept != element { raw.baseAddress!.advanced(by: kept * size).copyMemory(from: raw.baseAddress!.advanced(by: element * size), byteCount: size) }
                    kept += 1
                }
            }
            bytes.removeSubrange((kept * size)...)
            return mask + Self.shuffled(bytes, elementSize: size)
        }
    }

    /// Number of elements of `tensor` that this encoding stores as zero (bit pattern all
    /// zeros after any conversion to half): those a sparse file leaves out.
    public func zeroCount(_ tensor: Tensor) -> Int {
        let bytes = half ? Self.halfStorage(tensor.storage).littleEndianBytes : tensor.storage.littleEndianBytes
        let size = storedType(for: tensor.dtype).byteSize
        return bytes.withUnsafeBytes { raw in
            (0..<tensor.count).reduce(0) { $0 + (Self.isZero(UnsafeRawBufferPointer(rebasing: raw[($1 * size)..<(($1 + 1) * size)])) ? 1 : 0) }
        }
    }

    /// Whether every value of an f32 tensor survives half storage without overflowing to
    /// infinity (values already infinite or NaN stay so and are allowed).
    public static func fitsHalf(_ tensor: Tensor) -> Bool {
        guard case .f32(let values) = tensor.storage else { return false }
        return values.allSatisfy { !$0.isFinite || Float16($0).isFinite }
    }

    // MARK: - Private

    private static func halfStorage(_ storage: TensorStorage) -> TensorStorage {
        guard case .f32(let values) = storage else { preconditionFailure("half storage holds f32 tensors only") }
        return .f16(values.map { Float16($0).bitPattern })
    }

    private static func isZero(_ element: UnsafeRawBufferPointer) -> Bool { element.allSatisfy { $0 == 0 } }

    /// Rotates each little-endian float element (`elementSize` 4 or 2 bytes, `stride` bytes
    /// apart) of `bytes` by one bit: `left` moves the sign to bit 0 (the `rot-` step), otherwise
    /// back. All-zero elements stay all zeros, so the sparse mask sees the same zeros.
    package static func rotateSigns(_ bytes: UnsafeMutableRawBufferPointer, elementSize: Int, stride: Int, left: Bool) {
        let count = bytes.count / stride
        if elementSize == 4 {
            for offset in Swift.stride(from: 0, to: count * stride, by: stride) {
                let bits = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                let turned = left ? bits << 1 | bits >> 31 : bits >> 1 | bits << 31
                bytes.storeBytes(of: turned.littleEndian, toByteOffset: offset, as: UInt32.self)
            }
        } else {
            for offset in Swift.stride(from: 0, to: count * stride, by: stride) {
                let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
                let turned = left ? bits << 1 | bits >> 15 : bits >> 1 | bits << 15
                bytes.storeBytes(of: turned.littleEndian, toByteOffset: offset, as: UInt16.self)
            }
        }
    }

    /// ``rotateSigns(_:elementSize:stride:left:)`` over packed elements of an array.
    private static func rotateSigns(_ bytes: inout [UInt8], elementSize: Int, left: Bool) {
        bytes.withUnsafeMutableBytes { rotateSigns($0, elementSize: elementSize, stride: elementSize, left: left) }
    }

    /// `bytes` as byte planes of `elementSize`-byte elements.
    private static func shuffled(_ bytes: [UInt8], elementSize size: Int) -> [UInt8] {
        guard size > 1 else { return bytes }
        let count = bytes.count / size
        var out = [UInt8](repeating: 0, count: bytes.count)
        out.withUnsafeMutableBufferPointer { dst in
            bytes.withUnsafeBufferPointer { src in
                for plane in 0..<size {
                    for element in 0..<count { dst[plane * count + element] = src[element * size + plane] }
                }
            }
        }
        return out
    }
}
