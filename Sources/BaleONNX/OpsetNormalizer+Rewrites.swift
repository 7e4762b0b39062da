import BaleGraph

// The rewrites that need more than moving one attribute into an input (see docs/operators.md).

extension OpsetNormalizer {
    // MARK: - Split, Slice, Pad, Clip

    /// Split < 13: `split` attribute → input. Without split sizes the canonical form (opset 18)
    /// needs `num_outputs`, which is the node's output count.
    mutating func rewriteSplit(_ node: inout Node) throws(ImportError) {
        try moveInts(&node, attribute: "split", toInput: 1)
        if !hasInput(node, 1), node.attributes["num_outputs"] == nil {
            node.attributes["num_outputs"] = .int(node.outputs.count)
        }
    }

    /// Slice < 10: `starts`, `ends` and optional `axes` attributes → inputs 1 to 3.
    mutating func rewriteSlice(_ node: inout Node) throws(ImportError) {
        let starts = try takeInts(&node, "starts")
        let ends = try takeInts(&node, "ends")
        let axes = try takeInts(&node, "axes")
        guard starts != nil || ends != nil || axes != nil else { return }
        guard let starts, let ends, starts.count == ends.count, axes.map({ $0.count == starts.count }) ?? true else {
            throw ImportError(
                "Slice node '\(node.name)' needs 'starts' and 'ends' attributes (and 'axes', if given) of the same length"
            )
        }
        guard node.inputs.count == 1 else {
            throw ImportError(
                "Slice node '\(node.name)' has both slice attributes and \(node.inputs.count - 1) slice inputs")
        }
        setInput(&node, 1, addInts(starts, for: node, role: "starts"))
        setInput(&node, 2, addInts(ends, for: node, role: "ends"))
        if let axes { setInput(&node, 3, addInts(axes, for: node, role: "axes")) }
    }

    /// Pad < 11: `pads` attribute → input 1; a non-zero `value` → `constant_value` input 2, of the
    /// data's element type when the model declares it.
    mutating func rewritePad(_ node: inout Node) throws(ImportError) {
        let value = try takeFloat(&node, "value")
        guard let pads = try takeInts(&node, "pads") else {
            guard value == nil else {
                throw ImportError("Pad node '\(node.name)' has a 'value' attribute but no 'pads'")
            }
            return
        }
        guard node.inputs.count == 1 else {
            throw ImportError("Pad node '\(node.name)' gives 'pads' both as an attribute and as an input")
        }
        setInput(&node, 1, addInts(pads, for: node, role: "pads"))
        if let value, value != 0 {
            let tensor = Self.scalar(value, like: known[node.inputs[0]]?.dtype)
            setInput(&node, 2, addInitializer(tensor, for: node, role: "constant_value"))
        }
    }

    /// Clip < 11: `min` / `max` attributes → scalar inputs 1 and 2 of the input's element type.
    mutating func rewriteClip(_ node: inout Node) throws(ImportError) {
        let min = try takeFloat(&node, "min")
        let max = try takeFloat(&node, "max")
        guard min != nil || max != nil else { return }
        guard node.inputs.count == 1 else {
            throw ImportError("Clip node '\(node.name)' gives bounds both as attributes and as inputs")
        }
        let dtype = known[node.inputs[0]]?.dtype
        if let min { setInput(&node, 1, addInitializer(Self.scalar(min, like: dtype), for: node, role: "min")) }
        if let max { setInput(&node, 2, addInitializer(Self.scalar(max, like: dtype), for: node, role: "max")) }
    }

    // MARK: - Softmax, LogSoftmax < 13

    /// Before opset 13, Softmax and LogSoftmax worked on the input coerced to 2-D at `axis`
    /// (default 1): the op normalises over all axes from `axis` on. When `axis` is the last axis
    /// that equals the canonical single-axis form; otherwise (or when the rank is unknown) the
    /// node becomes `Shape(X)`, `Flatten(X, axis)`, the op with `axis = -1`, and `Reshape` back.
    mutating func rewriteLegacySoftmax(_ node: Node) throws(ImportError) -> [Node] {
        var node = node
        let axis: Int
        switch node.attributes["axis"] {
        case nil: axis = 1
        case .int(let value)?: axis = value
        default: throw ImportError("\(node.opType) node '\(node.name)' attribute 'axis' must be an integer")
        }
        guard node.inputs.count == 1, node.outputs.count == 1, let input = node.inputs.first,
            let output = node.outputs.first, !input.isEmpty
        else {
            throw ImportError("\(node.opType) node '\(node.name)' must have one input and one output")
        }
        let rank = known[input]?.rank
        let normalized = axis < 0 ? rank.map { axis + $0 } : axis
        if axis == -1 || (rank != nil && normalized == rank.map { $0 - 1 }) {
            node.attributes["axis"] = .int(axis)
            return [node]
        }
        let shape = newValue("\(node.name)_input_shape")
        let flat = newValue("\(node.name)_flat")
        let result = newValue("\(node.name)_2d")
        let shapeNode = Node(name: newNode("\(node.name)_shape"), opType: "Shape", inputs: [input], outputs: [shape])
        let flatten = Node(
            name: newNode("\(node.name)_flatten"), opType: "Flatten", inputs: [input], outputs: [flat],
            attributes: ["axis": .int(axis)])
        node.inputs = [flat]
        node.outputs = [result]
        node.attributes["axis"] = .int(-1)
        let reshape = Node(
            name: newNode("\(node.name)_reshape"), opType: "Reshape", inputs: [result, shape], outputs: [output])
        return [shapeNode, flatten, node, reshape]
    }

    // MARK: - BatchNormalization

    /// Drops the legacy attributes (`spatial`, `is_test`, `consumed_inputs`, `momentum`) and
    /// training-mode outputs nothing reads. `spatial = 0` (opset < 9: per-element statistics of
    /// shape C×D1×…×Dn) is exact as broadcast arithmetic, so such a node becomes
    /// `(X - mean) / Sqrt(var + epsilon) * scale + B`, unless its statistics are 1-D.
    mutating func rewriteBatchNormalization(_ node: Node) throws(ImportError) -> [Node] {
        var node = node
        let spatial = try takeInts(&node, "spatial")
        for legacy in ["is_test", "consumed_inputs", "momentum"] { node.attributes[legacy] = nil }
        if let training = try takeInts(&node, "training_mode"), training != [0] {
            throw ImportError(
                .unsupported, "BatchNormalization node '\(node.name)' is in training mode; Bale runs inference only")
        }
        while node.outputs.count > 1, let last = node.outputs.last, last.isEmpty || !consumed.contains(last) {
            node.outputs.removeLast()
        }
        guard node.outputs.count == 1 else {
            throw ImportError(
                .unsupported,
                "BatchNormalization node '\(node.name)' has its training-mode outputs read (\(node.outputs.dropFirst().joined(separator: ", "))); Bale runs inference only"
            )
        }
        // With per-channel (1-D) statistics, spatial = 0 and spatial = 1 agree.
        let statisticsRanks = node.inputs.dropFirst().map { known[$0]?.rank }
        guard spatial == [0], !statisticsRanks.allSatisfy({ $0 == 1 }) else { return [node] }

        guard node.inputs.count == 5, !node.inputs.contains("") else {
            throw ImportError(
                "BatchNormalization node '\(node.name)' needs 5 inputs (X, scale, B, mean, var), it has \(node.inputs.count)"
            )
        }
        let (x, scale, bias, mean, variance) = (
            node.inputs[0], node.inputs[1], node.inputs[2], node.inputs[3], node.inputs[4]
        )
        let epsilon = try takeFloat(&node, "epsilon") ?? 1e-5
        let eps = addInitializer(Self.scalar(epsilon, like: known[x]?.dtype), for: node, role: "epsilon")
        var nodes: [Node] = []
        func step(_ op: String, _ inputs: [String], _ role: String) -> String {
            let value = newValue("\(node.name)_\(role)")
            nodes.append(Node(name: newNode("\(node.name)_\(role)"), opType: op, inputs: inputs, outputs: [value]))
            return value
        }
        let centered = step("Sub", [x, mean], "centered")
        let shifted = step("Add", [variance, eps], "var_eps")
        let deviation = step("Sqrt", [shifted], "stddev")
        let normalized = step("Div", [centered, deviation], "normalized")
        let scaled = step("Mul", [normalized, scale], "scaled")
        nodes.append(Node(name: node.name, opType: "Add", inputs: [scaled, bias], outputs: node.outputs))
        return nodes
    }
}
