import BaleGraph

/// An element type as stored in an `.npy` file: its dtype string, size, and how its
/// little-endian bytes map to a ``TensorStorage``.
enum NPYElement {
    case f32, f16, i8, u8, i32, i64, bool
    /// `<f8`: read and converted to f32 (Bale does no f64 math); never written.
    case f64

    /// The dtypes the reader accepts, for messages.
    static let supported = "<f4 <f2 <f8 |i1 |u1 <i4 <i8 |b1"

    /// The element type Bale writes for `dtype`.
    init(_ dtype: DType) {
        switch dtype {
        case .f32: self = .f32
        case .f16: self = .f16
        case .i8: self = .i8
        case .u8: self = .u8
        case .i32: self = .i32
        case .i64: self = .i64
        case .bool: self = .bool
        }
    }

    /// The element type a header's `descr` names.
    ///
    /// Byte order must be little-endian (`<`) for multi-byte types; for one-byte types it does not
    /// matter, so `|`, `<`, `>` and `=` are all accepted.
    /// - Throws: ``NPYError/Code/unsupportedDType`` naming the dtype, with a hint for object,
    ///   big-endian and structured arrays.
    init(descr: PythonLiteral, name: String) throws(NPYError) {
        func refuse(_ detail: String) -> NPYError { NPYError(.unsupportedDType, detail, name: name) }
        guard case .string(let text) = descr else {
            if case .list = descr {
                throw refuse("structured dtype \(descr.shortText) is not supported; save each field as its own array")
            }
            throw refuse("'descr' must be a dtype string such as '<f4', found \(descr.shortText)")
        }
        let shown = PythonLiteral.string(text).shortText
        guard let order = text.first, "<>|=".contains(order) else {
            throw refuse("unsupported dtype \(shown) (supported: \(Self.supported))")
        }
        let kind = text.dropFirst()
        if kind == "O" {
            throw refuse(
                "object arrays (dtype \(shown)) are not supported: they hold pickled Python objects, not numbers")
        }
        if order == ">", ["f4", "f2", "f8", "i4", "i8"].contains(kind) {
            throw refuse("big-endian dtype \(shown) is not supported; save with arr.astype('<\(kind)')")
        }
        switch kind {
        case "i1": self = .i8
        case "u1": self = .u8
        case "b1": self = .bool
        case "f4" where order == "<": self = .f32
        case "f2" where order == "<": self = .f16
        case "f8" where order == "<": self = .f64
        case "i4" where order == "<": self = .i32
        case "i8" where order == "<": self = .i64
        default:
            throw refuse("unsupported dtype \(shown) (supported: \(Self.supported))")
        }
    }

    /// The dtype string NumPy writes for this type.
    var descr: String {
        switch self {
        case .f32: "<f4"
        case .f16: "<f2"
        case .f64: "<f8"
        case .i8: "|i1"
        case .u8: "|u1"
        case .i32: "<i4"
        case .i64: "<i8"
        case .bool: "|b1"
        }
    }

    /// Bytes per element in the file.
    var itemSize: Int {
        switch self {
        case .i8, .u8, .bool: 1
        case .f16: 2
        case .f32, .i32: 4
        case .f64, .i64: 8
        }
    }

    // MARK: - Decoding and encoding

    /// Decodes `count` elements starting at `offset`; the caller has checked the bytes are there.
    func decode(_ bytes: [UInt8], from offset: Int, count: Int) -> TensorStorage {
        bytes.withUnsafeBytes { raw in
            func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
                (0..<count).map {
                    T(littleEndian: raw.loadUnaligned(fromByteOffset: offset + $0 * MemoryLayout<T>.size, as: T.self))
                }
            }
            switch self {
            case .f32: return .f32(load(UInt32.self).map(Float.init(bitPattern:)))
            case .f16: return .f16(load(UInt16.self))
            case .f64: return .f32(load(UInt64.self).map { Float(Double(bitPattern: $0)) })
            case .i8: return .i8(load(Int8.self))
            case .u8: return .u8(load(UInt8.self))
            case .i32: return .i32(load(Int32.self))
            case .i64: return .i64(load(Int64.self))
            case .bool: return .bool(load(UInt8.self).map { $0 != 0 })
            }
        }
    }

    /// Appends the elements of `storage` in little-endian order.
    func encode(_ storage: TensorStorage, into bytes: inout [UInt8]) {
        func store<T: FixedWidthInteger>(_ values: [T]) {
            for value in values { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        }
        switch storage {
        case .f32(let a): store(a.map(\.bitPattern))
        case .f16(let a): store(a)
        case .i8(let a): store(a)
        case .u8(let a): bytes += a
        case .i32(let a): store(a)
        case .i64(let a): store(a)
        case .bool(let a): bytes += a.map { $0 ? 1 : 0 }
        }
    }
}
