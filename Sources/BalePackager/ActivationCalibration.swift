public import BaleGraph
import BaleRuntime

/// Static activation quantization for `bale build --quantize int8 --calibration DIR`: the range
/// of every activation an int8 product reads, measured by running the fp32 graph over samples,
/// turned into the constant uint8 scale and zero point ``Int8Quantizer`` quantizes it with
/// (QuantizeLinear) in place of finding the range at run time (DynamicQuantizeLinear).
///
/// The range of a tensor over all samples is widened to include 0 and mapped onto `0...255` with
/// the runtime's own DynamicQuantizeLinear arithmetic (`QuantizationRange`), so a calibration on
/// one batch gives exactly the parameters dynamic quantization computes for that batch.
///
/// Example:
/// ```swift
/// let samples = try ValidationSet.load(directory: "calibration", inputs: graph.inputs, option: "--calibration")
/// let calibration = try ActivationCalibration.measure(graph, on: samples)
/// let report = Int8Quantizer.quantize(&graph, calibration: calibration)
/// ```
public struct ActivationCalibration: Sendable {
    /// Samples the ranges were measured on.
    public var samples: Int
    /// The range seen for each activation.
    var ranges: [String: QuantizationRange]

    /// The constant QuantizeLinear scale and zero point of `activation`, or `nil` when it was not
    /// calibrated.
    func parameters(of activation: String) -> (scale: Float, zeroPoint: UInt8)? {
        ranges[activation]?.parameters
    }

    /// Runs `graph` over the samples of `set`, `batch` at a time, recording the range of every
    /// activation that an int8 product of ``Int8Quantizer/quantize(_:calibration:)`` would read.
    /// - Throws: a ``PackagerError`` when the graph fails on the samples.
    public static func measure(_ graph: Graph, on set: ValidationSet, threads: Int = 1, batch: Int = 64) throws -> ActivationCalibration {
        let activations = Int8Quantizer.activations(in: graph)
        var observed = graph
        let returned = Set(graph.outputs.map(\.name))
        for name in activations where !returned.contains(name) {
            observed.outputs.append(ValueInfo(name: name, type: graph.valueTypes[name] ?? TensorType(dtype: .f32, shape: nil)))
        }
        var ranges = Dictionary(uniqueKeysWithValues: activations.map { ($0, QuantizationRange()) })
        do {
            let executor = try Executor(graph: observed, threads: threads)
            for rows in set.batches(of: batch) {
                let values = try executor.run(set.feeds(rows))
                for name in activations {
                    guard let tensor = values[name] else { continue }
                    ranges[name]?.include(tensor.asFloats, threads: threads)
                }
            }
        } catch {
            throw PackagerError("--calibration: the fp32 model fails on the samples: \(error)")
        }
        return ActivationCalibration(samples: set.count, ranges: ranges)
    }
}
