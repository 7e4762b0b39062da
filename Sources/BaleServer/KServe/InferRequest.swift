public import BaleBundle
public import BaleGraph
public import BalePlugins
import BaleRuntime

/// A decoded Open Inference Protocol inference request (`POST /v2/models/{name}/infer`).
///
/// Three forms are accepted:
/// - JSON (a body starting with `{`, or `Content-Type: application/json`): `{"id", "parameters", "inputs": [{"name",
///   "shape", "datatype", "data"}], "outputs": [{"name", "parameters": {"binary_data"}}]}`, with
///   `data` flat or nested in row-major order.
/// - The binary tensor data extension: the header `Inference-Header-Content-Length: N` says the
///   first N bytes are that JSON; inputs with `"parameters": {"binary_data_size": S}` take their
///   S bytes (little-endian elements, row-major) in order from the rest of the body.
/// - A raw request for the model's preprocess plugins (e.g. a PNG for `image`): one input of
///   datatype `BYTES` holding it, or a body that is not JSON (a PNG file as it is), or a JSON
///   object without `inputs` (handed to the plugins as JSON).
public struct InferRequest: Sendable {
    /// An output the client asked for.
    public struct RequestedOutput: Sendable, Hashable {
        /// The output's name.
        public var name: String
        /// Whether to send it as binary data (else JSON).
        public var binary: Bool
    }

    /// The client's request id, echoed in the response.
    public var id: String?
    /// The request's `parameters`.
    public var parameters: [String: JSONValue]
    /// The model inputs, or the raw request for the preprocess plugins.
    public var payload: Payload
    /// The outputs asked for, in order; `nil` asks for all.
    public var requestedOutputs: [RequestedOutput]?
    /// Whether outputs not named in `outputs` go as binary data (`binary_data_output`).
    public var binaryOutputs: Bool

    /// Whether the payload is a raw request (it goes through the preprocess and postprocess
    /// plugins; tensor requests skip both and get the model's outputs).
    public var isRaw: Bool {
        if case .tensors = payload { false } else { true }
    }

    /// Decodes a request body.
    /// - Parameters:
    ///   - body: the whole body.
    ///   - headerLength: the `Inference-Header-Content-Length` header's value, if sent.
    ///   - contentType: the `Content-Type` header's media type, lower-cased, if sent.
    ///   - graph: the model, whose inputs and outputs the request must match.
    ///   - acceptsRaw: whether the model has preprocess plugins to take a raw request.
    /// - Throws: ``ServeError`` 400 naming the field or input at fault.
    public init(body: [UInt8], headerLength: String?, contentType: String?, graph: Graph, acceptsRaw: Bool) throws(ServeError) {
        let jsonEnd: Int
        if let headerLength {
            guard let length = Int(headerLength), (0...body.count).contains(length) else {
                throw .badRequest("header Inference-Header-Content-Length: '\(headerLength)' is not a length within the body's \(body.count) bytes")
            }
            jsonEnd = length
        } else if contentType == "application/json" || body.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") {
            jsonEnd = body.count
        } else {
            guard acceptsRaw else {
                throw .badRequest("the body is not a JSON object, so it is a raw request, but this model has no preprocess plugin to take one; send KServe v2 JSON")
            }
            self.init(raw: .bytes(body))
            return
        }
        let header: JSONValue
        do {
            header = try JSONParser(maxDepth: 48).parse(body[..<jsonEnd])
        } catch {
            throw .badRequest("the request is not valid JSON: \(error)")
        }
        guard case .object(let object) = header else { throw .badRequest("the request must be a JSON object") }
        guard object["inputs"] != nil || !acceptsRaw || headerLength != nil else {
            // A JSON body without "inputs" is a raw JSON request for the preprocess plugins.
            self.init(raw: .json(header))
            return
        }
        try self.init(object: object, binary: body[jsonEnd...], graph: graph, acceptsRaw: acceptsRaw)
    }

    private init(raw: Payload) {
        self.id = nil
        self.parameters = [:]
        self.payload = raw
        self.requestedOutputs = nil
        self.binaryOutputs = false
    }

    private init(object: [String: JSONValue], binary: ArraySlice<UInt8>, graph: Graph, acceptsRaw: Bool) throws(ServeError) {
        switch object["id"] {
        case nil: id = nil
        case .string(let value)?: id = value
        default: throw .badRequest("field 'id' must be a string")
        }
        parameters = try Self.parameters(object["parameters"], field: "parameters")
        switch parameters["binary_data_output"] {
        case nil: binaryOutputs = false
        case .bool(let value)?: binaryOutputs = value
        default: throw .badRequest("parameter 'binary_data_output' must be a boolean")
        }
        guard case .array(let inputs)? = object["inputs"] else { throw .badRequest("field 'inputs' must be an array") }
        var reader = BinarySection(bytes: binary)
        var tensors: [String: Tensor] = [:]
        var raw: Payload?
        for (index, input) in inputs.enumerated() {
            let decoded = try InputTensor(input, index: index, binary: &reader)
            if decoded.datatype == "BYTES" {
                guard acceptsRaw else {
                    throw .badRequest("input '\(decoded.name)': datatype BYTES is a raw request, but this model has no preprocess plugin to take one")
                }
                guard inputs.count == 1 else { throw .badRequest("input '\(decoded.name)': a BYTES (raw) request takes exactly one input") }
                raw = try decoded.rawPayload()
            } else {
                guard tensors[decoded.name] == nil else { throw .badRequest("input '\(decoded.name)' is given twice") }
                tensors[decoded.name] = try decoded.tensor(for: graph)
            }
        }
        guard reader.remaining == 0 else {
            throw .badRequest("the body has \(reader.remaining) bytes of binary data after the last input's binary_data_size")
        }
        if raw == nil {
            for declared in graph.inputs where tensors[declared.name] == nil {
                throw .badRequest("input '\(declared.name)' is missing (the model takes \(graph.inputs.map { "'\($0.name)'" }.joined(separator: ", ")))")
            }
        }
        payload = raw ?? .tensors(tensors)
        requestedOutputs = try Self.requestedOutputs(object["outputs"], graph: graph, raw: raw != nil, binaryByDefault: binaryOutputs)
    }

    private static func parameters(_ value: JSONValue?, field: String) throws(ServeError) -> [String: JSONValue] {
        switch value {
        case nil: return [:]
        case .object(let members)?: return members
        default: throw .badRequest("field '\(field)' must be an object")
        }
    }

    private static func requestedOutputs(_ value: JSONValue?, graph: Graph, raw: Bool, binaryByDefault: Bool) throws(ServeError) -> [RequestedOutput]? {
        guard let value else { return nil }
        guard case .array(let items) = value else { throw .badRequest("field 'outputs' must be an array") }
        var outputs: [RequestedOutput] = []
        for (index, item) in items.enumerated() {
            guard case .object(let output) = item, case .string(let name)? = output["name"] else {
                throw .badRequest("outputs[\(index)] must be an object with a string 'name'")
            }
            let parameters = try Self.parameters(output["parameters"], field: "outputs[\(index)].parameters")
            if parameters["classification"] != nil {
                throw .badRequest("output '\(name)': the classification extension is not supported; use a topk postprocess plugin")
            }
            var binary = binaryByDefault
            switch parameters["binary_data"] {
            case nil: break
            case .bool(let value)?: binary = value
            default: throw .badRequest("output '\(name)': parameter 'binary_data' must be a boolean")
            }
            if !raw, !graph.outputs.contains(where: { $0.name == name }) {
                throw .badRequest("output '\(name)' is not an output of the model (it has \(graph.outputs.map { "'\($0.name)'" }.joined(separator: ", ")))")
            }
            outputs.append(RequestedOutput(name: name, binary: binary))
        }
        return outputs
    }
}

/// The binary part of a request with the binary tensor data extension, read in input order.
private struct BinarySection {
    var bytes: ArraySlice<UInt8>
    var remaining: Int { bytes.count }

    mutating func take(_ count: Int, for input: String) throws(ServeError) -> ArraySlice<UInt8> {
        guard count <= bytes.count else {
            throw .badRequest("input '\(input)': binary_data_size \(count) is more than the \(bytes.count) bytes of binary data left in the body")
        }
        defer { bytes = bytes.dropFirst(count) }
        return bytes.prefix(count)
    }
}

/// One entry of a request's `inputs`, checked for form but not yet against the model.
private struct InputTensor {
    var name: String
    var datatype: String
    var shape: [Int]
    /// The JSON `data`, or the binary bytes.
    var data: Data

    enum Data {
        case json(JSONValue)
        case binary(ArraySlice<UInt8>)
    }

    init(_ value: JSONValue, index: Int, binary: inout BinarySection) throws(ServeError) {
        guard case .object(let input) = value else { throw .badRequest("inputs[\(index)] must be an object") }
        guard case .string(let name)? = input["name"] else { throw .badRequest("inputs[\(index)]: field 'name' must be a string") }
        guard case .string(let datatype)? = input["datatype"] else { throw .badRequest("input '\(name)': field 'datatype' must be a string") }
        guard KServeDatatype.protocolNames.contains(datatype) else {
            throw .badRequest("input '\(name)': datatype '\(datatype)' is not a KServe v2 datatype")
        }
        guard case .array(let dims)? = input["shape"] else { throw .badRequest("input '\(name)': field 'shape' must be an array") }
        var shape: [Int] = []
        for dim in dims {
            guard case .number(let n) = dim, n >= 0, n == n.rounded(), n < 1e12 else {
                throw .badRequest("input '\(name)': field 'shape' must hold non-negative whole numbers")
            }
            shape.append(Int(n))
        }
        guard let count = Shapes.count(shape) else { throw .badRequest("input '\(name)': shape \(shape) is too large") }
        guard count > 0 || datatype == "BYTES" else { throw .badRequest("input '\(name)': shape \(shape) holds no elements") }
        self.name = name
        self.datatype = datatype
        self.shape = shape
        let parameters: [String: JSONValue]
        switch input["parameters"] {
        case nil: parameters = [:]
        case .object(let members)?: parameters = members
        default: throw .badRequest("input '\(name)': field 'parameters' must be an object")
        }
        switch (parameters["binary_data_size"], input["data"]) {
        case (nil, nil): throw .badRequest("input '\(name)': field 'data' is missing (or give parameters.binary_data_size)")
        case (nil, let data?): self.data = .json(data)
        case (.number(let size)?, nil) where size >= 0 && size == size.rounded() && size < 1e15:
            self.data = .binary(try binary.take(Int(size), for: name))
        case (_?, nil): throw .badRequest("input '\(name)': parameter 'binary_data_size' must be a non-negative whole number")
        case (_?, _?): throw .badRequest("input '\(name)': give either 'data' or parameters.binary_data_size, not both")
        }
    }

    /// The tensor, checked against the model's declared input.
    func tensor(for graph: Graph) throws(ServeError) -> Tensor {
        guard let declared = graph.inputs.first(where: { $0.name == name }) else {
            throw .badRequest("input '\(name)' is not an input of the model (it takes \(graph.inputs.map { "'\($0.name)'" }.joined(separator: ", ")))")
        }
        let dtype = declared.type.dtype
        guard datatype == KServeDatatype.name(of: dtype) else {
            throw .badRequest("input '\(name)': datatype \(datatype) does not match the model's \(KServeDatatype.name(of: dtype))")
        }
        if let expected = declared.type.shape {
            let fits = expected.count == shape.count && zip(expected, shape).allSatisfy { $0.value == nil || $0.value == $1 }
            guard fits else {
                throw .badRequest("input '\(name)': shape \(shape) does not match the model's \(KServeDatatype.metadataShape(expected))")
            }
        }
        let count = Shapes.count(shape)!
        switch data {
        case .json(let value):
            var flat: [JSONValue] = []
            flatten(value, into: &flat)
            guard flat.count == count else {
                throw .badRequest("input '\(name)': \(flat.count) values in 'data' do not fill shape \(shape) (\(count) elements)")
            }
            do {
                return try JSONTensor.decode(.object(["shape": .array(shape.map { .number(Double($0)) }), "data": .array(flat)]), dtype: dtype, name: name)
            } catch {
                throw .badRequest(error.description)
            }
        case .binary(let bytes):
            let (size, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, bytes.count == size else {
                throw .badRequest("input '\(name)': binary_data_size \(bytes.count) is not \(count) \(datatype) elements of shape \(shape)")
            }
            do {
                var decoder = try TensorDecoder(name: name, dtype: dtype, shape: shape)
                try bytes.withUnsafeBytes { try decoder.append($0) }
                return try decoder.finish()
            } catch {
                throw .badRequest("input '\(name)': \(error)")
            }
        }
    }

    /// The raw request a `BYTES` input holds: its first element's bytes (a JSON string's UTF-8,
    /// or the binary form's 4-byte little-endian length and bytes), as JSON when they parse.
    func rawPayload() throws(ServeError) -> Payload {
        switch data {
        case .json(let value):
            var flat: [JSONValue] = []
            flatten(value, into: &flat)
            guard flat.count == 1, case .string(let text) = flat[0] else {
                throw .badRequest("input '\(name)': a BYTES request holds one string element")
            }
            return Payload(detecting: Array(text.utf8))
        case .binary(let bytes):
            guard bytes.count >= 4 else { throw .badRequest("input '\(name)': BYTES binary data must start with a 4-byte length") }
            let length = bytes.prefix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
            guard length == bytes.count - 4 else {
                throw .badRequest("input '\(name)': a BYTES request holds one element; its length \(length) does not fill the \(bytes.count - 4) bytes given")
            }
            return Payload(detecting: Array(bytes.dropFirst(4)))
        }
    }

    /// Appends the leaves of nested arrays in row-major order.
    private func flatten(_ value: JSONValue, into flat: inout [JSONValue]) {
        if case .array(let items) = value {
            for item in items { flatten(item, into: &flat) }
        } else {
            flat.append(value)
        }
    }
}
