import BaleRuntime
import Dispatch

/// `bale-sgemm-bench [size] [rounds]`: GFLOP/s of a `size³` f32 product for every supported
/// micro-kernel variant on 1 and 2 threads, and for the portable Swift loop, best of `rounds`
/// interleaved rounds. Prints `name threads gflops` lines for benchmarks/sgemm.sh.

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let size = arguments.first ?? 1024
let rounds = arguments.dropFirst().first ?? 5
let a = (0..<size * size).map { Float($0 % 7) / 7 - 0.5 }
let b = (0..<size * size).map { Float($0 % 5) / 5 - 0.5 }
var c = [Float](repeating: 0, count: size * size)

/// One contestant: a name, a thread count and the product it runs.
struct Contestant {
    var name: String
    var threads: Int
    var run: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void
}

var contestants = GemmKernel.Variant.supported.flatMap { variant in
    [1, 2].map { threads in
        Contestant(name: "bale-\(variant)", threads: threads) { a, b, c in
            GemmKernel.multiply(
                m: size, n: size, k: size, a: GemmOperand(a, leading: size), b: GemmOperand(b, leading: size),
                accumulate: false, into: c, ldc: size, variant: variant, threads: threads)
        }
    }
}
contestants.append(
    Contestant(name: "swift-loop", threads: 1) { a, b, c in
        GemmReference.multiply(
            m: size, n: size, k: size, a: GemmOperand(a, leading: size), b: GemmOperand(b, leading: size),
            accumulate: false, into: c, ldc: size)
    })

var best = [Double](repeating: .infinity, count: contestants.count)
a.withUnsafeBufferPointer { a in
    b.withUnsafeBufferPointer { b in
        c.withUnsafeMutableBufferPointer { c in
            for _ in 0..<rounds {
                for (index, contestant) in contestants.enumerated() {
                    let start = DispatchTime.now().uptimeNanoseconds
                    contestant.run(a.baseAddress!, b.baseAddress!, c.baseAddress!)
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    best[index] = min(best[index], seconds)
                }
            }
        }
    }
}
let flops = 2 * Double(size) * Double(size) * Double(size)
print("default-variant \(GemmKernel.Variant.current)")
for (contestant, seconds) in zip(contestants, best) {
    print(contestant.name, contestant.threads, (flops / seconds / 1e8).rounded() / 10)
}
