#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The last `capacity` samples of one input, kept as the reference bin of each feature, and
/// their population stability index against the reference.
struct DriftWindow {
    /// The smallest share a bin counts with, so that an empty bin does not make PSI infinite.
    static let floor = 1e-4

    let reference: FeatureStatistics
    let capacity: Int
    /// Bins of the samples held, `features` a sample, in a ring of `capacity` samples.
    private var ring: [UInt8]
    /// Counts of the samples held, `bins` a feature, feature after feature.
    private var counts: [Int]
    private(set) var samples = 0
    private var next = 0

    init(reference: FeatureStatistics, capacity: Int) {
        self.reference = reference
        self.capacity = capacity
        ring = [UInt8](repeating: 0, count: capacity * reference.features)
        counts = [Int](repeating: 0, count: reference.histogram.count)
    }

    /// Whether the window holds `capacity` samples (PSI is only reported then).
    var isFull: Bool { samples == capacity }

    /// Adds the samples of `values` (`features` values each), dropping the oldest ones.
    mutating func add(_ values: [Float]) {
        let features = reference.features, bins = reference.bins
        for start in stride(from: 0, to: values.count - features + 1, by: features) {
            let slot = next * features
            for feature in 0..<features {
                if isFull { counts[feature * bins + Int(ring[slot + feature])] -= 1 }
                let bin = reference.bin(of: values[start + feature], feature: feature)
                ring[slot + feature] = UInt8(bin)
                counts[feature * bins + bin] += 1
            }
            next = (next + 1) % capacity
            samples = min(samples + 1, capacity)
        }
    }

    /// The population stability index of the window against the reference, averaged over the
    /// features: per feature Σ (a − e)·ln(a / e) over the bins, with a and e the window's and
    /// the reference's share of the bin, each at least ``floor``.
    var psi: Double {
        let features = reference.features, bins = reference.bins
        guard features > 0, samples > 0, reference.count > 0 else { return 0 }
        var total = 0.0
        for index in 0..<(features * bins) {
            let actual = max(Double(counts[index]) / Double(samples), Self.floor)
            let expected = max(Double(reference.histogram[index]) / Double(reference.count), Self.floor)
            total += (actual - expected) * log(actual / expected)
        }
        return total / Double(features)
    }
}
