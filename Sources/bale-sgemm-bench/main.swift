import BaleRuntime
import Dispatch

/// `bale-sgemm-bench [size] [rounds]`: GFLOP/s of a `size³` f32 product for every supported
/// micro-kernel variant on 1 and 2 threads, and for the portable Swift loop, best of `rounds`
/// interleaved rounds. Prints `name threads gflops` lines for benchmarks/sgemm.sh.
///
/// `bale-sgemm-bench int8 [rounds]`: int8 against f32 on constant (pre-packed) weights for the
/// shapes `1024³`, `1×1024×1024` and `64×1024×1024`, see `Int8Bench.swift`.

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }

/// One contestant: a name, a thread count and the product it runs.
struct Contestant {
    var name: String
    var threads: Int
    var run: () -> Void
}

/// The best time in seconds of each contestant over `rounds` interleaved rounds, each timing
/// `repetitions` back-to-back runs (so short products are not lost in timer noise).
func bestSeconds(_ contestants: [Contestant], rounds: Int, repetitions: Int = 1) -> [Double] {
    var best = [Double](repeating: .infinity, count: contestants.count)
    for _ in 0..<rounds {
        for (index, contestant) in contestants.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<repetitions { contestant.run() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(repetitions)
            best[index] = min(best[index], seconds)
        }
    }
    return best
}

if CommandLine.arguments.dropFirst().first == "int8" {
    int8Benchmark(rounds: arguments.first ?? 5)
} else {
    sgemmBenchmark(size: arguments.first ?? 1024, rounds: arguments.dropFirst().first ?? 5)
}

/// The `size³` f32 comparison (the default mode).
func sgemmBenchmark(size: Int, rounds: Int) {
    let a = (0..<size * size).map { Float($0 % 7) / 7 - 0.5 }
    let b = (0..<size * size).map { Float($0 % 5) / 5 - 0.5 }
    var c = [Float](repeating: 0, count: size * size)
    let best = a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                let (a, b, c) = (a.baseAddress!, b.baseAddress!, c.baseAddress!)
                var contestants = GemmKernel.Variant.supported.flatMap { variant in
                    [1, 2].map { threads in
                        Contestant(name: "bale-\(variant)", threads: threads) {
                            GemmKernel.multiply(
                                m: size, n: size, k: size, a: GemmOperand(a, leading: size),
                                b: GemmOperand(b, leading: size), accumulate: false, into: c, ldc: size,
                                variant: variant, threads: threads)
                        }
                    }
                }
                contestants.append(
                    Contestant(name: "swift-loop", threads: 1) {
                        GemmReference.multiply(
                            m: size, n: size, k: size, a: GemmOperand(a, leading: size),
                            b: GemmOperand(b, leading: size), accumulate: false, into: c, ldc: size)
                    })
                return zip(contestants, bestSeconds(contestants, rounds: rounds)).map { ($0.name, $0.threads, $1) }
            }
        }
    }
    let flops = 2 * Double(size) * Double(size) * Double(size)
    print("default-variant \(GemmKernel.Variant.current)")
    for (name, threads, seconds) in best {
        print(name, threads, (flops / seconds / 1e8).rounded() / 10)
    }
}
