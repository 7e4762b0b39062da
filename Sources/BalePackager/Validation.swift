public import BaleBundle
public import BaleGraph
public import BaleRuntime
import Foundation

/// Samples that `bale build --validate DIR` runs through the original fp32 graph and the
/// transformed (quantized or pruned) one, and that `--calibration DIR` runs through the fp32
/// graph to measure activation ranges (``ActivationCalibration``).
///
/// `DIR` holds one `.npy` file per model input, named after the input (`input.npy` for an input
/// called `input`), with the samples along the first dimension; a single-input model may use any
/// one file name. An optional `labels.npy` (integers, one per sample) adds accuracy figures.
public struct ValidationSet: Sendable {
    /// The samples, by input name, stacked along the first dimension.
    public var inputs: [String: Tensor]
    /// The true class of every sample, when `labels.npy` was given.
    public var labels: [Int]?
    /// Number of samples.
    public var count: Int

    /// Creates a set from samples stacked along the first dimension of every input.
    public init(inputs: [String: Tensor], labels: [Int]?, count: Int) {
        (self.inputs, self.labels, self.count) = (inputs, labels, count)
    }

    /// The name of the optional labels file.
    public static let labelsFile = "labels.npy"

    /// Reads the samples for a graph with `inputs` from `directory`.
    /// - Parameter option: the command-line option that named `directory`, for error messages.
    /// - Throws: a ``PackagerError`` naming the file at fault (missing, unreadable, not matching
    ///   a model input's name, type or shape, mismatched sample counts, labels that are not integers).
    public static func load(directory: String, inputs: [ValueInfo], option: String = "--validate") throws -> ValidationSet {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PackagerError("\(option) '\(directory)': no such directory")
        }
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".npy") }.sorted()
        } catch {
            throw PackagerError("\(option) '\(directory)': cannot list the directory (\(error.localizedDescription))")
        }
        let sampleFiles = files.filter { $0 != labelsFile }
        guard !sampleFiles.isEmpty else {
            throw PackagerError("\(option) '\(directory)': no .npy sample files (expected one per model input: \(inputs.map { "\($0.name).npy" }.joined(separator: ", ")))")
        }
        if inputs.count > 1 || sampleFiles.count > 1,
            let stray = sampleFiles.first(where: { file in !inputs.contains { "\($0.name).npy" == file } })
        {
            throw PackagerError("\(option) '\(directory)/\(stray)': matches no model input (inputs: \(inputs.map(\.name).joined(separator: ", ")))")
        }
        var tensors: [String: Tensor] = [:]
        for input in inputs {
            let file: String
            if sampleFiles.contains("\(input.name).npy") {
                file = "\(input.name).npy"
            } else if inputs.count == 1, sampleFiles.count == 1 {
                file = sampleFiles[0]
            } else {
                throw PackagerError("\(option) '\(directory)': no \(input.name).npy for model input '\(input.name)'")
            }
            let tensor = try NPY.read(contentsOf: "\(directory)/\(file)")
            guard tensor.dtype == input.type.dtype, !tensor.shape.isEmpty, tensor.shape[0] > 0,
                Self.fits(sample: Array(tensor.shape.dropFirst()), input.type.shape)
            else {
                throw PackagerError("\(option) '\(directory)/\(file)': model input '\(input.name)' is \(input.type), expected its samples stacked along the first dimension, got \(tensor.dtype)\(tensor.shape)")
            }
            tensors[input.name] = tensor
        }
        let counts = Set(tensors.values.map { $0.shape[0] })
        guard counts.count == 1, let count = counts.first else {
            throw PackagerError("\(option) '\(directory)': the input files hold different sample counts \(counts.sorted())")
        }
        var labels: [Int]?
        if files.contains(labelsFile) {
            let tensor = try NPY.read(contentsOf: "\(directory)/\(labelsFile)")
            guard let values = tensor.int64s, tensor.dtype != .bool, tensor.count == count, tensor.shape.first == count else {
                throw PackagerError("\(option) '\(directory)/\(labelsFile)': expected \(count) integer labels, got \(tensor.dtype)\(tensor.shape)")
            }
            labels = values.map { Int($0) }
        }
        return ValidationSet(inputs: tensors, labels: labels, count: count)
    }

    /// Whether one sample of shape `sample` fits an input declared `[batch] + rest`: the fixed
    /// dimensions of `rest` match (an undeclared shape takes anything).
    private static func fits(sample: [Int], _ declared: [Dim]?) -> Bool {
        guard let declared else { return true }
        guard declared.count == sample.count + 1 else { return false }
        return zip(sample, declared.dropFirst()).allSatisfy { size, dim in
            if case .fixed(let expected) = dim { expected == size } else { true }
        }
    }

    /// The sample ranges of consecutive batches of at most `size` samples.
    public func batches(of size: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: max(1, size)).map { $0..<min(count, $0 + max(1, size)) }
    }

    /// The feeds of samples `rows`, by input name.
    public func feeds(_ rows: Range<Int>) -> [String: Tensor] {
        inputs.mapValues { $0.rows(rows) }
    }
}

/// How a transformed graph's outputs compare with the original's on a ``ValidationSet``.
public struct ValidationReport: Sendable, Hashable {
    /// Samples compared.
    public var samples: Int
    /// Largest absolute difference over every element of every float output.
    public var maxAbsError: Double
    /// Mean absolute difference over every element of every float output.
    public var meanAbsError: Double
    /// Fraction of samples whose top-1 class agrees (see ``topClasses(_:order:samples:)``), or
    /// `nil` when no output gives classes.
    public var top1Agreement: Double?
    /// The original graph's accuracy against the labels, when given.
    public var referenceAccuracy: Double?
    /// The transformed graph's accuracy against the labels, when given.
    public var accuracy: Double?

    /// What the transformation costs: the accuracy lost against the labels when given, else the
    /// fraction of samples whose top-1 class changed; `nil` when no output gives classes.
    public var accuracyDrop: Double? {
        if let referenceAccuracy, let accuracy { return referenceAccuracy - accuracy }
        return top1Agreement.map { 1 - $0 }
    }

    /// The report as recorded in the manifest's metrics.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "samples": .number(Double(samples)), "maxAbsError": .number(maxAbsError),
            "meanAbsError": .number(meanAbsError),
        ]
        if let top1Agreement { object["top1Agreement"] = .number(top1Agreement) }
        if let referenceAccuracy { object["referenceAccuracy"] = .number(referenceAccuracy) }
        if let accuracy { object["accuracy"] = .number(accuracy) }
        return .object(object)
    }

    /// Runs `set` through both executors, `batch` samples at a time, and compares the outputs.
    /// - Throws: a ``RuntimeError`` when either graph fails on the samples.
    public static func compare(
        reference: Executor, candidate: Executor, on set: ValidationSet, batch: Int = 64
    ) throws(RuntimeError) -> ValidationReport {
        var (maxError, errorSum, elements) = (0.0, 0.0, 0)
        var (agreed, referenceCorrect, candidateCorrect, classified) = (0, 0, 0, true)
        let outputNames = reference.graph.outputs.map(\.name)
        for rows in set.batches(of: batch) {
            let feeds = set.feeds(rows)
            let (expected, actual) = (try reference.run(feeds), try candidate.run(feeds))
            for name in outputNames {
                guard let e = expected[name], let a = actual[name], e.dtype == .f32 || e.dtype == .f16 else { continue }
                guard e.shape == a.shape else {
                    throw RuntimeError("validation: output '\(name)' has shape \(a.shape) after the transformation, \(e.shape) before")
                }
                for (x, y) in zip(e.asFloats, a.asFloats) {
                    let difference = Double(abs(x - y))
                    maxError = max(maxError, difference.isNaN ? .infinity : difference)
                    errorSum += difference
                }
                elements += e.count
            }
            let (expectedClasses, actualClasses) = (
                topClasses(expected, order: outputNames, samples: rows.count), topClasses(actual, order: outputNames, samples: rows.count))
            if expectedClasses.count != rows.count || actualClasses.count != rows.count { classified = false }
            for (offset, (x, y)) in zip(expectedClasses, actualClasses).enumerated() {
                if x == y { agreed += 1 }
                if let labels = set.labels {
                    if x == labels[rows.lowerBound + offset] { referenceCorrect += 1 }
                    if y == labels[rows.lowerBound + offset] { candidateCorrect += 1 }
                }
            }
        }
        let samples = Double(set.count)
        return ValidationReport(
            samples: set.count, maxAbsError: maxError, meanAbsError: elements > 0 ? errorSum / Double(elements) : 0,
            top1Agreement: classified ? Double(agreed) / samples : nil,
            referenceAccuracy: set.labels == nil || !classified ? nil : Double(referenceCorrect) / samples,
            accuracy: set.labels == nil || !classified ? nil : Double(candidateCorrect) / samples)
    }

    /// Each sample's top-1 class: the argmax of the first float output with several scores per
    /// sample, else the first integer output with one value per sample (a label output).
    static func topClasses(_ outputs: [String: Tensor], order: [String], samples: Int) -> [Int] {
        guard samples > 0 else { return [] }
        for name in order {
            guard let output = outputs[name], output.dtype == .f32 || output.dtype == .f16,
                output.count > samples, output.count % samples == 0
            else { continue }
            let (values, width) = (output.asFloats, output.count / samples)
            return (0..<samples).map { sample in
                let row = values[(sample * width)..<((sample + 1) * width)]
                return row.indices.max { row[$0] < row[$1] }.map { $0 - sample * width } ?? 0
            }
        }
        for name in order {
            if let labels = outputs[name]?.int64s, outputs[name]?.dtype != .bool, labels.count == samples {
                return labels.map { Int($0) }
            }
        }
        return []
    }
}
