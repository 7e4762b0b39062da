import BaleGraph
import Synchronization

/// The reference Conv kernel (f32, 1-D and 2-D spatial).
///
/// Per batch item and group, the group's weights multiply the `[C/group·kH·kW, oH·oW]` matrix of
/// input patches (im2col) with ``GemmKernel/convolve(_:_:channels:geometry:into:m:threads:)``,
/// which packs the patches straight from the input into the micro-kernel's panels. Two cases
/// differ: depthwise groups (one input channel) run a direct loop per filter, and 1×1 kernels
/// with unit strides and no padding multiply the input itself.
enum ConvKernel {
    // MARK: - Kernel

    /// Conv: X `[N, C, (H,) W]`, W `[M, C/group, (kH,) kW]`, optional B `[M]` → Y `[N, M, (oH,) oW]`,
    /// with `auto_pad`, `pads`, `strides`, `dilations`, `group`, and the fused `activation` if any.
    static func conv(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let (x, w) = (try context.floatInput(0), try context.floatInput(1))
        let layout = try context.plan(for: [x.shape, w.shape]) { () throws(RuntimeError) in
            try ConvLayout(context, x: x.shape, w: w.shape)
        }
        let (batch, filters, group, geometry) = (layout.batch, layout.filters, layout.groups, layout.geometry)
        let bias = context.optionalInput(2) == nil ? nil : try context.floatInput(2)
        if let bias, bias.shape != [filters] { throw context.error("B shape \(bias.shape) must be [\(filters)]") }
        let activation = try FusedActivation(context)
        let shape = layout.outputShape
        let count = try context.checkedCount(shape)
        let plan = Plan(geometry: geometry, batch: batch, channels: layout.channels, filters: filters / group, groups: group)

        // Several batch items: one item range per thread, each with single-threaded products.
        // One item: the products themselves use the threads.
        let workers = min(max(context.threads, 1), batch)
        let failed = Atomic<Bool>(false)
        // Every output element is written: each plane starts as its bias (or zero) before the products.
        let y = context.output().make(count: count) { (ys: UnsafeMutableBufferPointer<Float>) in
            x.asFloats.withUnsafeBufferPointer { xs in
                w.asFloats.withUnsafeBufferPointer { ws in
                    Linear.withOptionalPointer(bias?.asFloats) { bias in
                        guard let yp = ys.baseAddress else { return }
                        // An empty X or W (zero channels) is never read; any valid address will do.
                        let (xp, wp) = (xs.baseAddress ?? UnsafePointer(yp), ws.baseAddress ?? UnsafePointer(yp))
                        Parallel.run(parts: workers) { part in
                            let items = Parallel.range(of: part, parts: workers, count: batch)
                            let done = plan.run(
                                items: items, x: xp, weights: wp, bias: bias, activation: activation, y: yp,
                                threads: workers > 1 ? 1 : context.threads)
                            if !done { failed.store(true, ordering: .relaxed) }
                        }
                    }
                }
            }
        }
        if failed.load(ordering: .relaxed) {
            throw context.error("out of memory: the convolution could not allocate its scratch")
        }
        return [Tensor(shape: shape, floats: y)]
    }

    // MARK: - Plan

    /// The loop structure of one validated Conv node.
    private struct Plan {
        /// Window geometry (a 1-D Conv has height ``WindowAxis/unit``).
        var geometry: WindowGeometry
        /// Batch size.
        var batch: Int
        /// Input channels per group.
        var channels: Int
        /// Filters (output channels) per group.
        var filters: Int
        /// Number of groups.
        var groups: Int

        /// Rows of the im2col matrix: one per (channel, tap).
        var depth: Int { channels * geometry.height.kernel * geometry.width.kernel }
        /// Whether the input is already its own im2col matrix (1×1 kernel, unit strides, no padding).
        var isPointwise: Bool {
            [geometry.height, geometry.width].allSatisfy {
                $0.kernel == 1 && $0.stride == 1 && $0.padBegin == 0 && $0.padEnd == 0
            }
        }
        /// Writes the outputs of batch items `items` into `y`: each plane starts as its filter's
        /// `bias` (or zero), gets every group's product added (on up to `threads` threads), then the
        /// item goes through `activation` while it is in cache.
        /// - Returns: `false` when a product could not allocate its scratch (`y` is then incomplete).
        func run(
            items: Range<Int>, x: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
            activation: FusedActivation?, y: UnsafeMutablePointer<Float>, threads: Int
        ) -> Bool {
            let (inPlane, outPlane, taps) = (geometry.inputPlane, geometry.outputPlane, depth)
            let itemSize = groups * filters * outPlane
            for item in items {
                for plane in 0..<(groups * filters) {
                    (y + item * itemSize + plane * outPlane).initialize(repeating: bias?[plane] ?? 0, count: outPlane)
                }
                for group in 0..<groups {
                    let input = x + (item * groups + group) * channels * inPlane
                    let output = y + (item * groups + group) * filters * outPlane
                    let kernel = weights + group * filters * taps
                    if channels == 1 {
                        for filter in 0..<filters { direct(input, kernel + filter * taps, into: output + filter * outPlane) }
                    } else if isPointwise {
                        GemmKernel.accumulate(
                            kernel, input, into: output, m: filters, n: outPlane, k: taps, threads: threads)
                    } else if !GemmKernel.convolve(
                        kernel, input, channels: channels, geometry: geometry, into: output, m: filters,
                        threads: threads)
                    {
                        return false
                    }
                }
                activation?.apply(to: UnsafeMutableBufferPointer(start: y + item * itemSize, count: itemSize))
            }
            return true
        }

        /// One input plane convolved with one filter, accumulated into one output plane (depthwise).
        private func direct(
            _ x: UnsafePointer<Float>, _ weights: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>
        ) {
            let (h, w) = (geometry.height, geometry.width)
            for ki in 0..<h.kernel {
                for kj in 0..<w.kernel {
                    let (rows, columns) = (h.positions(reading: ki), w.positions(reading: kj))
                    guard let first = columns.first else { continue }
                    let weight = weights[ki * w.kernel + kj]
                    for oh in rows {
                        let source = x + h.coordinate(oh, tap: ki) * w.input + w.coordinate(first, tap: kj)
                        let target = y + oh * w.output + first
                        if w.stride == 1 {  // a constant stride lets the compiler vectorise
                            for i in 0..<columns.count { target[i] += weight * source[i] }
                        } else {
                            for i in 0..<columns.count { target[i] += weight * source[i * w.stride] }
                        }
                    }
                }
            }
        }
    }
}

// MARK: - Layout

/// The checked shapes of a convolution node (Conv, ConvInteger, QLinearConv): X `[N, C, (H,) W]`
/// and W `[M, C/group, (kH,) kW]`, with `group`, `kernel_shape` and the window attributes.
struct ConvLayout {
    /// Batch size N.
    var batch: Int
    /// Input channels per group (W's second dimension).
    var channels: Int
    /// Filters (output channels) M over all groups.
    var filters: Int
    /// Number of groups.
    var groups: Int
    /// Window geometry over the spatial axes.
    var geometry: WindowGeometry

    /// The output shape `[N, M, (oH,) oW]`.
    var outputShape: [Int] { [batch, filters] + geometry.outputShape }

    /// Reads and checks the shapes `x` and `w` and the node's attributes.
    init(_ context: KernelContext, x: [Int], w: [Int]) throws(RuntimeError) {
        guard x.count == 3 || x.count == 4 else {
            throw context.error("X must be [N, C, W] or [N, C, H, W], got \(x)")
        }
        guard w.count == x.count else {
            throw context.error("W shape \(w) does not match the rank of X \(x)")
        }
        let group = try context.int("group", 1)
        (batch, channels, filters, groups) = (x[0], w[1], w[0], group)
        guard group > 0, x[1] % group == 0, x[1] / group == w[1], filters % group == 0 else {
            throw context.error("group \(group) does not fit X channels \(x[1]) and W shape \(w)")
        }
        let kernel = Array(w[2...])
        if let declared = try context.ints("kernel_shape"), declared != kernel {
            throw context.error("kernel_shape \(declared) does not match W shape \(w)")
        }
        geometry = try WindowGeometry(context, input: Array(x[2...]), kernel: kernel)
    }
}
