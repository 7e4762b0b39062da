/// An attribute value of a node (ONNX attribute types Bale uses).
public enum Attribute: Sendable, Hashable {
    case int(Int)
    case float(Float)
    case string(String)
    case ints([Int])
    case floats([Float])
    case strings([String])
    case tensor(Tensor)
}

/// One operation of a graph.
///
/// Operator semantics are those of the latest ONNX opset Bale implements for the op; the
/// importer rewrites older opset forms (e.g. Reshape's shape attribute) into that form.
public struct Node: Sendable, Hashable {
    /// Node name (unique in the graph; the importer names unnamed nodes).
    public var name: String
    /// Operator type, e.g. `Conv`.
    public var opType: String
    /// Operator domain: `""` for ONNX, `ai.onnx.ml` for the ML domain.
    public var domain: String
    /// Input value names; `""` marks an omitted optional input.
    public var inputs: [String]
    /// Output value names.
    public var outputs: [String]
    /// Attributes by name.
    public var attributes: [String: Attribute]

    /// Creates a node.
    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String], attributes: [String: Attribute] = [:]) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }
}

/// A model as a dataflow graph: the IR every Bale stage shares.
public struct Graph: Sendable, Hashable {
    /// Graph name.
    public var name: String
    /// Inputs a caller must feed (initializers are not listed here).
    public var inputs: [ValueInfo]
    /// Outputs the graph produces.
    public var outputs: [ValueInfo]
    /// Nodes in topological order.
    public var nodes: [Node]
    /// Constant tensors (weights), by value name.
    public var initializers: [String: Tensor]
    /// Known types of intermediate values (from the model or shape inference), by value name.
    public var valueTypes: [String: TensorType]
    /// Opset version per domain (`""` is ONNX).
    public var opsets: [String: Int]

    /// Creates a graph.
    public init(
        name: String, inputs: [ValueInfo], outputs: [ValueInfo], nodes: [Node],
        initializers: [String: Tensor] = [:], valueTypes: [String: TensorType] = [:], opsets: [String: Int] = ["": 13]
    ) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.nodes = nodes
        self.initializers = initializers
        self.valueTypes = valueTypes
        self.opsets = opsets
    }

    /// Parameter count: elements of all initializers.
    public var parameterCount: Int { initializers.values.reduce(0) { $0 + $1.count } }
    /// Bytes of all initializers.
    public var weightBytes: Int { initializers.values.reduce(0) { $0 + $1.count * $1.dtype.byteSize } }
    /// Node count per operator type.
    public var opCounts: [String: Int] { nodes.reduce(into: [:]) { $0[$1.opType, default: 0] += 1 } }
}

/// An error about a graph: names the node, value or field at fault, in one line.
public struct GraphError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The one-line message.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
