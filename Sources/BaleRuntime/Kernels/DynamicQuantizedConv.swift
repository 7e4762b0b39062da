import BaleGraph
import Synchronization

/// `ai.bale:DynamicQuantizedConv`: what ``DynamicQuantizationFusion`` makes of an int8 Conv
/// chain (DynamicQuantizeLinear or constant QuantizeLinear → ConvInteger → Cast → Mul by the
/// per-filter scale → Add bias), the convolution counterpart of ``DynamicQuantizedMatMul`` with
/// the same inputs 2 to 5, the same two forms (dynamic and static) and the same rounding.
///
/// Inputs: X f32 `[N, C, (H,) W]`, W i8 `[M, C/group, (kH,) kW]` (symmetric: zero point 0),
/// scale f32 (one value or `M`), optional bias f32 `[M]`, optional x_scale f32 and x_zero_point
/// u8 (one value each), with Conv's attributes (1-D and 2-D, groups). Output Y f32
/// `[N, M, (oH,) oW]`, then the fused `activation` if any.
///
/// X is quantized once per run over the whole tensor (dynamic: its range is the whole tensor's,
/// as DynamicQuantizeLinear's). Then per batch item and group the u8 input is unrolled into a
/// `[depth × positions]` im2col matrix (padding holding the zero point so it adds nothing), which
/// ``QGemmKernel`` reads as the transposed A of a product with the group's filters, packed at load
/// as B, with the dequantizing epilogue storing the `[positions × filters]` result transposed,
/// straight into the NCHW planes.
/// Several batch items are split over the threads (each with its own scratch); one item gives
/// the threads to the product's row blocks.
enum DynamicQuantizedConv {
    /// The operator's domain.
    static let domain = DynamicQuantizedMatMul.domain
    /// The operator's type.
    static let opType = "DynamicQuantizedConv"
    /// The registry key.
    static let key = KernelRegistry.key(domain: domain, opType: opType)

    /// Runs the node.
    static func run(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.floatInput(0)
        let filters = try Filters(context)
        let layout = try context.plan(for: [x.shape, filters.shape]) { () throws(RuntimeError) in
            try ConvLayout(context, x: x.shape, w: filters.shape)
        }
        let inputs = try DynamicQuantizationInputs(context, outputs: layout.filters)
        let shape = layout.outputShape
        let count = try context.checkedCount(shape)
        let geometry = layout.geometry
        let (plane, perGroup) = (geometry.outputPlane, layout.filters / layout.groups)
        let depth = layout.channels * geometry.height.kernel * geometry.width.kernel
        let unrolled = try context.checkedCount([plane, depth], of: "im2col")

        let (quantized, zeroPoint, aScale) = try DynamicQuantizationInputs.quantize(x.asFloats, context)
        let dequantizations = (0..<layout.groups).map {
            inputs.dequantization(aScale: aScale, columns: $0 * perGroup..<($0 + 1) * perGroup)
        }
        let workers = min(max(context.threads, 1), layout.batch)
        // Padding cells are never written by the unrolling: they keep the zero point.
        var columns = [UInt8](repeating: zeroPoint, count: try context.checkedCount([unrolled, workers], of: "im2col"))
        let work = Work(
            layout: layout, filters: filters.packed, dequantizations: dequantizations, zeroPoint: zeroPoint,
            threads: workers > 1 ? 1 : context.threads)
        let failed = Atomic<Bool>(false)
        let y = context.output().make(count: count) { (ys: UnsafeMutableBufferPointer<Float>) in
            guard count > 0, let yp = ys.baseAddress else { return }
            quantized.withUnsafeBufferPointer { xs in
                columns.withUnsafeMutableBufferPointer { cs in
                    Parallel.run(parts: workers) { part in
                        let ok = work.run(
                            items: Parallel.range(of: part, parts: workers, count: layout.batch), x: xs.baseAddress,
                            columns: cs.baseAddress.map { $0 + part * unrolled }, y: yp, activation: inputs.activation)
                        if !ok { failed.store(true, ordering: .relaxed) }
                    }
                }
            }
        }
        guard !failed.load(ordering: .relaxed) else {
            throw context.error("out of memory: the int8 product could not allocate its scratch")
        }
        return [Tensor(shape: shape, floats: y)]
    }

    /// Packs W once at load for the int8 kernel, one matrix per group.
    static func prepare(_ node: Node, _ constants: inout [Tensor?]) -> (any Sendable)? {
        guard constants.count > 1, let w = constants[1], case .i8(let values) = w.storage,
            let groups = try? KernelContext(node: node, inputs: []).int("group", 1)
        else { return nil }
        return PackedQConvFilters(values, shape: w.shape, groups: groups)
    }

    /// W: its packed form (always, when it was constant at load), or packed now.
    private struct Filters {
        var packed: PackedQConvFilters
        var shape: [Int] { packed.shape }

        init(_ context: KernelContext) throws(RuntimeError) {
            if let packed = context.prepared as? PackedQConvFilters {
                self.packed = packed
                return
            }
            let w = try context.input(1)
            guard case .i8(let values) = w.storage else { throw context.error("W must be i8, got \(w.dtype)") }
            let groups = try context.int("group", 1)
            guard let packed = PackedQConvFilters(values, shape: w.shape, groups: groups) else {
                throw context.error("W \(w.shape) with group \(groups) cannot be packed for the int8 kernel")
            }
            self.packed = packed
        }
    }

    /// One thread's share of a run: the checked sizes and what every item reads.
    private struct Work {
        var layout: ConvLayout
        var filters: PackedQConvFilters
        /// Each group's dequantizing epilogue.
        var dequantizations: [QGemmDequantization]
        /// X's zero point.
        var zeroPoint: UInt8
        /// Threads each product may use.
        var threads: Int

        /// Writes the outputs of batch items `items` into `y`, unrolling into `columns`
        /// (`depth × positions`, padding cells holding the zero point); `false` when a product failed.
        func run(
            items: Range<Int>, x: UnsafePointer<UInt8>?, columns: UnsafeMutablePointer<UInt8>?,
            y: UnsafeMutablePointer<Float>, activation: FusedActivation?
        ) -> Bool {
            let geometry = layout.geometry
            let (plane, perGroup) = (geometry.outputPlane, layout.filters / layout.groups)
            let itemSize = layout.filters * plane
            for item in items {
                for group in 0..<layout.groups {
                    let image = item * layout.groups + group
                    if let x, let columns {
                        geometry.unroll(
                            x + image * layout.channels * geometry.inputPlane, channels: layout.channels,
                            into: columns, rowStride: plane, positionStride: 1)
                    }
                    let activations = QGemmActivations(
                        columns.map { UnsafePointer($0) }, leading: plane, zeroPoint: zeroPoint, transposed: true)
                    // The [positions × filters] product lands transposed: the group's NCHW planes.
                    guard QGemmKernel.multiply(
                        m: plane, a: activations, packed: filters.groups[group], dequantization: dequantizations[group],
                        into: y + image * perGroup * plane, ldy: plane, transposedOutput: true, threads: threads)
                    else { return false }
                }
                activation?.apply(to: UnsafeMutableBufferPointer(start: y + item * itemSize, count: itemSize))
            }
            return true
        }
    }
}

/// A Conv's int8 filters `[M, C/group, (kH,) kW]` packed once as the B operands of
/// ``QGemmKernel``: per group, its `M/group` filters as the columns of a `[C/group·kH·kW, M/group]`
/// matrix. Replaces W (input 1) in the node's inputs, so W's shape is kept here.
struct PackedQConvFilters: PreparedReplacement {
    /// W's shape.
    let shape: [Int]
    /// One packed matrix per group.
    let groups: [PackedQGemmMatrix]
    /// The node input the packed filters replace: W.
    var replacedInputs: [Int] { [1] }

    /// Packs `values` of `shape` split into `groups`; `nil` when they do not fit or cannot be packed.
    init?(_ values: [Int8], shape: [Int], groups: Int) {
        guard shape.count >= 3, shape.allSatisfy({ $0 >= 0 }), groups > 0, shape[0] > 0, shape[0] % groups == 0,
            let count = Shapes.count(shape), count == values.count
        else { return nil }
        let (perGroup, depth) = (shape[0] / groups, count / shape[0])
        var packed: [PackedQGemmMatrix] = []
        for group in 0..<groups {
            let filters = Array(values[(group * perGroup * depth)..<((group + 1) * perGroup * depth)])
            // Stored as [filters, depth]: read transposed, the filters are the columns.
            guard let matrix = PackedQGemmMatrix(filters, k: depth, n: perGroup, transposed: true) else { return nil }
            packed.append(matrix)
        }
        (self.shape, self.groups) = (shape, packed)
    }
}
