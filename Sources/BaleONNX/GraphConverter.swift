import BaleGraph

/// Converts a `GraphProto` into a ``Graph`` as written: names, types, tensors, attributes.
///
/// Opset rewrites and graph checks come later (``OpsetNormalizer``, ``GraphValidator``). The
/// converter checks what it needs to build the IR: supported operators (all unsupported ones
/// reported in one error), unique initializer and input names, supported element types, and
/// attribute kinds Bale can hold.
struct GraphConverter {
    /// Decoder for initializers, `Constant` values and tensor attributes.
    private var tensors: TensorDecoder

    /// Conversions worth telling the user about (narrowed DOUBLE tensors).
    var warnings: [String] { tensors.warnings }

    /// Creates a converter reading external data below `baseDirectory`.
    init(baseDirectory: String?) {
        tensors = TensorDecoder(baseDirectory: baseDirectory)
    }

    /// The graph `proto` describes, nodes in file order.
    mutating func convert(_ proto: Onnx_GraphProto, opsets: OpsetImports) throws(ImportError) -> Graph {
        let names = Self.nodeNames(proto.node)
        try OperatorSupport.check(proto.node, names: names)

        var initializers: [String: Tensor] = [:]
        for tensor in proto.initializer {
            guard !tensor.name.isEmpty else { throw ImportError("an initializer has no name") }
            guard initializers[tensor.name] == nil else {
                throw ImportError("initializer '\(tensor.name)' is defined twice")
            }
            initializers[tensor.name] = try tensors.decode(tensor, as: "initializer '\(tensor.name)'")
        }

        // Before IR version 4 every initializer was also listed as a graph input; Bale lists
        // only the inputs a caller feeds.
        var inputs: [ValueInfo] = []
        var inputNames: Set<String> = []
        for info in proto.input where initializers[info.name] == nil {
            guard inputNames.insert(info.name).inserted else {
                throw ImportError("graph input '\(info.name)' is declared twice")
            }
            inputs.append(try Self.valueInfo(info, as: "graph input"))
        }
        var outputs: [ValueInfo] = []
        var outputNames: Set<String> = []
        for info in proto.output {
            guard outputNames.insert(info.name).inserted else {
                throw ImportError("graph output '\(info.name)' is declared twice")
            }
            outputs.append(try Self.valueInfo(info, as: "graph output"))
        }
        var valueTypes: [String: TensorType] = [:]
        for info in proto.valueInfo where !info.name.isEmpty && initializers[info.name] == nil {
            valueTypes[info.name] = try Self.tensorType(info, as: "value_info entry", required: false)
        }

        var nodes: [Node] = []
        for (index, nodeProto) in proto.node.enumerated() {
            let name = names[index]
            let attributes = try AttributeConverter.convert(nodeProto.attribute, node: name, tensors: &tensors)
            let domain = OpsetImports.canonicalDomain(nodeProto.domain)
            if domain.isEmpty, nodeProto.opType == "Constant" {
                let (value, tensor) = try AttributeConverter.constant(attributes, outputs: nodeProto.output, node: name)
                guard initializers[value] == nil, !inputNames.contains(value) else {
                    throw ImportError(
                        "Constant node '\(name)' produces '\(value)', which is also an initializer or a graph input")
                }
                initializers[value] = tensor
                continue
            }
            nodes.append(
                Node(
                    name: name, opType: nodeProto.opType, domain: domain, inputs: nodeProto.input,
                    outputs: nodeProto.output, attributes: attributes))
        }
        let graphName = proto.name.isEmpty ? "main" : proto.name
        return Graph(
            name: graphName, inputs: inputs, outputs: outputs, nodes: nodes, initializers: initializers,
            valueTypes: valueTypes, opsets: opsets.versions)
    }

    // MARK: - Node names

    /// A unique name per node: its own when unique, `<opType>_<index>` when it has none, and
    /// `<name>_<n>` for a repeated name.
    static func nodeNames(_ nodes: [Onnx_NodeProto]) -> [String] {
        var taken: Set<String> = []
        var keeps = [Bool](repeating: false, count: nodes.count)
        for (index, node) in nodes.enumerated() where !node.name.isEmpty {
            keeps[index] = taken.insert(node.name).inserted
        }
        var names: [String] = []
        names.reserveCapacity(nodes.count)
        for (index, node) in nodes.enumerated() {
            if keeps[index] {
                names.append(node.name)
                continue
            }
            let base = node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
            var candidate = base
            var suffix = 1
            while taken.contains(candidate) {
                candidate = "\(base)_\(suffix)"
                suffix += 1
            }
            taken.insert(candidate)
            names.append(candidate)
        }
        return names
    }

    // MARK: - Value types

    /// A graph input or output; it must be a tensor with a known element type.
    private static func valueInfo(_ info: Onnx_ValueInfoProto, as what: String) throws(ImportError) -> ValueInfo {
        guard !info.name.isEmpty else { throw ImportError("a \(what) has no name") }
        guard let type = try tensorType(info, as: what, required: true) else {
            throw ImportError("\(what) '\(info.name)' has no element type")
        }
        return ValueInfo(name: info.name, type: type)
    }

    /// The tensor type `info` declares; `nil` when it declares no type or element type and
    /// `required` is false. Missing dimensions become `.symbolic("")` (unknown), `dim_param`s keep their
    /// names, and a missing shape leaves the rank unknown.
    private static func tensorType(
        _ info: Onnx_ValueInfoProto, as what: String, required: Bool
    ) throws(ImportError) -> TensorType? {
        guard info.hasType else {
            if required { throw ImportError("\(what) '\(info.name)' has no type") }
            return nil
        }
        guard case .tensorType(let tensor)? = info.type.value else {
            throw ImportError(
                .unsupported,
                "\(what) '\(info.name)' is not a tensor (sequence, map, optional and sparse values are not supported)")
        }
        guard tensor.hasElemType, tensor.elemType != 0 else {
            if required { throw ImportError("\(what) '\(info.name)' has no element type") }
            return nil
        }
        let dtype = try ElementType.valueDType(tensor.elemType, of: "\(what) '\(info.name)'")
        guard tensor.hasShape else { return TensorType(dtype: dtype, shape: nil) }
        let shape: [Dim] = tensor.shape.dim.map { dim in
            switch dim.value {
            case .dimValue(let n)?: n >= 0 ? .fixed(Int(truncatingIfNeeded: n)) : .symbolic("")
            case .dimParam(let name)?: .symbolic(name)
            case nil: .symbolic("")
            }
        }
        return TensorType(dtype: dtype, shape: shape)
    }
}
