import BaleGraph

/// Rewrites older ONNX operator forms into the canonical forms of docs/operators.md.
///
/// Rewrites that move an attribute into an input (Reshape `shape`, Squeeze/Unsqueeze `axes`,
/// Split `split`, Slice `starts`/`ends`/`axes`, Pad `pads`/`value`, Clip `min`/`max`,
/// ReduceSum/ReduceMean `axes`) are keyed on the legacy attribute being present, not on the
/// opset number, so they also fix files whose opset import is newer than the forms they use (old
/// converters wrote such files). The new inputs become initializers with unique names. Softmax
/// and LogSoftmax change meaning at opset 13 without a visible marker, so that rewrite is keyed on
/// the opset.
///
/// Rewritten nodes keep their place in the node list, so topological order is preserved.
struct OpsetNormalizer {
    /// The graph being rewritten (its `nodes` are replaced at the end).
    var graph: Graph
    /// The default-domain opset the model imports.
    let opset: Int
    /// Every value name in use, so new values never collide.
    private var valueNames: Set<String>
    /// Every node name in use, so new nodes never collide.
    private var nodeNames: Set<String>
    /// Values some node or graph output reads.
    let consumed: Set<String>
    /// Declared element type and rank per value, where the model states them.
    let known: [String: (dtype: DType, rank: Int?)]

    /// Prepares to rewrite `graph`, a model of default-domain opset `opset`.
    init(graph: Graph, opset: Int) {
        self.graph = graph
        self.opset = opset
        var values = Set(graph.inputs.map(\.name)).union(graph.outputs.map(\.name)).union(graph.initializers.keys)
        var consumed = Set(graph.outputs.map(\.name))
        for node in graph.nodes {
            values.formUnion(node.inputs)
            values.formUnion(node.outputs)
            consumed.formUnion(node.inputs)
        }
        valueNames = values
        nodeNames = Set(graph.nodes.map(\.name))
        self.consumed = consumed
        var known: [String: (dtype: DType, rank: Int?)] = [:]
        for (name, type) in graph.valueTypes { known[name] = (type.dtype, type.shape?.count) }
        for info in graph.inputs + graph.outputs { known[info.name] = (info.type.dtype, info.type.shape?.count) }
        for (name, tensor) in graph.initializers { known[name] = (tensor.dtype, tensor.shape.count) }
        self.known = known
    }

    /// The graph with every node in canonical form.
    mutating func normalize() throws(ImportError) -> Graph {
        var nodes: [Node] = []
        nodes.reserveCapacity(graph.nodes.count)
        for node in graph.nodes {
            nodes.append(contentsOf: try rewrite(node))
        }
        graph.nodes = nodes
        return graph
    }

    /// The canonical form of one node (one or more nodes).
    private mutating func rewrite(_ node: Node) throws(ImportError) -> [Node] {
        guard node.domain.isEmpty else { return [node] }
        var node = node
        switch node.opType {
        case "Reshape":
            node.attributes["consumed_inputs"] = nil
            try moveInts(&node, attribute: "shape", toInput: 1)
        case "Squeeze", "ReduceSum", "ReduceMean":
            try moveInts(&node, attribute: "axes", toInput: 1)
        case "Unsqueeze":
            try moveInts(&node, attribute: "axes", toInput: 1)
            guard hasInput(node, 1) else { throw ImportError("Unsqueeze node '\(node.name)' has no axes") }
        case "Split": try rewriteSplit(&node)
        case "Slice": try rewriteSlice(&node)
        case "Pad": try rewritePad(&node)
        case "Clip": try rewriteClip(&node)
        case "Softmax" where opset < 13, "LogSoftmax" where opset < 13: return try rewriteLegacySoftmax(node)
        case "BatchNormalization": return try rewriteBatchNormalization(node)
        case "Dropout":
            node.attributes["ratio"] = nil
            node.attributes["is_test"] = nil
        case "Gemm": node.attributes["broadcast"] = nil
        default: break
        }
        return [node]
    }

    // MARK: - Helpers for rewrites

    /// Whether input `index` of `node` is given (present and not `""`).
    func hasInput(_ node: Node, _ index: Int) -> Bool {
        index < node.inputs.count && !node.inputs[index].isEmpty
    }

    /// Sets input `index` of `node`, filling skipped optional inputs with `""`.
    func setInput(_ node: inout Node, _ index: Int, _ value: String) {
        while node.inputs.count <= index { node.inputs.append("") }
        node.inputs[index] = value
    }

    /// Removes and returns the INTS attribute `name` (an INT counts as a one-element list).
    func takeInts(_ node: inout Node, _ name: String) throws(ImportError) -> [Int]? {
        guard let attribute = node.attributes.removeValue(forKey: name) else { return nil }
        switch attribute {
        case .ints(let values): return values
        case .int(let value): return [value]
        default: throw ImportError("\(node.opType) node '\(node.name)' attribute '\(name)' must be a list of integers")
        }
    }

    /// Removes and returns the FLOAT attribute `name`.
    func takeFloat(_ node: inout Node, _ name: String) throws(ImportError) -> Float? {
        guard let attribute = node.attributes.removeValue(forKey: name) else { return nil }
        switch attribute {
        case .float(let value): return value
        case .int(let value): return Float(value)
        default: throw ImportError("\(node.opType) node '\(node.name)' attribute '\(name)' must be a float")
        }
    }

    /// Moves INTS attribute `attribute` into input `index` as an i64 initializer; an input
    /// already given there as well is an error.
    mutating func moveInts(_ node: inout Node, attribute: String, toInput index: Int) throws(ImportError) {
        guard let values = try takeInts(&node, attribute) else { return }
        guard !hasInput(node, index) else {
            throw ImportError(
                "\(node.opType) node '\(node.name)' gives '\(attribute)' both as an attribute and as input \(index)")
        }
        setInput(&node, index, addInts(values, for: node, role: attribute))
    }

    /// Adds `values` as a 1-D i64 initializer named after `node` and `role`; returns its name.
    mutating func addInts(_ values: [Int], for node: Node, role: String) -> String {
        addInitializer(Tensor(shape: [values.count], int64s: values.map { Int64($0) }), for: node, role: role)
    }

    /// Adds `tensor` as an initializer named after `node` and `role`; returns its unique name.
    mutating func addInitializer(_ tensor: Tensor, for node: Node, role: String) -> String {
        let name = newValue("\(node.name)_\(role)")
        graph.initializers[name] = tensor
        return name
    }

    /// A value name starting with `base` that no value uses yet (reserved on return).
    mutating func newValue(_ base: String) -> String {
        Self.reserve(base, in: &valueNames)
    }

    /// A node name starting with `base` that no node uses yet (reserved on return).
    mutating func newNode(_ base: String) -> String {
        Self.reserve(base, in: &nodeNames)
    }

    private static func reserve(_ base: String, in names: inout Set<String>) -> String {
        var candidate = base
        var suffix = 1
        while names.contains(candidate) {
            candidate = "\(base)_\(suffix)"
            suffix += 1
        }
        names.insert(candidate)
        return candidate
    }

    /// A scalar holding `value` in `dtype` (the type of the value it pairs with), or f32 when
    /// that type is unknown. Integer types get the value truncated and saturated.
    static func scalar(_ value: Float, like dtype: DType?) -> Tensor {
        let integer = saturatingInt(value)
        return switch dtype ?? .f32 {
        case .f32: Tensor(shape: [], floats: [value])
        case .f16: Tensor(shape: [], storage: .f16([Float16(value).bitPattern]))
        case .i8: Tensor(shape: [], storage: .i8([Int8(clamping: integer)]))
        case .u8: Tensor(shape: [], storage: .u8([UInt8(clamping: integer)]))
        case .i32: Tensor(shape: [], storage: .i32([Int32(clamping: integer)]))
        case .i64: Tensor(shape: [], int64s: [Int64(integer)])
        case .bool: Tensor(shape: [], storage: .bool([value != 0]))
        }
    }

    /// `value` truncated toward zero, saturated to `Int`'s range (NaN gives 0).
    private static func saturatingInt(_ value: Float) -> Int {
        if value.isNaN { return 0 }
        if value >= 9.2e18 { return .max }
        if value <= -9.2e18 { return .min }
        return Int(value)
    }
}
