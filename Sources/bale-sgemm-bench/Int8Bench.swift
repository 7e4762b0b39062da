import BaleRuntime

/// The int8 mode: for each MLP shape `m × 1024 × 1024` (`m` = 1024, 1, 64) and 1 and 2 threads,
/// GOP/s (2 ops per multiply-add) of the f32 product on packed weights (`f32-packed`), the int8
/// product on packed weights for every supported int8 variant (`int8-<variant>`, `int32` out) and
/// with the fused dequantizing epilogue (`int8-dequant`, default variant, `f32` out), with the
/// speed-up over `f32-packed`. Prints `name threads shape gops speedup` lines.
func int8Benchmark(rounds: Int) {
    let (n, k) = (1024, 1024)
    let aF32 = (0..<1024 * k).map { Float($0 % 7) / 7 - 0.5 }
    let aU8 = (0..<1024 * k).map { UInt8(truncatingIfNeeded: $0 &* 97) }
    let bF32 = (0..<k * n).map { Float($0 % 5) / 5 - 0.5 }
    let bI8 = (0..<k * n).map { Int8(truncatingIfNeeded: $0 &* 31) }
    guard let packedF32 = PackedGemmMatrix(bF32, k: k, n: n) else { fatalError("f32 packing failed") }
    let packedI8 = QGemmKernel.Variant.supported.compactMap { PackedQGemmMatrix(bI8, k: k, n: n, variant: $0) }
    guard let packedDefault = PackedQGemmMatrix(bI8, k: k, n: n) else { fatalError("int8 packing failed") }
    let dequantization = QGemmDequantization(aScale: 0.02, bScales: [0.01], bias: [Float](repeating: 0.5, count: n))
    var cF32 = [Float](repeating: 0, count: 1024 * n)
    var cI32 = [Int32](repeating: 0, count: 1024 * n)
    print("default-variant f32 \(GemmKernel.Variant.current) int8 \(QGemmKernel.Variant.current)")
    aF32.withUnsafeBufferPointer { aF32 in
        aU8.withUnsafeBufferPointer { aU8 in
            cF32.withUnsafeMutableBufferPointer { cF32 in
                cI32.withUnsafeMutableBufferPointer { cI32 in
                    let (y, c) = (cF32.baseAddress!, cI32.baseAddress!)
                    let f32 = GemmOperand(aF32.baseAddress, leading: k)
                    let u8 = QGemmActivations(aU8.baseAddress, leading: k, zeroPoint: 128)
                    for m in [1024, 1, 64] {
                        let contestants = [1, 2].flatMap { threads in
                            [
                                Contestant(name: "f32-packed", threads: threads) {
                                    GemmKernel.multiply(
                                        m: m, a: f32, packed: packedF32, accumulate: false, into: y, ldc: n,
                                        threads: threads)
                                },
                                Contestant(name: "int8-dequant", threads: threads) {
                                    QGemmKernel.multiply(
                                        m: m, a: u8, packed: packedDefault, dequantization: dequantization, into: y,
                                        ldy: n, threads: threads)
                                },
                            ]
                                + packedI8.map { packed in
                                    Contestant(name: "int8-\(packed.variant)", threads: threads) {
                                        QGemmKernel.multiply(m: m, a: u8, packed: packed, into: c, ldc: n, threads: threads)
                                    }
                                }
                        }
                        // About 2^28 multiply-adds per timing, so batch-1 products are timed in bulk.
                        let repetitions = max(1, (1 << 28) / (m * n * k))
                        let best = bestSeconds(contestants, rounds: rounds, repetitions: repetitions)
                        let ops = 2 * Double(m * n * k)
                        for (contestant, seconds) in zip(contestants, best) {
                            let f32Seconds = zip(contestants, best).first {
                                $0.0.name == "f32-packed" && $0.0.threads == contestant.threads
                            }!.1
                            let gops = (ops / seconds / 1e8).rounded() / 10
                            let speedup = (f32Seconds / seconds * 100).rounded() / 100
                            print(contestant.name, contestant.threads, "\(m)x\(n)x\(k)", gops, "\(speedup)x")
                        }
                    }
                }
            }
        }
    }
}
