import HTTPTypes
import BaleBundle
import BaleGraph
public import BalePlugins

/// An Open Inference Protocol inference response, encoded as JSON or, for outputs asked for as
/// binary data, as a JSON header followed by the outputs' bytes (the binary tensor data
/// extension; ``headerLength`` then gives the header's size for `Inference-Header-Content-Length`).
///
/// A raw request's response (what the postprocess plugins made) is one `BYTES` output named
/// `response` holding the JSON text, or the bytes, of that response; tensors are outputs as usual.
public struct InferResponse: Sendable {
    /// The encoded body.
    public var body: [UInt8]
    /// The size of the JSON header when binary data follows it, else `nil`.
    public var headerLength: Int?

    /// The name of the `BYTES` output carrying a postprocessed response.
    public static let responseOutputName = "response"

    /// Encodes the response to `request` for `model` at `version`.
    public init(_ response: Payload, to request: InferRequest, model: String, version: String, outputOrder: [String]) throws(ServeError) {
        var entries: [Entry] = []
        switch response {
        case .tensors(let tensors):
            let names = request.requestedOutputs.map { $0.map(\.name) } ?? outputOrder.filter { tensors[$0] != nil }
            for name in names {
                guard let tensor = tensors[name] else {
                    throw ServeError(.internalServerError, "the model gave no output '\(name)'")
                }
                entries.append(Entry(name: name, content: .tensor(tensor), binary: Self.binary(name, request)))
            }
        case .json(let value):
            entries.append(Entry(name: Self.responseOutputName, content: .bytes(value.canonicalBytes), binary: Self.binary(Self.responseOutputName, request)))
        case .bytes(let bytes):
            entries.append(Entry(name: Self.responseOutputName, content: .bytes(bytes), binary: Self.binary(Self.responseOutputName, request)))
        }
        var header: [String: JSONValue] = ["model_name": .string(model), "model_version": .string(version)]
        if let id = request.id { header["id"] = .string(id) }
        var binary: [UInt8] = []
        header["outputs"] = .array(entries.map { $0.encode(appendingBinaryTo: &binary) })
        let json = JSONValue.object(header).canonicalBytes
        body = json + binary
        headerLength = entries.contains(where: \.sendsBinary) ? json.count : nil
    }

    private static func binary(_ name: String, _ request: InferRequest) -> Bool {
        request.requestedOutputs?.first { $0.name == name }?.binary ?? request.binaryOutputs
    }

    /// One output of the response.
    private struct Entry {
        enum Content {
            case tensor(Tensor)
            case bytes([UInt8])
        }

        var name: String
        var content: Content
        var binary: Bool

        /// Bytes that are not UTF-8 text cannot be a JSON string, so they always go as binary.
        var sendsBinary: Bool {
            if binary { return true }
            if case .bytes(let bytes) = content { return String(validating: bytes, as: UTF8.self) == nil }
            return false
        }

        func encode(appendingBinaryTo binary: inout [UInt8]) -> JSONValue {
            var output: [String: JSONValue] = ["name": .string(name)]
            let data: JSONValue
            let bytes: [UInt8]
            switch content {
            case .tensor(let tensor):
                output["datatype"] = .string(KServeDatatype.name(of: tensor.dtype))
                output["shape"] = .array(tensor.shape.map { .number(Double($0)) })
                bytes = sendsBinary ? tensor.storage.littleEndianBytes : []
                data = sendsBinary ? .null : .array(Self.jsonElements(tensor.storage))
            case .bytes(let raw):
                output["datatype"] = "BYTES"
                output["shape"] = [1]
                let length = UInt32(raw.count)
                bytes = sendsBinary ? [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)] + raw : []
                data = sendsBinary ? .null : .array([.string(String(decoding: raw, as: UTF8.self))])
            }
            if sendsBinary {
                output["parameters"] = .object(["binary_data_size": .number(Double(bytes.count))])
                binary += bytes
            } else {
                output["data"] = data
            }
            return .object(output)
        }

        /// Elements as JSON numbers (floats by their shortest decimal form; non-finite values,
        /// which JSON cannot hold, as null) or booleans.
        static func jsonElements(_ storage: TensorStorage) -> [JSONValue] {
            func float(_ value: Float) -> JSONValue { value.isFinite ? .number(Double("\(value)")!) : .null }
            switch storage {
            case .f32(let values): return values.map(float)
            case .f16(let values): return values.map { float(Float(Float16(bitPattern: $0))) }
            case .i8(let values): return values.map { .number(Double($0)) }
            case .u8(let values): return values.map { .number(Double($0)) }
            case .i32(let values): return values.map { .number(Double($0)) }
            case .i64(let values): return values.map { .number(Double($0)) }
            case .bool(let values): return values.map { .bool($0) }
            }
        }
    }
}
