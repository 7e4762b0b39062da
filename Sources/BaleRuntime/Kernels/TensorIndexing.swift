import BaleGraph

// Dtype-agnostic ops (Slice, Gather, Split, Concat, Pad, ...) are written as "compute flat source
// indices, then gather them"; Transpose walks strides instead (TransposePlan). Both are
// ElementRearrangements, so the per-dtype switch lives here once.

// MARK: - Index maps

/// One output axis of an index map: which input coordinate each output position reads.
struct AxisMap: Sendable {
    /// Input coordinate per output position; a negative value marks a position outside the input.
    var coordinates: [Int]
    /// Distance in the flat input between consecutive input coordinates of this axis.
    var stride: Int

    /// Flat input indices of every output element, in row-major output order.
    ///
    /// Output element `(o₀, o₁, …)` reads `Σ axes[i].coordinates[oᵢ] * axes[i].stride`; when any
    /// coordinate is negative it reads `outside` instead (Pad uses it for its constant).
    /// - Parameters:
    ///   - axes: one map per output axis (an empty list gives the single index of a scalar).
    ///   - outside: the index used for positions outside the input.
    /// - Returns: `Π axes[i].coordinates.count` indices.
    static func flatIndices(_ axes: [AxisMap], outside: Int = -1) -> [Int] {
        var indices = [0]
        for axis in axes {
            var next: [Int] = []
            next.reserveCapacity(indices.count * axis.coordinates.count)
            for base in indices {
                for coordinate in axis.coordinates {
                    next.append(base < 0 || coordinate < 0 ? -1 : base + coordinate * axis.stride)
                }
            }
            indices = next
        }
        return outside == -1 ? indices : indices.map { $0 < 0 ? outside : $0 }
    }
}

// MARK: - Rearranging

/// A computation that builds an element array from another, the same for every element type, so
/// the per-dtype switch lives once (in ``TensorStorage/rearranged(by:)``).
protocol ElementRearrangement {
    /// The rearranged elements.
    func callAsFunction<Element>(_ values: [Element]) -> [Element]
}

/// Reads the elements at flat indices, in order.
private struct FlatGather: ElementRearrangement {
    /// Indices into the source, each in `0..<count`.
    let indices: [Int]

    func callAsFunction<Element>(_ values: [Element]) -> [Element] {
        values.withUnsafeBufferPointer { source in indices.map { source[$0] } }
    }
}

extension TensorStorage {
    /// The elements rearranged by `rearrangement`, keeping the type.
    func rearranged(by rearrangement: some ElementRearrangement) -> TensorStorage {
        switch self {
        case .f32(let a): .f32(rearrangement(a))
        case .f16(let a): .f16(rearrangement(a))
        case .i8(let a): .i8(rearrangement(a))
        case .u8(let a): .u8(rearrangement(a))
        case .i32(let a): .i32(rearrangement(a))
        case .i64(let a): .i64(rearrangement(a))
        case .bool(let a): .bool(rearrangement(a))
        }
    }

    /// The elements at `flatIndices`, in order; every index must be in `0..<count`.
    ///
    /// Kernels validate indices (and name the bad one) before calling this.
    func gathered(flatIndices: [Int]) -> TensorStorage {
        rearranged(by: FlatGather(indices: flatIndices))
    }

    /// The first element repeated `count` times (ConstantOfShape's value, Pad's constant).
    func repeated(_ count: Int) -> TensorStorage {
        gathered(flatIndices: Array(repeating: 0, count: count))
    }

    /// The elements of `parts` one after another, or `nil` when the parts' types differ or
    /// `parts` is empty.
    static func concatenated(_ parts: [TensorStorage]) -> TensorStorage? {
        guard let first = parts.first, parts.allSatisfy({ $0.dtype == first.dtype }) else { return nil }
        return switch first {
        case .f32: .f32(parts.flatMap { part -> [Float] in if case .f32(let a) = part { a } else { [] } })
        case .f16: .f16(parts.flatMap { part -> [UInt16] in if case .f16(let a) = part { a } else { [] } })
        case .i8: .i8(parts.flatMap { part -> [Int8] in if case .i8(let a) = part { a } else { [] } })
        case .u8: .u8(parts.flatMap { part -> [UInt8] in if case .u8(let a) = part { a } else { [] } })
        case .i32: .i32(parts.flatMap { part -> [Int32] in if case .i32(let a) = part { a } else { [] } })
        case .i64: .i64(parts.flatMap { part -> [Int64] in if case .i64(let a) = part { a } else { [] } })
        case .bool: .bool(parts.flatMap { part -> [Bool] in if case .bool(let a) = part { a } else { [] } })
        }
    }
}

// MARK: - Checked shapes

extension KernelContext {
    /// The most elements a kernel creates when the executor sets no lower limit: a bad shape or
    /// pads input fails here instead of failing to allocate (2³¹ - 1, 8 GiB of f32).
    static let maxElementCount = Int(Int32.max)

    /// The element count of `shape`, or an error naming `what` when a dimension is negative or
    /// the count exceeds the executor's limit (``Executor/maxTensorElements``).
    func checkedCount(_ shape: [Int], of what: String = "output") throws(RuntimeError) -> Int {
        guard let count = Shapes.count(shape) else { throw error("\(what) shape \(shape) is invalid or its size overflows") }
        guard count <= binding.maxElements else {
            throw error("\(what) shape \(shape) has \(count) elements, over the limit of \(binding.maxElements) elements a tensor may have (the memory limit at 4 bytes an element, --memory-limit)")
        }
        return count
    }

    /// The sum of `values`, or an error naming `what` when it overflows.
    func checkedSum(_ values: [Int], of what: String) throws(RuntimeError) -> Int {
        var total = 0
        for value in values {
            let (sum, overflow) = total.addingReportingOverflow(value)
            guard !overflow else { throw error("\(what) sizes \(values) overflow") }
            total = sum
        }
        return total
    }

    /// Normalises `axes` (negative counts from the end) for `rank`, rejecting duplicates.
    func normalisedAxes(_ axes: [Int], rank: Int, _ what: String = "axes") throws(RuntimeError) -> [Int] {
        var normalised: [Int] = []
        for value in axes {
            let axis = value < 0 ? value + rank : value
            guard (0..<rank).contains(axis) else { throw error("\(what) \(value) is out of range for rank \(rank)") }
            guard !normalised.contains(axis) else { throw error("\(what) \(axes) repeat axis \(axis)") }
            normalised.append(axis)
        }
        return normalised
    }
}
