import BaleGraph
import Foundation

/// Turns ONNX `TensorProto`s into Bale ``Tensor``s.
///
/// Every encoding ONNX allows is read: `raw_data` (fixed-width little-endian), the typed fields
/// (`float_data`, `int32_data` for the narrow integer, bool and float16 types, `int64_data`,
/// `double_data`) and external files. DOUBLE tensors are narrowed to f32 (and reported in
/// ``warnings``); other types Bale lacks are refused with the tensor's name. Sizes are checked
/// against the dims before anything is allocated, so a hostile file cannot make the importer
/// allocate more than it holds.
struct TensorDecoder {
    /// Reader for `data_location = EXTERNAL` tensors.
    let externalData: ExternalDataReader
    /// Notes for the caller, e.g. narrowed DOUBLE tensors.
    private(set) var warnings: [String] = []

    /// Creates a decoder resolving external data below `baseDirectory`.
    init(baseDirectory: String?) {
        externalData = ExternalDataReader(baseDirectory: baseDirectory)
    }

    /// The tensor `proto` holds.
    ///
    /// - Parameters:
    ///   - proto: The serialized tensor.
    ///   - what: How messages name it, e.g. `initializer 'w'`.
    mutating func decode(_ proto: Onnx_TensorProto, as what: String) throws(ImportError) -> Tensor {
        var shape: [Int] = []
        for d in proto.dims {
            guard d >= 0, let n = Int(exactly: d) else {
                throw ImportError("\(what) has a negative dimension in dims \(proto.dims)")
            }
            shape.append(n)
        }
        guard let count = Shapes.count(shape) else {
            throw ImportError("\(what) has dims \(proto.dims), too many elements")
        }
        let isDouble = proto.dataType == ElementType.double
        guard let dtype = isDouble ? .f32 : ElementType.dtype(proto.dataType) else {
            throw ImportError(
                .unsupported,
                "\(what) has element type \(ElementType.name(proto.dataType)), which Bale does not support (supported: \(ElementType.supportedList), and DOUBLE initializers, narrowed to FLOAT)"
            )
        }
        let elementSize = isDouble ? 8 : dtype.byteSize
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow else { throw ImportError("\(what) has dims \(proto.dims), too many bytes") }

        let storage: TensorStorage
        if proto.hasDataLocation, proto.dataLocation == .external {
            let bytes = try externalData.read(proto, what: what, expectedBytes: byteCount)
            storage = bytes.withUnsafeBytes { Self.littleEndian($0, dtype: dtype, count: count, fromDouble: isDouble) }
        } else if proto.hasRawData {
            guard proto.rawData.count == byteCount else {
                throw ImportError(
                    "\(what) has \(proto.rawData.count) bytes of raw_data, but dims \(shape) of \(ElementType.name(proto.dataType)) need \(byteCount)"
                )
            }
            storage = proto.rawData.withUnsafeBytes {
                Self.littleEndian($0, dtype: dtype, count: count, fromDouble: isDouble)
            }
        } else {
            storage = try typed(proto, dtype: dtype, count: count, fromDouble: isDouble, what: what)
        }
        if isDouble { warnings.append("\(what) converted from DOUBLE to FLOAT (f32)") }
        return Tensor(shape: shape, storage: storage)
    }

    // MARK: - Encodings

    /// Elements from fixed-width little-endian bytes; `raw` holds exactly `count` elements.
    private static func littleEndian(
        _ raw: UnsafeRawBufferPointer, dtype: DType, count: Int, fromDouble: Bool
    ) -> TensorStorage {
        func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                let bytes = count * MemoryLayout<T>.size
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[..<bytes]))
                for i in 0..<count { buffer[i] = T(littleEndian: buffer[i]) }  // a no-op on little-endian hosts
                initialized = count
            }
        }
        switch dtype {
        case .f32 where fromDouble: return .f32(load(UInt64.self).map { Float(Double(bitPattern: $0)) })
        case .f32: return .f32(load(UInt32.self).map(Float.init(bitPattern:)))
        case .f16: return .f16(load(UInt16.self))
        case .i8: return .i8(load(Int8.self))
        case .u8: return .u8(load(UInt8.self))
        case .i32: return .i32(load(Int32.self))
        case .i64: return .i64(load(Int64.self))
        case .bool: return .bool(load(UInt8.self).map { $0 != 0 })
        }
    }

    /// Elements from the typed `*_data` field ONNX uses for `dtype`.
    private func typed(
        _ proto: Onnx_TensorProto, dtype: DType, count: Int, fromDouble: Bool, what: String
    ) throws(ImportError) -> TensorStorage {
        func checked<T>(_ values: [T], _ field: String) throws(ImportError) -> [T] {
            guard values.count == count else {
                throw ImportError(
                    "\(what) has \(values.count) values in \(field), but dims \(proto.dims) need \(count)")
            }
            return values
        }
        switch dtype {
        case .f32 where fromDouble: return .f32(try checked(proto.doubleData, "double_data").map { Float($0) })
        case .f32: return .f32(try checked(proto.floatData, "float_data"))
        case .i64: return .i64(try checked(proto.int64Data, "int64_data"))
        case .i32: return .i32(try checked(proto.int32Data, "int32_data"))
        // ONNX stores these in int32_data: narrow integers sign- or zero-extended, float16 as its bit pattern.
        case .i8: return .i8(try checked(proto.int32Data, "int32_data").map { Int8(truncatingIfNeeded: $0) })
        case .u8: return .u8(try checked(proto.int32Data, "int32_data").map { UInt8(truncatingIfNeeded: $0) })
        case .f16: return .f16(try checked(proto.int32Data, "int32_data").map { UInt16(truncatingIfNeeded: $0) })
        case .bool: return .bool(try checked(proto.int32Data, "int32_data").map { $0 != 0 })
        }
    }
}
