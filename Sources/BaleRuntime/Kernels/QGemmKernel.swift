private import CBaleKernels
import Synchronization

/// The runtime's int8 matrix multiply for quantized inference: `uint8` activations times `int8`
/// weights with exact `int32` accumulation, a safe Swift face over the C qgemm in `CBaleKernels`
/// (per-ISA micro-kernels chosen at run time: AVX-512 VNNI, AVX2, NEON, portable C), split over
/// threads by row blocks, with ``QGemmReference`` as the portable Swift check and fallback.
///
/// Results are exact whenever the true value fits `Int32` (always for `k <= 33025`). Callers
/// validate shapes: every function takes sizes that fit the buffers it is given (see
/// ``QGemmActivations`` and ``QGemmWeights``); zero-point and scale lists must hold 1 or `n`
/// values (checked, since a wrong count would read out of bounds).
package enum QGemmKernel {
    // MARK: - Variants

    /// An int8 micro-kernel family; raw values are the C `BALE_ISA_*` constants.
    package enum Variant: Int32, CaseIterable, Sendable, CustomStringConvertible {
        /// Plain C the compiler vectorises for the baseline target, 4×16 tiles.
        case portable = 0
        /// AVX2 with 16-bit widening and `vpmaddwd` (no saturation), 4×8 tiles (x86-64).
        case avx2 = 1
        /// AVX-512 VNNI `vpdpbusd`, 6×64 tiles (x86-64 with AVX-512 BW and VNNI).
        case avx512vnni = 2
        /// NEON 16-bit products with pairwise 32-bit accumulation, 4×8 tiles (aarch64).
        case neon = 3

        /// Whether this build and CPU can run the variant.
        package var isSupported: Bool { bale_qgemm_isa_supported(rawValue) != 0 }
        /// The variant's name, e.g. `avx512-vnni`.
        package var description: String { String(cString: bale_qgemm_isa_name(rawValue)) }
        /// Every variant this build and CPU can run.
        package static var supported: [Variant] { allCases.filter(\.isSupported) }
        /// The variant used when none is named: the fastest one, unless a test forced another.
        package static var current: Variant { Variant(rawValue: bale_qgemm_isa_default()) ?? .portable }
    }

    /// Makes `variant` the process default for int8 products (`nil` restores the fastest); `false`
    /// when unsupported. Independent of ``GemmKernel/setDefault(_:)``.
    @discardableResult
    package static func setDefault(_ variant: Variant?) -> Bool {
        bale_qgemm_set_isa(variant?.rawValue ?? -1) == 0
    }

    /// Products below this many multiply-adds run on the caller's thread.
    private static let threadingThreshold = 1 << 19
    /// Row blocks given to threads are multiples of this (a multiple of every variant's tile height).
    private static let rowQuantum = 24

    // MARK: - Products

    /// `C = (A - a.zeroPoint) · (op(B) - b.zeroPoints)` for an `m × n` `Int32` C whose rows are
    /// `ldc` apart. B is packed on every call; constant weights should use ``PackedQGemmMatrix``.
    ///
    /// - Parameters:
    ///   - a: `m × k` activations; `b`: `k × n` weights.
    ///   - variant: the micro-kernel to use, or `nil` for ``Variant/current``.
    ///   - threads: how many threads may share the work (row blocks of C; no two write one row).
    package static func multiply(
        m: Int, n: Int, k: Int, a: QGemmActivations, b: QGemmWeights, into c: UnsafeMutablePointer<Int32>,
        ldc: Int, variant: Variant? = nil, threads: Int = 1
    ) {
        precondition([0, 1, n].contains(b.zeroPoints.count), "B zero points: expected none, 1 or \(n)")
        let isa = variant?.rawValue ?? -1
        forEachRowBlock(m: m, work: m * n * k, threads: threads) { rows in
            let (subA, subC) = (a.rows(from: rows.lowerBound), c + rows.lowerBound * ldc)
            let status = b.zeroPoints.withUnsafeBufferPointer { zeros in
                bale_qgemm(
                    isa, rows.count, n, k, subA.base, subA.leading, subA.transposed ? 1 : 0, subA.zeroPoint,
                    b.transposed ? 1 : 0, b.base,
                    b.leading, zeroPoints(zeros), zeros.count > 1 ? 1 : 0, subC, ldc)
            }
            if status != 0 {
                QGemmReference.multiply(m: rows.count, n: n, k: k, a: subA, b: b, into: subC, ldc: ldc)
            }
        }
    }

    /// `C = (A - a.zeroPoint) · (B - b.zeroPoints)` with B pre-packed (constant weights, which carry
    /// their zero points), for an `m × b.columns` `Int32` C whose rows are `ldc` apart.
    /// - Returns: `false` when the C kernel could not allocate its scratch; C is then incomplete.
    @discardableResult
    package static func multiply(
        m: Int, a: QGemmActivations, packed b: PackedQGemmMatrix, into c: UnsafeMutablePointer<Int32>, ldc: Int,
        threads: Int = 1
    ) -> Bool {
        forEachPackedBlock(m: m, a: a, packed: b, threads: threads) { rows, subA, packed, zeros in
            bale_qgemm_packed_b(
                b.variant.rawValue, rows.count, b.columns, b.rows, subA.base, subA.leading, subA.transposed ? 1 : 0,
                subA.zeroPoint, packed,
                zeroPoints(zeros), zeros.count > 1 ? 1 : 0, c + rows.lowerBound * ldc, ldc)
        }
    }

    /// The packed product dequantized in the same pass: `Y = C · (aScale · bScales[col]) + bias[col]`
    /// written as `Float` straight from each register tile (the `Int32` C never reaches memory), so a
    /// quantized Gemm or MatMul produces `f32` directly. With `transposedOutput`, Y is stored as its
    /// transpose, `n` rows `ldy` apart (a convolution's NCHW planes).
    /// - Returns: `false` when the C kernel could not allocate its scratch; Y is then incomplete.
    @discardableResult
    package static func multiply(
        m: Int, a: QGemmActivations, packed b: PackedQGemmMatrix, dequantization: QGemmDequantization,
        into y: UnsafeMutablePointer<Float>, ldy: Int, transposedOutput: Bool = false, threads: Int = 1
    ) -> Bool {
        let n = b.columns
        precondition([1, n].contains(dequantization.bScales.count), "B scales: expected 1 or \(n)")
        precondition(dequantization.bias.map { $0.count == n } ?? true, "bias: expected \(n) values")
        return dequantization.bScales.withUnsafeBufferPointer { scales in
            // Without a bias the C side gets NULL (the empty stand-in array is never read).
            (dequantization.bias ?? []).withUnsafeBufferPointer { bias in
                forEachPackedBlock(m: m, a: a, packed: b, threads: threads) { rows, subA, packed, zeros in
                    bale_qgemm_packed_b_dequantize(
                        b.variant.rawValue, rows.count, n, b.rows, subA.base, subA.leading, subA.transposed ? 1 : 0,
                        subA.zeroPoint, packed,
                        zeroPoints(zeros), zeros.count > 1 ? 1 : 0, dequantization.aScale, scales.baseAddress,
                        scales.count > 1 ? 1 : 0, dequantization.bias == nil ? nil : bias.baseAddress,
                        y + (transposedOutput ? rows.lowerBound : rows.lowerBound * ldy), ldy, transposedOutput ? 1 : 0)
                }
            }
        }
    }

    /// The C zero-point argument: NULL for none (an empty array may still have a base address).
    private static func zeroPoints(_ zeros: UnsafeBufferPointer<Int8>) -> UnsafePointer<Int8>? {
        zeros.isEmpty ? nil : zeros.baseAddress
    }

    // MARK: - Threads

    /// Runs `product(rows, subA, packed, zeroPoints)` (a C status) for each row block of a packed
    /// product; `false` when any block failed.
    private static func forEachPackedBlock(
        m: Int, a: QGemmActivations, packed b: PackedQGemmMatrix, threads: Int,
        _ product: (Range<Int>, QGemmActivations, UnsafeRawPointer, UnsafeBufferPointer<Int8>) -> Int32
    ) -> Bool {
        let failed = Atomic<Bool>(false)
        forEachRowBlock(m: m, work: m * b.columns * b.rows, threads: threads) { rows in
            let status = b.zeroPoints.withUnsafeBufferPointer { zeros in
                product(rows, a.rows(from: rows.lowerBound), b.packed, zeros)
            }
            if status != 0 { failed.store(true, ordering: .relaxed) }
        }
        return !failed.load(ordering: .relaxed)
    }

    /// ``Parallel/forEachRowBlock(rows:work:threads:quantum:threshold:_:)`` with this kernel's blocking.
    private static func forEachRowBlock(m: Int, work: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forEachRowBlock(
            rows: m, work: work, threads: threads, quantum: rowQuantum, threshold: threadingThreshold, body)
    }
}
