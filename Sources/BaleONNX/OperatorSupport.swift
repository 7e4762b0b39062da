/// The operators Bale implements: exactly those of docs/operators.md.
enum OperatorSupport {
    /// Supported operator types per domain (`""` is ONNX).
    static let supported: [String: Set<String>] = [
        "": [
            "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Exp", "Erf", "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Gelu",
            "Clip", "Softmax", "LogSoftmax", "Where", "Equal", "Sum", "Max", "Min", "Cast", "Identity", "Dropout",
            "ReduceMean", "ReduceSum", "ArgMax", "Expand", "Gemm", "MatMul", "Conv", "MaxPool", "AveragePool",
            "GlobalAveragePool", "BatchNormalization", "LayerNormalization", "LRN", "Pad", "Flatten", "Reshape",
            "Transpose", "Concat", "Split", "Slice", "Squeeze", "Unsqueeze", "Gather", "Shape", "ConstantOfShape",
            "Constant", "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "MatMulInteger",
            "ConvInteger", "QLinearMatMul", "QLinearConv",
        ],
        "ai.onnx.ml": ["ArrayFeatureExtractor"],
    ]

    /// How many node names an error lists per operator before summarising the rest.
    private static let namesShown = 5

    /// Whether Bale implements `opType` of `domain` (`ai.onnx` is the default domain).
    static func isSupported(_ opType: String, domain: String) -> Bool {
        supported[OpsetImports.canonicalDomain(domain)]?.contains(opType) ?? false
    }

    /// Checks every node and throws one error listing each unsupported operator with the nodes
    /// using it, e.g. `unsupported operators: LSTM (nodes lstm_1, lstm_2), NonMaxSuppression (node nms)`.
    ///
    /// - Parameters:
    ///   - nodes: The model's nodes.
    ///   - names: Their unique names (see ``GraphConverter/nodeNames(_:)``).
    static func check(_ nodes: [Onnx_NodeProto], names: [String]) throws(ImportError) {
        var order: [String] = []
        var users: [String: [String]] = [:]
        for (node, name) in zip(nodes, names) {
            guard !node.opType.isEmpty else { throw ImportError("node '\(name)' has no op_type") }
            guard !isSupported(node.opType, domain: node.domain) else { continue }
            let domain = OpsetImports.canonicalDomain(node.domain)
            let op = domain.isEmpty ? node.opType : "\(domain).\(node.opType)"
            if users[op] == nil { order.append(op) }
            users[op, default: []].append(name)
        }
        guard !order.isEmpty else { return }
        let parts = order.map { op in
            let names = users[op] ?? []
            var list = names.prefix(namesShown).joined(separator: ", ")
            if names.count > namesShown { list += " and \(names.count - namesShown) more" }
            return "\(op) (\(names.count == 1 ? "node" : "nodes") \(list))"
        }
        throw ImportError(.unsupported, "unsupported operators: \(parts.joined(separator: ", "))")
    }
}
