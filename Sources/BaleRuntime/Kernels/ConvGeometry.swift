import BaleGraph

// MARK: - One spatial axis

/// How a sliding window (Conv or pooling kernel) walks one spatial axis.
struct WindowAxis: Sendable, Hashable {
    /// Input size along the axis.
    var input: Int
    /// Kernel size (taps).
    var kernel: Int
    /// Step between consecutive windows.
    var stride: Int
    /// Step between consecutive taps of one window.
    var dilation: Int
    /// Implicit padding before the first input element.
    var padBegin: Int
    /// Implicit padding after the last input element.
    var padEnd: Int
    /// Number of windows (output size).
    var output: Int

    /// An axis of size 1 with a 1-tap kernel: the height of a 1-D op seen as 2-D.
    static let unit = WindowAxis(input: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0, output: 1)

    /// The input coordinate read by `tap` of window `position` (may fall in the padding).
    @inline(__always)
    func coordinate(_ position: Int, tap: Int) -> Int {
        position * stride - padBegin + tap * dilation
    }

    /// The windows whose `tap` reads inside the input (not the padding).
    func positions(reading tap: Int) -> Range<Int> {
        let offset = padBegin - tap * dilation
        let low = max(0, Self.ceilDivide(offset, stride))
        let high = min(output, Self.floorDivide(input - 1 + offset, stride) + 1)
        return low..<max(low, high)
    }

    /// `a / b` rounded up, for `b > 0` and any sign of `a`.
    static func ceilDivide(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -(-a / b) }

    /// `a / b` rounded down, for `b > 0` and any sign of `a`.
    private static func floorDivide(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
}

// MARK: - Geometry of a node

/// The sliding-window geometry of a Conv or pooling node over 1-D or 2-D spatial axes.
///
/// A 1-D op is handled as a 2-D op whose height is ``WindowAxis/unit``, so every kernel has one
/// 2-D loop nest. Reads the ONNX attributes `auto_pad` (NOTSET, SAME_UPPER, SAME_LOWER, VALID),
/// `pads`, `strides` and `dilations`.
struct WindowGeometry: Sendable, Hashable {
    /// The vertical axis (``WindowAxis/unit`` for 1-D ops).
    var height: WindowAxis
    /// The horizontal axis.
    var width: WindowAxis
    /// Number of spatial axes of the node (1 or 2).
    var spatialRank: Int

    /// Output spatial shape, as the node's output reports it.
    var outputShape: [Int] { spatialRank == 1 ? [width.output] : [height.output, width.output] }
    /// Elements of one input plane.
    var inputPlane: Int { height.input * width.input }
    /// Elements of one output plane.
    var outputPlane: Int { height.output * width.output }

    /// Reads and checks the node's window attributes.
    /// - Parameters:
    ///   - context: the node (for attributes and errors).
    ///   - input: spatial input sizes (1 or 2 values).
    ///   - kernel: kernel sizes, one per spatial axis.
    ///   - ceilMode: pooling's `ceil_mode`: count a last partial window (if it starts inside the
    ///     input or the begin padding).
    init(_ context: KernelContext, input: [Int], kernel: [Int], ceilMode: Bool = false) throws(RuntimeError) {
        let rank = input.count
        guard rank == 1 || rank == 2 else {
            throw context.error("only 1-D and 2-D spatial inputs are supported, got \(rank)-D")
        }
        let ones = Array(repeating: 1, count: rank)
        let strides = try context.ints("strides") ?? ones
        let dilations = try context.ints("dilations") ?? ones
        let pads = try context.ints("pads") ?? Array(repeating: 0, count: 2 * rank)
        let autoPad = try context.string("auto_pad", "NOTSET")
        guard kernel.count == rank, kernel.allSatisfy({ $0 > 0 }) else {
            throw context.error("kernel shape \(kernel) does not fit \(rank)-D input")
        }
        guard strides.count == rank, strides.allSatisfy({ $0 > 0 }) else {
            throw context.error("strides \(strides) must be \(rank) positive values")
        }
        guard dilations.count == rank, dilations.allSatisfy({ $0 > 0 }) else {
            throw context.error("dilations \(dilations) must be \(rank) positive values")
        }
        guard pads.count == 2 * rank, pads.allSatisfy({ $0 >= 0 }) else {
            throw context.error("pads \(pads) must be \(2 * rank) values >= 0")
        }
        // Bounding every size keeps the window arithmetic below far from overflow.
        let limit = Int(Int32.max)
        guard (input + kernel + strides + dilations + pads).allSatisfy({ $0 <= limit }) else {
            throw context.error("input sizes and window attributes must be at most \(limit)")
        }
        var axes: [WindowAxis] = []
        for i in 0..<rank {
            let (size, stride, extent) = (input[i], strides[i], (kernel[i] - 1) * dilations[i] + 1)
            var axis = WindowAxis(
                input: size, kernel: kernel[i], stride: stride, dilation: dilations[i], padBegin: 0, padEnd: 0, output: 0)
            switch autoPad {
            case "NOTSET", "VALID":
                if autoPad == "NOTSET" { (axis.padBegin, axis.padEnd) = (pads[i], pads[rank + i]) }
                let padded = size + axis.padBegin + axis.padEnd
                guard extent <= padded else {
                    throw context.error(
                        "dilated kernel size \(extent) is larger than the padded input size \(padded) on spatial axis \(i)")
                }
                axis.output = (ceilMode ? WindowAxis.ceilDivide(padded - extent, stride) : (padded - extent) / stride) + 1
                // A last window that would start in the end padding is dropped (ONNX, PyTorch).
                if ceilMode && axis.output - 1 >= WindowAxis.ceilDivide(size + axis.padBegin, stride) { axis.output -= 1 }
            case "SAME_UPPER", "SAME_LOWER":
                axis.output = WindowAxis.ceilDivide(size, stride)
                let total = max(0, (axis.output - 1) * stride + extent - size)
                let small = total / 2
                (axis.padBegin, axis.padEnd) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small)
            default:
                throw context.error("unknown auto_pad '\(autoPad)'")
            }
            axes.append(axis)
        }
        (height, width, spatialRank) = rank == 1 ? (.unit, axes[0], 1) : (axes[0], axes[1], 2)
    }
}

// MARK: - im2col

extension WindowGeometry {
    /// im2col: what tap `(ki, kj)` of every window reads from each of `channels` input planes at `x`.
    ///
    /// Row `r = (c · kH + ki) · kW + kj` and window position `p` land at
    /// `columns[r · rowStride + p · positionStride]`: `rowStride` = output plane and
    /// `positionStride` = 1 give the `[C·kH·kW, oH·oW]` matrix, `rowStride` = 1 and
    /// `positionStride` = C·kH·kW its transpose. Only the cells that read inside the input are
    /// written: the rest read padding, are the same for every batch item and group, and keep the
    /// padding value the caller filled `columns` with.
    func unroll<T>(
        _ x: UnsafePointer<T>, channels: Int, into columns: UnsafeMutablePointer<T>, rowStride: Int, positionStride: Int
    ) {
        let (h, w) = (height, width)
        let taps = h.kernel * w.kernel
        let contiguous = w.stride == 1 && positionStride == 1
        // What each tap reads does not depend on the channel: work it out once per tap.
        for ki in 0..<h.kernel {
            for kj in 0..<w.kernel {
                let (rows, columnRange) = (h.positions(reading: ki), w.positions(reading: kj))
                guard let first = columnRange.first, !rows.isEmpty else { continue }
                let count = columnRange.count
                let sourceStart = h.coordinate(rows.lowerBound, tap: ki) * w.input + w.coordinate(first, tap: kj)
                let sourceStep = h.stride * w.input
                let targetStart = (rows.lowerBound * w.output + first) * positionStride
                let targetStep = w.output * positionStride
                let rowBytes = count * MemoryLayout<T>.stride
                for channel in 0..<channels {
                    var source = x + (channel &* inputPlane &+ sourceStart)
                    let tapRow = channel &* taps &+ ki &* w.kernel &+ kj
                    var target = columns + (tapRow &* rowStride &+ targetStart)
                    for _ in rows {
                        if contiguous {
                            ShortCopy.copy(from: UnsafeRawPointer(source), to: UnsafeMutableRawPointer(target), bytes: rowBytes)
                        } else {
                            for i in 0..<count { target[i &* positionStride] = source[i &* w.stride] }
                        }
                        source += sourceStep
                        target += targetStep
                    }
                }
            }
        }
    }
}

/// Copies of a few dozen bytes (one feature-map row), inline: a `memmove` call per row costs
/// more than the copy, and a plain loop leaves a scalar tail.
enum ShortCopy {
    /// Copies `bytes` bytes; the regions must not overlap.
    @inline(__always)
    static func copy(from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer, bytes: Int) {
        typealias Chunk = SIMD16<UInt8>
        let chunk = MemoryLayout<Chunk>.size
        guard bytes >= chunk else {
            target.copyMemory(from: source, byteCount: bytes)
            return
        }
        var offset = 0
        while offset &+ chunk <= bytes {
            target.storeBytes(of: source.loadUnaligned(fromByteOffset: offset, as: Chunk.self), toByteOffset: offset, as: Chunk.self)
            offset &+= chunk
        }
        // The tail as one last chunk that overlaps the one before.
        if offset < bytes {
            let last = bytes &- chunk
            target.storeBytes(of: source.loadUnaligned(fromByteOffset: last, as: Chunk.self), toByteOffset: last, as: Chunk.self)
        }
    }
}
