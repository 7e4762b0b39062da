// The Codable shapes of `graph.json` (see GraphCoding).

struct GraphDocument: Codable {
    var format: String
    var version: Int
    var name: String
    var opsets: [String: Int]
    var inputs: [ValueInfo]
    var outputs: [ValueInfo]
    var nodes: [NodeDocument]
    var initializers: [InitializerDocument]
    var valueTypes: [String: TensorType]
}

struct InitializerDocument: Codable {
    var name: String
    var dtype: DType
    var shape: [Int]
    var file: String
    var encoding: String
}

struct NodeDocument: Codable {
    var name: String
    var op: String
    var domain: String?
    var inputs: [String]
    var outputs: [String]
    var attributes: [String: AttributeDocument]?

    init(_ node: Node) {
        name = node.name
        op = node.opType
        domain = node.domain.isEmpty ? nil : node.domain
        inputs = node.inputs
        outputs = node.outputs
        attributes = node.attributes.isEmpty ? nil : node.attributes.mapValues(AttributeDocument.init)
    }

    func node() throws(GraphError) -> Node {
        var decoded: [String: Attribute] = [:]
        for (key, value) in attributes ?? [:] {
            do {
                decoded[key] = try value.attribute()
            } catch {
                throw GraphError("graph.json: node '\(name)' attribute '\(key)': \(error.message)")
            }
        }
        return Node(name: name, opType: op, domain: domain ?? "", inputs: inputs, outputs: outputs, attributes: decoded)
    }
}

/// One attribute: exactly one of the members is set.
struct AttributeDocument: Codable {
    var int: Int?
    var float: JSONFloat?
    var string: String?
    var ints: [Int]?
    var floats: [JSONFloat]?
    var strings: [String]?
    var tensor: InlineTensor?

    init(_ attribute: Attribute) {
        switch attribute {
        case .int(let v): int = v
        case .float(let v): float = JSONFloat(v)
        case .string(let v): string = v
        case .ints(let v): ints = v
        case .floats(let v): floats = v.map(JSONFloat.init)
        case .strings(let v): strings = v
        case .tensor(let v): tensor = InlineTensor(v)
        }
    }

    func attribute() throws(GraphError) -> Attribute {
        let set = [int != nil, float != nil, string != nil, ints != nil, floats != nil, strings != nil, tensor != nil]
        guard set.filter({ $0 }).count == 1 else { throw GraphError("must have exactly one value") }
        if let int { return .int(int) }
        if let float { return .float(float.float) }
        if let string { return .string(string) }
        if let ints { return .ints(ints) }
        if let floats { return .floats(floats.map(\.float)) }
        if let strings { return .strings(strings) }
        return .tensor(try tensor!.tensor())
    }
}

/// A number that also encodes infinities and NaN, as the strings `inf`, `-inf`, `nan`.
/// Held as a Double so integers are exact up to 2^53.
struct JSONFloat: Codable {
    var value: Double

    init(_ value: Float) { self.value = Double(value) }
    init(_ value: Double) { self.value = value }

    /// The value as a Float.
    var float: Float { Float(value) }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
            return
        }
        switch try container.decode(String.self) {
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        case "nan": value = .nan
        case let other:
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(other)' is not a number")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if value.isNaN {
            try container.encode("nan")
        } else if value.isInfinite {
            try container.encode(value > 0 ? "inf" : "-inf")
        } else {
            try container.encode(value)
        }
    }
}

/// A small tensor written inline (attribute values such as ConstantOfShape's `value`).
struct InlineTensor: Codable {
    var dtype: DType
    var shape: [Int]
    /// Elements as numbers (bools as 0/1, f16 as float values).
    var data: [JSONFloat]

    init(_ tensor: Tensor) {
        dtype = tensor.dtype
        shape = tensor.shape
        switch tensor.storage {
        case .i64(let a): data = a.map { JSONFloat(Double($0)) }
        case .i32(let a): data = a.map { JSONFloat(Double($0)) }
        default: data = tensor.asFloats.map { JSONFloat($0) }
        }
    }

    func tensor() throws(GraphError) -> Tensor {
        guard let count = Shapes.count(shape), count == data.count else {
            throw GraphError("inline tensor has \(data.count) values for shape \(shape)")
        }
        let values = data.map(\.value)
        let storage: TensorStorage
        switch dtype {
        case .f32: storage = .f32(values.map { Float($0) })
        case .f16: storage = .f16(values.map { Float16(Float($0)).bitPattern })
        case .i8: storage = .i8(values.map { Int8(clamping: Int(exactly: $0.rounded()) ?? 0) })
        case .u8: storage = .u8(values.map { UInt8(clamping: Int(exactly: $0.rounded()) ?? 0) })
        case .i32: storage = .i32(values.map { Int32(clamping: Int(exactly: $0.rounded()) ?? 0) })
        case .i64: storage = .i64(values.map { Int64(exactly: $0.rounded()) ?? 0 })
        case .bool: storage = .bool(values.map { $0 != 0 })
        }
        return Tensor(shape: shape, storage: storage)
    }
}
