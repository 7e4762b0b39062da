import BaleBundle
import BaleGraph
public import BalePlugins

/// The byte buffers a WebAssembly plugin reads and writes (ABI version 1, `docs/wasm-plugins.md`):
/// a little-endian `u32` kind, then the content.
///
/// - kind 1, raw bytes: the request as sent;
/// - kind 2, JSON: UTF-8 text;
/// - kind 3, tensors: `u32` count, then per tensor (sorted by name) `u32` dtype (1 = f32), `u32` rank, `u32` name
///   length, the name zero-padded to a multiple of 4, `rank` × `u32` dims, the f32 values;
/// - kind 4, monitor record: `u32` ok (1 or 0), `u32` duration in µs, then the outputs as kind 3's
///   body (count 0 when the model did not run).
public enum WasmPayload {
    /// The kinds of buffer.
    public enum Kind: UInt32, Sendable {
        /// The raw request.
        case bytes = 1
        /// UTF-8 JSON text.
        case json = 2
        /// Named f32 tensors.
        case tensors = 3
        /// What a monitor sees of one inference.
        case record = 4
    }

    /// The only tensor element type of ABI version 1: f32.
    static let f32: UInt32 = 1

    /// The buffer a module gets for `payload`; tensors of other element types are converted
    /// to f32, the only one modules see.
    public static func encode(_ payload: Payload) -> [UInt8] {
        var writer = Writer()
        switch payload {
        case .bytes(let bytes):
            writer.u32(Kind.bytes.rawValue)
            writer.bytes.append(contentsOf: bytes)
        case .json(let value):
            writer.u32(Kind.json.rawValue)
            writer.bytes.append(contentsOf: value.canonicalBytes)
        case .tensors(let tensors):
            writer.u32(Kind.tensors.rawValue)
            writer.tensors(tensors)
        }
        return writer.bytes
    }

    /// The buffer a monitor module gets for `record`.
    public static func encode(_ record: InferenceRecord) -> [UInt8] {
        var writer = Writer()
        writer.u32(Kind.record.rawValue)
        writer.u32(record.succeeded ? 1 : 0)
        let micros = record.totalDuration / .microseconds(1)
        writer.u32(micros.isFinite ? UInt32(min(max(micros, 0), Double(UInt32.max))) : UInt32.max)
        writer.tensors(record.outputs ?? [:])
        return writer.bytes
    }

    /// The payload a module returned in `buffer`.
    /// - Throws: a message naming what is malformed and where.
    public static func decode(_ buffer: [UInt8]) throws(WasmPayloadError) -> Payload {
        var reader = Reader(bytes: buffer)
        let kind = try reader.u32("kind")
        switch Kind(rawValue: kind) {
        case .bytes: return .bytes(Array(buffer[4...]))
        case .json:
            do {
                return .json(try JSONParser().parse(Array(buffer[4...])))
            } catch {
                throw WasmPayloadError("its JSON output does not parse: \(error)")
            }
        case .tensors:
            let tensors = try reader.tensors()
            guard reader.offset == buffer.count else {
                throw WasmPayloadError("\(buffer.count - reader.offset) bytes follow the last tensor")
            }
            return .tensors(tensors)
        case .record, nil:
            throw WasmPayloadError("output kind \(kind) is not 1 (bytes), 2 (JSON) or 3 (tensors)")
        }
    }

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func u32(_ value: UInt32) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }

        mutating func tensors(_ tensors: [String: Tensor]) {
            u32(UInt32(tensors.count))
            for name in tensors.keys.sorted() {
                let tensor = tensors[name]!
                // ABI version 1 has one element type: other tensors (an i64 label) arrive as f32.
                let values = tensor.asFloats
                u32(WasmPayload.f32)
                u32(UInt32(tensor.shape.count))
                let utf8 = Array(name.utf8)
                u32(UInt32(utf8.count))
                bytes.append(contentsOf: utf8)
                bytes.append(contentsOf: repeatElement(0, count: (4 - utf8.count % 4) % 4))
                for dim in tensor.shape { u32(UInt32(truncatingIfNeeded: dim)) }
                bytes.reserveCapacity(bytes.count + values.count * 4)
                for value in values { u32(value.bitPattern) }
            }
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func u32(_ field: String) throws(WasmPayloadError) -> UInt32 {
            guard bytes.count - offset >= 4 else {
                throw WasmPayloadError("ends at byte \(bytes.count) where its \(field) (4 bytes) should be")
            }
            defer { offset += 4 }
            return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        }

        mutating func tensors() throws(WasmPayloadError) -> [String: Tensor] {
            let count = try u32("tensor count")
            var tensors: [String: Tensor] = [:]
            for index in 0..<count {
                let dtype = try u32("tensor \(index) dtype")
                guard dtype == WasmPayload.f32 else { throw WasmPayloadError("tensor \(index) has dtype \(dtype); only 1 (f32) is defined") }
                let rank = try u32("tensor \(index) rank")
                guard rank <= 8 else { throw WasmPayloadError("tensor \(index) has rank \(rank); at most 8") }
                let length = Int(try u32("tensor \(index) name length"))
                let padded = length + (4 - length % 4) % 4
                guard bytes.count - offset >= padded else { throw WasmPayloadError("tensor \(index)'s name runs past the end") }
                guard let name = String(validating: bytes[offset..<offset + length], as: UTF8.self) else {
                    throw WasmPayloadError("tensor \(index)'s name is not UTF-8")
                }
                offset += padded
                guard tensors[name] == nil else { throw WasmPayloadError("tensor '\(name)' appears twice") }
                var shape: [Int] = []
                var elements = 1
                for axis in 0..<rank {
                    let dim = Int(try u32("tensor '\(name)' dim \(axis)"))
                    let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
                    guard !overflow, product <= (bytes.count - offset) / 4 else {
                        throw WasmPayloadError("tensor '\(name)' of shape \(shape + [dim]) needs more values than the buffer holds")
                    }
                    shape.append(dim)
                    elements = product
                }
                guard (bytes.count - offset) / 4 >= elements else {
                    throw WasmPayloadError("tensor '\(name)' of shape \(shape) needs \(elements) values; the buffer holds \((bytes.count - offset) / 4)")
                }
                var values = [Float](repeating: 0, count: elements)
                for i in 0..<elements {
                    let at = offset + 4 * i
                    let bits = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                    values[i] = Float(bitPattern: bits)
                }
                offset += 4 * elements
                tensors[name] = Tensor(shape: shape, floats: values)
            }
            return tensors
        }
    }
}

/// A malformed buffer between the host and a WebAssembly plugin.
public struct WasmPayloadError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, e.g. `tensor 0 has dtype 7; only 1 (f32) is defined`.
    public let description: String

    init(_ description: String) { self.description = description }
}
