// How a tensor file's bytes are laid out (docs/bundle-format.md §9). An encoding is a storage
// type and a layout, spelled in `graph.json` and in the tensor file's media type as one word:
//
//   raw | shuffle | sparse | f16 | f16-shuffle | f16-sparse
//
//   raw       the elements, little-endian, in C order
//   shuffle   byte plane 0 (byte 0 of every element), plane 1, ..., plane s-1
//   sparse    bitmask of ceil(count/8) bytes (bit i set: element i's bit pattern is not all
//             zeros; LSB first), then the non-zero elements' bytes, shuffled among themselves
//   f16-…     an f32 tensor stored as IEEE half (round to nearest even), then laid out as above;
//             widened back to f32 when loaded

/// How a tensor file stores its elements: optionally as IEEE half (f32 tensors only), in one
/// of three byte layouts.
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
    /// The byte layout of the stored elements.
    public var layout: Layout

    /// Elements as they are: what every reader of the format knows.
    public static let raw = TensorEncoding(half: false, layout: .raw)

    /// The media type of a raw tensor file; other encodings add `; encoding=<name>`.
    public static let tensorMediaType = "application/vnd.bale.tensor"
    private static let parameter = "; encoding="
    private static let halfPrefix = "f16"

    /// Creates an encoding.
    public init(half: Bool, layout: Layout) {
        self.half = half
        self.layout = layout
    }

    /// Parses a name as written in `graph.json` (`raw`, `shuffle`, `sparse`, `f16`,
    /// `f16-shuffle`, `f16-sparse`); `nil` for anything else.
    public init?(_ name: String) {
        if name == Self.halfPrefix {
            self.init(half: true, layout: .raw)
        } else if name.hasPrefix(Self.halfPrefix + "-") {
            guard let layout = Layout(rawValue: String(name.dropFirst(Self.halfPrefix.count + 1))), layout != .raw else { return nil }
            self.init(half: true, layout: layout)
        } else {
            guard let layout = Layout(rawValue: name) else { return nil }
            self.init(half: false, layout: layout)
        }
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
        half ? (layout == .raw ? Self.halfPrefix : "\(Self.halfPrefix)-\(layout.rawValue)") : layout.rawValue
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
        if layout == .shuffle && storedType(for: dtype).byteSize == 1 { return "needs elements of 2 or more bytes" }
        return nil
    }

    /// The tensor file holding `tensor` in this encoding (``problem(for:)`` must be `nil` for
    /// its type). Half storage rounds to nearest even; infinities stay infinite and NaNs NaN.
    public func encode(_ tensor: Tensor) -> [UInt8] {
        precondition(problem(for: tensor.dtype) == nil, "encoding '\(self)' cannot store \(tensor.dtype)")
        var bytes = half ? Self.halfStorage(tensor.storage).littleEndianBytes : tensor.storage.littleEndianBytes
        let size = storedType(for: tensor.dtype).byteSize
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
