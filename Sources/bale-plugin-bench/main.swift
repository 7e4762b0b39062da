// Per-call cost of a WebAssembly plugin beside the native one (benchmarks/wasm-plugins.sh):
// the example normalize module and the built-in normalize, same config, on one 28×28 input.
// Usage: bale-plugin-bench PATH/normalize.wasm [calls]
import BaleBundle
import BaleGraph
import BalePlugins
import BuiltinPlugins
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 2, let module = FileManager.default.contents(atPath: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: bale-plugin-bench PATH/normalize.wasm [calls]\n".utf8))
    exit(2)
}
let calls = max(1, arguments.count > 2 ? Int(arguments[2]) ?? 5000 : 5000)
let config: [String: JSONValue] = ["scale": .string("0.00392156862745098"), "mean": .string("0.1307"), "std": .string("0.3081")]
let inputs = [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("N"), .fixed(1), .fixed(28), .fixed(28)]))]
let outputs = [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: [.symbolic("N"), .fixed(10)]))]

/// The preprocess plugin `declaration` declares.
func plugin(_ declaration: Manifest.Plugin, files: [String: [UInt8]] = [:]) throws -> any PreprocessPlugin {
    let resolved = try BuiltinPlugins.registry.resolve([declaration], files: files, inputs: inputs, outputs: outputs)
    guard case .preprocess(let plugin) = resolved[0].instance else { fatalError("not a preprocess plugin") }
    return plugin
}

let wasm = try plugin(
    Manifest.Plugin(name: "prep", stage: "preprocess", config: config, module: "plugins/prep/plugin.wasm"),
    files: ["plugins/prep/plugin.wasm": Array(module)])
let native = try plugin(Manifest.Plugin(name: "normalize", stage: "preprocess", config: config))
let pixels = (0..<784).map { UInt8(truncatingIfNeeded: $0 &* 37) }
let tensor = Payload.tensors(["x": Tensor(shape: [1, 1, 28, 28], floats: pixels.map(Float.init))])
let json = Payload.json(.object(["data": .array(pixels.map { .number(Double($0)) })]))

/// The median and p90 of `calls` calls of `body`, in µs.
func measure(_ body: () throws -> Payload) rethrows -> (median: Double, p90: Double) {
    for _ in 0..<min(200, calls) { _ = try body() }
    var times: [Double] = []
    times.reserveCapacity(calls)
    for _ in 0..<calls {
        let start = ContinuousClock.now
        _ = try body()
        times.append((ContinuousClock.now - start) / .microseconds(1))
    }
    times.sort()
    return (times[times.count / 2], times[times.count * 9 / 10])
}

let rows: [(String, (median: Double, p90: Double))] = [
    ("native normalize, 784 f32 tensor", try measure { try native.preprocess(tensor) }),
    ("native normalize, JSON {\"data\": [784]}", try measure { try native.preprocess(json) }),
    ("wasm normalize, 784 raw bytes", try measure { try wasm.preprocess(.bytes(pixels)) }),
    ("wasm normalize, 784 f32 tensor", try measure { try wasm.preprocess(tensor) }),
]
print("calls \(calls), one thread; µs per call")
print("case".padding(toLength: 42, withPad: " ", startingAt: 0) + "  median      p90")
for (name, figures) in rows {
    print(name.padding(toLength: 42, withPad: " ", startingAt: 0) + String(format: "  %6.1f   %6.1f", figures.median, figures.p90))
}
