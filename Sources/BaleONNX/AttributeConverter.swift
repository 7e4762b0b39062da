import BaleGraph
import Foundation

/// Converts node attributes and `Constant` nodes.
enum AttributeConverter {
    /// The attributes of node `node`, by name.
    ///
    /// INT, FLOAT, STRING, INTS, FLOATS, STRINGS and TENSOR attributes are kept; subgraphs
    /// (GRAPH, GRAPHS), sparse tensors, tensor lists and type attributes are refused naming the
    /// node, as are attributes without a type (IR version 1 files).
    static func convert(
        _ protos: [Onnx_AttributeProto], node: String, tensors: inout TensorDecoder
    ) throws(ImportError) -> [String: Attribute] {
        var attributes: [String: Attribute] = [:]
        for proto in protos {
            guard !proto.name.isEmpty else { throw ImportError("node '\(node)' has an attribute without a name") }
            let what = "node '\(node)' attribute '\(proto.name)'"
            guard attributes[proto.name] == nil else { throw ImportError("\(what) is given twice") }
            let value: Attribute
            switch proto.type {
            case .int: value = .int(Int(truncatingIfNeeded: proto.i))
            case .float: value = .float(proto.f)
            case .string: value = .string(text(proto.s))
            case .ints: value = .ints(proto.ints.map { Int(truncatingIfNeeded: $0) })
            case .floats: value = .floats(proto.floats)
            case .strings: value = .strings(proto.strings.map(text))
            case .tensor: value = .tensor(try tensors.decode(proto.t, as: what))
            case .graph, .graphs:
                throw ImportError(
                    .unsupported,
                    "\(what) is a subgraph (\(name(proto.type))); Bale does not support control flow or subgraph attributes"
                )
            case .sparseTensor, .sparseTensors, .tensors, .typeProto, .typeProtos:
                throw ImportError(.unsupported, "\(what) has type \(name(proto.type)), which Bale does not support")
            case .undefined:
                throw ImportError("\(what) has no type, or one this importer does not know")
            }
            attributes[proto.name] = value
        }
        return attributes
    }

    // MARK: - Constant nodes

    /// The value a `Constant` node defines, as (output name, tensor).
    ///
    /// Every `value*` form becomes a tensor: `value` as is, `value_float` / `value_int` as f32 /
    /// i64 scalars, `value_floats` / `value_ints` as 1-D tensors. String values are refused.
    static func constant(_ attributes: [String: Attribute], outputs: [String], node: String) throws(ImportError) -> (
        String, Tensor
    ) {
        guard outputs.count == 1, let output = outputs.first, !output.isEmpty else {
            throw ImportError("Constant node '\(node)' must have exactly one named output, it has \(outputs.count)")
        }
        guard attributes.count == 1, let (name, attribute) = attributes.first else {
            let names = attributes.keys.sorted().joined(separator: ", ")
            throw ImportError("Constant node '\(node)' must have exactly one value attribute, it has [\(names)]")
        }
        let tensor: Tensor
        switch (name, attribute) {
        case ("value", .tensor(let t)): tensor = t
        case ("value_float", .float(let f)): tensor = Tensor(shape: [], floats: [f])
        case ("value_floats", .floats(let fs)): tensor = Tensor(shape: [fs.count], floats: fs)
        case ("value_int", .int(let i)): tensor = Tensor(shape: [], int64s: [Int64(i)])
        case ("value_ints", .ints(let values)): tensor = Tensor(shape: [values.count], int64s: values.map { Int64($0) })
        case ("value_string", _), ("value_strings", _):
            throw ImportError(
                .unsupported, "Constant node '\(node)' defines a string value ('\(name)'); Bale has no string tensors")
        default:
            throw ImportError(
                "Constant node '\(node)' has unexpected attribute '\(name)' (expected value, value_float(s) or value_int(s))"
            )
        }
        return (output, tensor)
    }

    // MARK: - Helpers

    /// Attribute bytes as text (invalid UTF-8 is replaced, never trusted).
    private static func text(_ bytes: Data) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// ONNX's name of an attribute type, e.g. `SPARSE_TENSOR`.
    private static func name(_ type: Onnx_AttributeProto.AttributeType) -> String {
        switch type {
        case .undefined: "UNDEFINED"
        case .float: "FLOAT"
        case .int: "INT"
        case .string: "STRING"
        case .tensor: "TENSOR"
        case .graph: "GRAPH"
        case .sparseTensor: "SPARSE_TENSOR"
        case .typeProto: "TYPE_PROTO"
        case .floats: "FLOATS"
        case .ints: "INTS"
        case .strings: "STRINGS"
        case .tensors: "TENSORS"
        case .graphs: "GRAPHS"
        case .sparseTensors: "SPARSE_TENSORS"
        case .typeProtos: "TYPE_PROTOS"
        }
    }
}
