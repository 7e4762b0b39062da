private import CBaleKernels
import Synchronization

/// The runtime's one f32 matrix multiply: a safe Swift face over the C sgemm in `CBaleKernels`
/// (packed panels, per-ISA register-tile micro-kernels chosen at run time), split over threads by
/// row blocks, with ``GemmReference`` as the portable Swift check and fallback.
///
/// Callers validate shapes: every function here takes sizes that fit the buffers it is given
/// (see ``GemmOperand``), and never traps on the sizes themselves.
package enum GemmKernel {
    // MARK: - Variants

    /// A micro-kernel family; raw values are the C `BALE_ISA_*` constants.
    package enum Variant: Int32, CaseIterable, Sendable, CustomStringConvertible {
        /// Plain C the compiler vectorises for the baseline target.
        case portable = 0
        /// AVX2 + FMA, 6×16 tiles (x86-64).
        case avx2 = 1
        /// AVX-512F, 12×32 tiles (x86-64).
        case avx512 = 2
        /// NEON, 8×8 tiles (aarch64).
        case neon = 3

        /// Whether this build and CPU can run the variant.
        package var isSupported: Bool { bale_isa_supported(rawValue) != 0 }
        /// The variant's name, e.g. `avx512`.
        package var description: String { String(cString: bale_isa_name(rawValue)) }
        /// Every variant this build and CPU can run.
        package static var supported: [Variant] { allCases.filter(\.isSupported) }
        /// The variant used when none is named: the fastest one, unless a test forced another.
        package static var current: Variant { Variant(rawValue: bale_isa_default()) ?? .portable }
    }

    /// Makes `variant` the process default (`nil` restores the fastest); `false` when unsupported.
    @discardableResult
    package static func setDefault(_ variant: Variant?) -> Bool {
        bale_sgemm_set_isa(variant?.rawValue ?? -1) == 0
    }

    /// Products below this many multiply-adds run on the caller's thread.
    private static let threadingThreshold = 1 << 18
    /// Row blocks given to threads are multiples of this. Small, so a 64-row product splits 32/32
    /// over two threads rather than 48/16 (a block's last tile may then be an edge tile, which the
    /// AVX-512 row kernels compute at the cost of its live rows only).
    private static let rowQuantum = 8

    // MARK: - Products

    /// `C = alpha · op(A) · op(B) + (accumulate ? C : 0)` for an `m × n` C whose rows are `ldc` apart.
    ///
    /// - Parameters:
    ///   - a: `op(A)`, `m × k`; `b`: `op(B)`, `k × n`.
    ///   - variant: the micro-kernel to use, or `nil` for ``Variant/current``.
    ///   - threads: how many threads may share the work (row blocks of C; no two write one row).
    package static func multiply(
        m: Int, n: Int, k: Int, alpha: Float = 1, a: GemmOperand, b: GemmOperand,
        accumulate: Bool, into c: UnsafeMutablePointer<Float>, ldc: Int, variant: Variant? = nil, threads: Int = 1
    ) {
        let isa = variant?.rawValue ?? -1
        forEachRowBlock(m: m, work: m * n * k, threads: threads) { rows in
            let (subA, subC) = (a.rows(from: rows.lowerBound), c + rows.lowerBound * ldc)
            let status = bale_sgemm(
                isa, a.transposed ? 1 : 0, b.transposed ? 1 : 0, rows.count, n, k, alpha,
                subA.base, subA.leading, b.base, b.leading, accumulate ? 1 : 0, subC, ldc)
            if status != 0 {
                GemmReference.multiply(
                    m: rows.count, n: n, k: k, alpha: alpha, a: subA, b: b, accumulate: accumulate,
                    into: subC, ldc: ldc)
            }
        }
    }

    /// `c[m×n] += a[m×k] · b[k×n]` on contiguous row-major matrices (Conv's 1×1 product).
    package static func accumulate(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, threads: Int = 1
    ) {
        multiply(
            m: m, n: n, k: k, a: GemmOperand(a, leading: k), b: GemmOperand(b, leading: n),
            accumulate: true, into: c, ldc: n, threads: threads)
    }

    /// `C = alpha · op(A) · B + (accumulate ? C : 0)` with `B` pre-packed (constant weights), then
    /// `epilogue(rows)` on each block of rows of C by the thread that computed it (while it is in cache).
    /// - Returns: `false` when the C kernel could not allocate its scratch; C is then incomplete.
    @discardableResult
    package static func multiply(
        m: Int, alpha: Float = 1, a: GemmOperand, packed b: PackedGemmMatrix,
        accumulate: Bool, into c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1,
        epilogue: (_ rows: Range<Int>) -> Void = { _ in }
    ) -> Bool {
        let (n, k) = (b.columns, b.rows)
        let failed = Atomic<Bool>(false)
        forEachRowBlock(m: m, work: m * n * k, threads: threads) { rows in
            let (subA, subC) = (a.rows(from: rows.lowerBound), c + rows.lowerBound * ldc)
            let status = b.withPacked { packed in
                bale_sgemm_packed_b(
                    b.variant.rawValue, a.transposed ? 1 : 0, rows.count, n, k, alpha, subA.base, subA.leading,
                    packed, accumulate ? 1 : 0, subC, ldc)
            }
            if status == 0 { epilogue(rows) } else { failed.store(true, ordering: .relaxed) }
        }
        return !failed.load(ordering: .relaxed)
    }

    // MARK: - Convolution

    /// `c[m × P] += weights[m × K] · im2col(x)` for one image `x` of `channels` planes, where
    /// `K = channels·kH·kW` and `P` is the output plane of `geometry`: Conv's product, with each
    /// block of the im2col matrix packed straight from `x` into the micro-kernel's panels (the
    /// image is copied once, and no `K × P` scratch matrix is needed).
    /// - Returns: `false` when the C kernel could not allocate its scratch; C is then incomplete.
    static func convolve(
        _ weights: UnsafePointer<Float>, _ x: UnsafePointer<Float>, channels: Int, geometry: WindowGeometry,
        into c: UnsafeMutablePointer<Float>, m: Int, threads: Int = 1
    ) -> Bool {
        let (h, w) = (geometry.height, geometry.width)
        let window = bale_conv_window(
            channels: channels, height: h.input, width: w.input, kernel_h: h.kernel, kernel_w: w.kernel,
            stride_h: h.stride, stride_w: w.stride, dilation_h: h.dilation, dilation_w: w.dilation,
            pad_top: h.padBegin, pad_left: w.padBegin, out_h: h.output, out_w: w.output)
        let (n, k) = (geometry.outputPlane, channels * h.kernel * w.kernel)
        let failed = Atomic<Bool>(false)
        withUnsafePointer(to: window) { window in
            forEachRowBlock(m: m, work: m * n * k, threads: threads) { rows in
                let status = bale_sconv(
                    Int32(BALE_ISA_DEFAULT), window, rows.count, weights + rows.lowerBound * k, k, x, 1,
                    c + rows.lowerBound * n, n)
                if status != 0 { failed.store(true, ordering: .relaxed) }
            }
        }
        return !failed.load(ordering: .relaxed)
    }

    // MARK: - Threads

    /// ``Parallel/forEachRowBlock(rows:work:threads:quantum:threshold:_:)`` with this kernel's blocking.
    private static func forEachRowBlock(m: Int, work: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forEachRowBlock(
            rows: m, work: work, threads: threads, quantum: rowQuantum, threshold: threadingThreshold, body)
    }
}
