import BaleGraph

/// Pooling kernels (f32): MaxPool and AveragePool over 1-D or 2-D spatial axes, GlobalAveragePool.
enum PoolKernels {
    // MARK: - Windowed pooling

    /// MaxPool: the largest value of each window (`kernel_shape`, `auto_pad`, `pads`, `strides`,
    /// `dilations`, `ceil_mode`), and, when the node has a second output, its flat index into X as
    /// i64 (`storage_order` 1 numbers each plane column-major).
    static func maxPool(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let pool = try Windows(context)
        let storageOrder = try context.int("storage_order", 0)
        guard storageOrder == 0 || storageOrder == 1 else {
            throw context.error("storage_order must be 0 or 1, got \(storageOrder)")
        }
        let (height, width) = (pool.geometry.height.input, pool.geometry.width.input)
        var values = [Float](repeating: 0, count: pool.count)
        var indices = [Int64](repeating: -1, count: pool.count)
        var out = 0
        for plane in 0..<pool.planes {
            let base = plane * pool.geometry.inputPlane
            for rows in pool.rows {
                for columns in pool.columns {
                    var (best, at) = (-Float.infinity, -1)
                    for ih in rows {
                        for iw in columns where at < 0 || pool.x[base + ih * width + iw] > best {
                            best = pool.x[base + ih * width + iw]
                            at = storageOrder == 0 ? ih * width + iw : ih + iw * height
                        }
                    }
                    values[out] = best
                    if at >= 0 { indices[out] = Int64(base + at) }
                    out += 1
                }
            }
        }
        let y = Tensor(shape: pool.shape, floats: values)
        return context.node.outputs.count > 1 ? [y, Tensor(shape: pool.shape, int64s: indices)] : [y]
    }

    /// AveragePool: the mean of each window; padding counts towards the divisor only with
    /// `count_include_pad` (and then only up to the end padding, as in onnxruntime).
    static func averagePool(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let pool = try Windows(context)
        let includePad = try context.int("count_include_pad", 0) != 0
        let (g, width) = (pool.geometry, pool.geometry.width.input)
        let rowSpans = pool.rows.indices.map { g.height.paddedTaps(at: $0) }
        let columnSpans = pool.columns.indices.map { g.width.paddedTaps(at: $0) }
        var values = [Float](repeating: 0, count: pool.count)
        var out = 0
        for plane in 0..<pool.planes {
            let base = plane * g.inputPlane
            for (oh, rows) in pool.rows.enumerated() {
                for (ow, columns) in pool.columns.enumerated() {
                    var sum: Float = 0
                    for ih in rows {
                        for iw in columns { sum += pool.x[base + ih * width + iw] }
                    }
                    let divisor = includePad ? rowSpans[oh] * columnSpans[ow] : rows.count * columns.count
                    values[out] = divisor > 0 ? sum / Float(divisor) : 0
                    out += 1
                }
            }
        }
        return [Tensor(shape: pool.shape, floats: values)]
    }

    /// GlobalAveragePool: the mean over all spatial axes, X `[N, C, …]` → `[N, C, 1, …]`.
    static func globalAveragePool(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.floatInput(0)
        guard x.shape.count >= 3 else { throw context.error("X must be [N, C, spatial...], got \(x.shape)") }
        let shape = Array(x.shape[..<2]) + Array(repeating: 1, count: x.shape.count - 2)
        let planes = try context.checkedCount(shape)
        guard planes > 0 else { return [Tensor(shape: shape, floats: [])] }
        let (values, size) = (x.asFloats, x.count / planes)
        let means = (0..<planes).map { plane in values[(plane * size)..<((plane + 1) * size)].reduce(0, +) / Float(size) }
        return [Tensor(shape: shape, floats: means)]
    }

    // MARK: - Windows

    /// The validated input and window layout shared by MaxPool and AveragePool.
    private struct Windows {
        /// The input elements.
        var x: [Float]
        /// Window geometry (a 1-D pool has height ``WindowAxis/unit``).
        var geometry: WindowGeometry
        /// Output shape `[N, C, (oH,) oW]`.
        var shape: [Int]
        /// Output element count.
        var count: Int
        /// Number of `(n, c)` planes.
        var planes: Int
        /// For each output row, the input rows its windows read (padding left out).
        var rows: [[Int]]
        /// For each output column, the input columns its windows read (padding left out).
        var columns: [[Int]]

        /// Reads X and the pooling attributes of `context`'s node.
        init(_ context: KernelContext) throws(RuntimeError) {
            let input = try context.floatInput(0)
            guard input.shape.count == 3 || input.shape.count == 4 else {
                throw context.error("X must be [N, C, W] or [N, C, H, W], got \(input.shape)")
            }
            guard let kernel = try context.ints("kernel_shape") else {
                throw context.error("missing attribute 'kernel_shape'")
            }
            let pads = try context.ints("pads") ?? []
            // onnxruntime refuses such pads too: a window could then lie entirely in the padding.
            for (i, pad) in pads.enumerated() where kernel.count > 0 && pad >= kernel[i % kernel.count] {
                throw context.error("pads \(pads) must be smaller than kernel_shape \(kernel)")
            }
            let ceilMode = try context.int("ceil_mode", 0) != 0
            geometry = try WindowGeometry(context, input: Array(input.shape[2...]), kernel: kernel, ceilMode: ceilMode)
            shape = Array(input.shape[..<2]) + geometry.outputShape
            count = try context.checkedCount(shape)
            x = input.asFloats
            // A non-empty output bounds N·C and the output sizes; an empty one needs no windows.
            guard count > 0 else {
                (planes, rows, columns) = (0, [], [])
                return
            }
            let (h, w) = (geometry.height, geometry.width)
            planes = input.shape[0] * input.shape[1]
            rows = (0..<h.output).map { h.taps(at: $0) }
            columns = (0..<w.output).map { w.taps(at: $0) }
        }
    }
}

extension WindowAxis {
    /// The input coordinates that window `position` reads, padding left out.
    func taps(at position: Int) -> [Int] {
        (0..<kernel).map { coordinate(position, tap: $0) }.filter { (0..<input).contains($0) }
    }

    /// How many taps of window `position` fall inside the input or its padding.
    func paddedTaps(at position: Int) -> Int {
        (0..<kernel).filter { (-padBegin..<(input + padEnd)).contains(coordinate(position, tap: $0)) }.count
    }
}
