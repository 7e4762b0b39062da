import BaleGraph

extension KernelRegistry {
    /// Tensor kernels, by operator key: dtype-agnostic ops that reshape, move or create elements.
    static let tensorKernels: [String: KernelFunction] = [
        "Flatten": TensorShapeKernels.flatten,
        "Reshape": TensorShapeKernels.reshape,
        "Squeeze": TensorShapeKernels.squeeze,
        "Unsqueeze": TensorShapeKernels.unsqueeze,
        "Shape": TensorShapeKernels.shape,
        "ConstantOfShape": TensorShapeKernels.constantOfShape,
        "Constant": TensorShapeKernels.constant,
        "Transpose": TensorIndexingKernels.transpose,
        "Concat": TensorIndexingKernels.concat,
        "Split": TensorIndexingKernels.split,
        "Slice": TensorIndexingKernels.slice,
        "Gather": TensorIndexingKernels.gather,
        "ai.onnx.ml:ArrayFeatureExtractor": TensorIndexingKernels.arrayFeatureExtractor,
    ]
}

/// Kernels that change only a tensor's shape, or create a tensor from attributes.
enum TensorShapeKernels {
    // MARK: - Reshaping

    /// Flatten: `[d₀ … d_{axis-1}, d_axis …]` → `[Π before axis, Π from axis]`; `axis` in
    /// `[-rank, rank]`, default 1.
    static func flatten(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let data = try context.input(0)
        let rank = data.shape.count
        let value = try context.int("axis", 1)
        let axis = value < 0 ? value + rank : value
        guard (0...rank).contains(axis) else { throw context.error("axis \(value) is out of range for rank \(rank)") }
        guard let rows = Shapes.count(Array(data.shape[..<axis])), let columns = Shapes.count(Array(data.shape[axis...]))
        else {
            throw context.error("cannot flatten \(data.shape) at axis \(axis): a dimension product overflows")
        }
        return [Tensor(shape: [rows, columns], storage: data.storage)]
    }

    /// Reshape: a `0` in `shape` copies the input dimension at that index (unless `allowzero`),
    /// one `-1` is inferred from the element count.
    static func reshape(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let data = try context.input(0)
        guard let requested = try context.intsInput(1) else { throw context.error("missing required input 1 (shape)") }
        let allowZero = try context.int("allowzero", 0) != 0
        var shape = requested
        var inferred: Int?
        for (index, size) in requested.enumerated() {
            if size == -1 {
                guard inferred == nil else { throw context.error("shape \(requested) has more than one -1") }
                inferred = index
            } else if size == 0 && !allowZero {
                guard index < data.shape.count else {
                    throw context.error(
                        "shape \(requested) copies dimension \(index) of an input of rank \(data.shape.count)")
                }
                shape[index] = data.shape[index]
            } else if size < 0 {
                throw context.error("shape \(requested) has negative dimension \(size)")
            }
        }
        if let inferred {
            guard !(allowZero && requested.contains(0)) else {
                throw context.error("shape \(requested) has both 0 and -1 with allowzero")
            }
            shape[inferred] = 1
            let known = try context.checkedCount(shape, of: "requested")
            guard known > 0, data.count % known == 0 else {
                throw context.error("cannot reshape \(data.shape) (\(data.count) elements) to \(requested)")
            }
            shape[inferred] = data.count / known
        }
        guard Shapes.count(shape) == data.count else {
            throw context.error("cannot reshape \(data.shape) (\(data.count) elements) to \(requested)")
        }
        return [Tensor(shape: shape, storage: data.storage)]
    }

    /// Squeeze: removes the listed size-1 axes (input 1), or every size-1 axis when none are given.
    static func squeeze(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let data = try context.input(0)
        let axes: [Int]
        if let listed = try context.intsInput(1) {
            axes = try context.normalisedAxes(listed, rank: data.shape.count)
            for axis in axes where data.shape[axis] != 1 {
                throw context.error("cannot squeeze axis \(axis) of size \(data.shape[axis])")
            }
        } else {
            axes = data.shape.indices.filter { data.shape[$0] == 1 }
        }
        let shape = data.shape.indices.filter { !axes.contains($0) }.map { data.shape[$0] }
        return [Tensor(shape: shape, storage: data.storage)]
    }

    /// Unsqueeze: inserts size-1 axes at the positions (in the output) listed by input 1.
    static func unsqueeze(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let data = try context.input(0)
        guard let listed = try context.intsInput(1) else { throw context.error("missing required input 1 (axes)") }
        let axes = try context.normalisedAxes(listed, rank: data.shape.count + listed.count)
        var remaining = data.shape.makeIterator()
        let shape = (0..<(data.shape.count + axes.count)).map { axes.contains($0) ? 1 : remaining.next() ?? 1 }
        return [Tensor(shape: shape, storage: data.storage)]
    }

    // MARK: - Shapes and constants

    /// Shape: the input's dimensions `start..<end` (negative values count from the end, both clamp) as i64.
    static func shape(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let dims = try context.input(0).shape
        let clamp = { (value: Int) in min(max(value < 0 ? value + dims.count : value, 0), dims.count) }
        let start = clamp(try context.int("start", 0))
        let end = max(clamp(try context.int("end", dims.count)), start)
        return [Tensor(shape: [end - start], int64s: dims[start..<end].map(Int64.init))]
    }

    /// ConstantOfShape: a tensor of the shape in input 0 filled with the one-element `value`
    /// tensor attribute (default f32 0).
    static func constantOfShape(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        guard let shape = try context.intsInput(0) else { throw context.error("missing required input 0 (shape)") }
        let value = try context.tensor("value") ?? Tensor(shape: [1], floats: [0])
        guard value.count == 1 else { throw context.error("value must have one element, got \(value.count)") }
        let count = try context.checkedCount(shape)
        return [Tensor(shape: shape, storage: value.storage.repeated(count))]
    }

    /// Constant: the `value` tensor attribute.
    static func constant(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        guard let value = try context.tensor("value") else { throw context.error("missing tensor attribute 'value'") }
        return [value]
    }
}
