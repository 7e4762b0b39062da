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
        let withIndices = context.node.outputs.count > 1
        let (height, width) = (pool.geometry.height.input, pool.geometry.width.input)
        let (rowStep, columnStep) = (pool.geometry.height.dilation, pool.geometry.width.dilation)
        guard withIndices else {
            // Per output row: the column-wise maximum of the window's input rows (contiguous, so
            // it vectorises), then each window's maximum along that one row.
            let values = pool.map { _, source, out in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: width) { column in
                    var o = 0
                    for rows in pool.rows {
                        column.initialize(repeating: -.infinity)
                        for r in 0..<rows.count {
                            let row = source + (rows.first + r * rowStep) * width
                            for i in 0..<width { column[i] = row[i] > column[i] ? row[i] : column[i] }
                        }
                        if let full = pool.fullColumns {
                            // Every window is whole: one strided pass per tap over the row.
                            let row = out + o
                            for ow in 0..<full.count { row[ow] = column[full.first &+ ow &* full.stride] }
                            for tap in 1..<max(full.taps, 1) {
                                let start = full.first &+ tap &* columnStep
                                for ow in 0..<full.count {
                                    let value = column[start &+ ow &* full.stride]
                                    row[ow] = value > row[ow] ? value : row[ow]
                                }
                            }
                            o += full.count
                            continue
                        }
                        for columns in pool.columns {
                            var best = -Float.infinity
                            for c in 0..<columns.count where column[columns.first + c * columnStep] > best {
                                best = column[columns.first + c * columnStep]
                            }
                            out[o] = best
                            o += 1
                        }
                    }
                }
            }
            return [Tensor(shape: pool.shape, floats: values)]
        }
        var indices = [Int64](repeating: -1, count: pool.count)
        let values = indices.withUnsafeMutableBufferPointer { indices in
            pool.map { plane, source, out in
                let base = plane * pool.geometry.inputPlane
                var o = 0
                for rows in pool.rows {
                    for columns in pool.columns {
                        var (best, at) = (-Float.infinity, -1)
                        for r in 0..<rows.count {
                            let ih = rows.first + r * rowStep
                            for c in 0..<columns.count {
                                let iw = columns.first + c * columnStep
                                let value = source[ih * width + iw]
                                if at < 0 || value > best { (best, at) = (value, ih * width + iw) }
                            }
                        }
                        out[o] = best
                        if at >= 0 {
                            let (ih, iw) = at.quotientAndRemainder(dividingBy: width)
                            indices[plane * pool.outputPlane + o] = Int64(base + (storageOrder == 0 ? at : ih + iw * height))
                        }
                        o += 1
                    }
                }
            }
        }
        return [Tensor(shape: pool.shape, floats: values), Tensor(shape: pool.shape, int64s: indices)]
    }

    /// AveragePool: the mean of each window; padding counts towards the divisor only with
    /// `count_include_pad` (and then only up to the end padding, as in onnxruntime).
    static func averagePool(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let pool = try Windows(context)
        let includePad = try context.int("count_include_pad", 0) != 0
        let (g, width) = (pool.geometry, pool.geometry.width.input)
        let (rowStep, columnStep) = (g.height.dilation, g.width.dilation)
        let rowSpans = pool.rows.indices.map { g.height.paddedTaps(at: $0) }
        let columnSpans = pool.columns.indices.map { g.width.paddedTaps(at: $0) }
        let values = pool.map { _, source, out in
            var o = 0
            for (oh, rows) in pool.rows.enumerated() {
                for (ow, columns) in pool.columns.enumerated() {
                    var sum: Float = 0
                    for r in 0..<rows.count {
                        let row = source + (rows.first + r * rowStep) * width + columns.first
                        for c in 0..<columns.count { sum += row[c * columnStep] }
                    }
                    let divisor = includePad ? rowSpans[oh] * columnSpans[ow] : rows.count * columns.count
                    out[o] = divisor > 0 ? sum / Float(divisor) : 0
                    o += 1
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

    /// The validated input and window layout shared by MaxPool and AveragePool; the layout's
    /// fields read as the windows' own (`pool.rows`).
    @dynamicMemberLookup
    private struct Windows {
        /// The input elements.
        var x: [Float]
        /// The window layout for X's shape.
        var layout: Layout
        /// Worker threads the kernel may use.
        var threads: Int
        /// Where the pooled values go.
        var output: OutputBuffer
        /// Output elements per plane.
        var outputPlane: Int { layout.geometry.outputPlane }

        subscript<T>(dynamicMember path: KeyPath<Layout, T>) -> T { layout[keyPath: path] }

        /// Reads X and the pooling attributes of `context`'s node (the window layout once per
        /// input shape).
        init(_ context: KernelContext) throws(RuntimeError) {
            let input = try context.floatInput(0)
            layout = try context.plan(for: [input.shape]) { () throws(RuntimeError) in try Layout(context, shape: input.shape) }
            x = input.asFloats
            threads = context.threads
            output = context.output()
        }

        /// Everything about the windows that depends on the input shape and the attributes only.
        struct Layout: Sendable {
            /// Window geometry (a 1-D pool has height ``WindowAxis/unit``).
            var geometry: WindowGeometry
            /// Output shape `[N, C, (oH,) oW]`.
            var shape: [Int]
            /// Output element count.
            var count: Int
            /// Number of `(n, c)` planes.
            var planes: Int
            /// For each output row, the input rows its windows read (padding left out).
            var rows: [WindowAxis.Taps]
            /// For each output column, the input columns its windows read (padding left out).
            var columns: [WindowAxis.Taps]
            /// When no window along a row is cut by the padding: the first column read, the step
            /// between windows, the number of windows and the taps per window.
            var fullColumns: (first: Int, stride: Int, count: Int, taps: Int)?

            /// Reads the attributes and lays the windows over an input of `shape`.

            init(_ context: KernelContext, shape input: [Int]) throws(RuntimeError) {
                guard input.count == 3 || input.count == 4 else {
                    throw context.error("X must be [N, C, W] or [N, C, H, W], got \(input)")
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
                geometry = try WindowGeometry(context, input: Array(input[2...]), kernel: kernel, ceilMode: ceilMode)
                shape = Array(input[..<2]) + geometry.outputShape
                count = try context.checkedCount(shape)
                // A non-empty output bounds N·C and the output sizes; an empty one needs no windows.
                guard count > 0 else {
                    (planes, rows, columns, fullColumns) = (0, [], [], nil)
                    return
                }
                let (h, w) = (geometry.height, geometry.width)
                planes = input[0] * input[1]
                rows = (0..<h.output).map { h.taps(at: $0) }
                columns = (0..<w.output).map { w.taps(at: $0) }
                let whole = columns.indices.allSatisfy { columns[$0].count == w.kernel && columns[$0].first == w.coordinate($0, tap: 0) }
                fullColumns = whole ? (columns.first?.first ?? 0, w.stride, w.output, w.kernel) : nil
            }
        }

        /// The output: `body(plane, input plane, output plane)` fills each plane's outputs, the
        /// planes split over the threads when there are enough elements to be worth it.
        func map(
            _ body: (_ plane: Int, _ source: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) -> Void
        ) -> [Float] {
            let (count, planes, inputPlane) = (layout.count, layout.planes, layout.geometry.inputPlane)
            let parts = count >= 1 << 15 ? min(max(threads, 1), planes) : 1
            return output.make(count: count) { (out: UnsafeMutableBufferPointer<Float>) in
                x.withUnsafeBufferPointer { x in
                    guard let source = x.baseAddress, let target = out.baseAddress else { return }
                    Parallel.run(parts: parts) { part in
                        for plane in Parallel.range(of: part, parts: parts, count: planes) {
                            body(plane, source + plane * inputPlane, target + plane * outputPlane)
                        }
                    }
                }
            }
        }
    }
}

extension WindowAxis {
    /// The input coordinates one window reads inside the input: `first`, then every `dilation`.
    struct Taps {
        /// The first coordinate read.
        var first: Int
        /// How many coordinates are read.
        var count: Int
    }

    /// The input coordinates that window `position` reads, padding left out.
    func taps(at position: Int) -> Taps {
        let origin = coordinate(position, tap: 0)
        let low = max(0, Self.ceilDivide(-origin, dilation))
        let high = min(kernel, (input - 1 - origin) >= 0 ? (input - 1 - origin) / dilation + 1 : 0)
        return Taps(first: origin + low * dilation, count: max(0, high - low))
    }

    /// How many taps of window `position` fall inside the input or its padding.
    func paddedTaps(at position: Int) -> Int {
        (0..<kernel).filter { (-padBegin..<(input + padEnd)).contains(coordinate(position, tap: $0)) }.count
    }
}
