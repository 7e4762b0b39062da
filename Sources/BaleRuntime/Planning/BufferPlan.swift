package import BaleGraph

/// Which reusable buffer each intermediate f32 value of a run is written to, planned by liveness
/// at load: a value takes a buffer that a dead value freed, so values alive at the same time never
/// share one and the buffers together stay close to the peak of live activations.
///
/// A freed buffer of the value's exact type is taken first (sizes then match at run time whatever
/// the symbolic dimensions are), else the smallest free buffer at least as large (sizes estimated
/// with symbolic dimensions at 1), else the largest free one (it grows), else a new one. At run
/// time ``Workspace`` resizes a buffer in place within its capacity, so a buffer ends up as large
/// as the largest value planned into it. Graph outputs, constants and values of other element
/// types get no buffer.
package struct BufferPlan {
    /// The buffer of each value slot, or `nil`.
    package let buffers: [Int?]
    /// Number of buffers.
    package let count: Int

    /// Plans the values written by `outputs` (per step, the slots each step defines), freed after
    /// the steps in `released` (step index → slots), never those in `kept`; `types` per slot.
    package init(outputs: [[Int?]], released: [Int: [Int]], kept: Set<Int>, types: [TensorType?]) {
        var buffers = [Int?](repeating: nil, count: types.count)
        var capacities: [Int] = []
        var free: [(buffer: Int, type: TensorType)] = []
        let sizes = types.map { type in
            type.flatMap { type in type.shape.flatMap { try? MemoryPlan.bytes($0, dtype: type.dtype, bindings: [:], name: "") } }
        }
        for (index, defined) in outputs.enumerated() {
            for case let slot? in defined where !kept.contains(slot) && buffers[slot] == nil {
                guard let type = types[slot], type.dtype == .f32, let size = sizes[slot] else {
                    if types[slot] == nil { buffers[slot] = capacities.count; capacities.append(0) }
                    continue
                }
                let choice =
                    free.firstIndex { $0.type == type }
                    ?? free.indices.filter { capacities[free[$0].buffer] >= size }.min { capacities[free[$0].buffer] < capacities[free[$1].buffer] }
                    ?? free.indices.max { capacities[free[$0].buffer] < capacities[free[$1].buffer] }
                if let choice {
                    let buffer = free.remove(at: choice).buffer
                    capacities[buffer] = max(capacities[buffer], size)
                    buffers[slot] = buffer
                } else {
                    buffers[slot] = capacities.count
                    capacities.append(size)
                }
            }
            for slot in released[index] ?? [] {
                guard let buffer = buffers[slot], let type = types[slot], sizes[slot] != nil else { continue }
                free.append((buffer, type))
            }
        }
        self.buffers = buffers
        count = capacities.count
    }
}
