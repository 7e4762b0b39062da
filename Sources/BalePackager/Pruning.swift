public import BaleGraph

/// Magnitude pruning of the weight matrices of Gemm, MatMul and Conv nodes: the smallest
/// weights by absolute value become exact zeros.
///
/// The k-th smallest magnitude is found by a two-pass radix select over the magnitudes' bit
/// patterns (a 65 536-bucket histogram on the high half, then on the low half), so pruning never
/// copies or sorts the weights: memory stays at two small histograms whatever the model size.
/// Ties are broken by position (earlier tensors in name order, then lower indices, go first), so
/// the result is deterministic.
///
/// Example:
/// ```swift
/// var graph = ...
/// let achieved = try Pruning(sparsity: 0.5, scope: .layer).apply(to: &graph)
/// ```
public struct Pruning: Sendable, Hashable {
    /// How the fraction is applied.
    public enum Scope: String, Sendable, Hashable, CaseIterable {
        /// One magnitude threshold across all weight matrices (layers end with different sparsity).
        case global
        /// Every weight matrix loses the same fraction of its weights.
        case layer
    }

    /// The fraction of weights to zero, in `0...1`.
    public var sparsity: Double
    /// Where the fraction applies.
    public var scope: Scope

    /// Creates a pruning setting.
    /// - Throws: a ``PackagerError`` when `sparsity` is outside `0...1`.
    public init(sparsity: Double, scope: Scope = .layer) throws(PackagerError) {
        guard sparsity.isFinite, (0...1).contains(sparsity) else {
            throw PackagerError("--prune \(sparsity) must be a fraction between 0 and 1 (e.g. 0.5 for 50 %)")
        }
        (self.sparsity, self.scope) = (sparsity, scope)
    }

    /// Zeros the smallest weights of every prunable matrix in `graph`.
    /// - Returns: the sparsity each pruned tensor ends with (exact zeros over elements), by name.
    public func apply(to graph: inout Graph) -> [String: Double] {
        let names = Self.prunableWeights(in: graph)
        switch scope {
        case .layer:
            for name in names { prune([name], in: &graph) }
        case .global:
            prune(names, in: &graph)
        }
        return WeightStatistics.sparsity(of: names, in: graph)
    }

    /// Initializers that are an f32 weight (input 1) of a Gemm, MatMul or Conv node, in name order.
    public static func prunableWeights(in graph: Graph) -> [String] {
        let names = graph.nodes.compactMap { node -> String? in
            guard ["Gemm", "MatMul", "Conv"].contains(node.opType), node.domain.isEmpty, node.inputs.count > 1 else { return nil }
            return graph.initializers[node.inputs[1]]?.dtype == .f32 ? node.inputs[1] : nil
        }
        return Array(Set(names)).sorted()
    }

    /// Zeros `floor(sparsity × total)` of the smallest-magnitude elements across `names`.
    private func prune(_ names: [String], in graph: inout Graph) {
        let total = names.reduce(0) { $0 + (graph.initializers[$1]?.count ?? 0) }
        let k = Int((sparsity * Double(total)).rounded(.down))
        guard k > 0 else { return }
        let threshold = Self.select(k, in: names.compactMap { graph.initializers[$0]?.floats })
        var ties = threshold.ties
        for name in names {
            guard var tensor = graph.initializers.removeValue(forKey: name), case .f32(var values) = tensor.storage else { continue }
            tensor.storage = .f32([])  // keeps `values` uniquely referenced, so it is edited in place
            for i in values.indices {
                let key = Self.key(values[i])
                if key < threshold.key {
                    values[i] = 0
                } else if key == threshold.key, ties > 0 {
                    values[i] = 0
                    ties -= 1
                }
            }
            tensor.storage = .f32(values)
            graph.initializers[name] = tensor
        }
    }

    /// Every element whose magnitude key is below `key` is zeroed, and the first `ties` elements
    /// equal to it, so that exactly the requested count goes.
    private struct Threshold {
        var key: UInt32
        var ties: Int
    }

    /// Radix select of the `k`-th smallest magnitude key (`k >= 1`) over `tensors`.
    private static func select(_ k: Int, in tensors: [[Float]]) -> Threshold {
        var high = [Int](repeating: 0, count: 1 << 16)
        for values in tensors { for v in values { high[Int(key(v) >> 16)] += 1 } }
        let (bucket, belowBucket) = crossing(high, at: k)
        var low = [Int](repeating: 0, count: 1 << 16)
        for values in tensors {
            for v in values where key(v) >> 16 == UInt32(bucket) { low[Int(key(v) & 0xFFFF)] += 1 }
        }
        let (slot, belowSlot) = crossing(low, at: k - belowBucket)
        return Threshold(key: UInt32(bucket) << 16 | UInt32(slot), ties: k - belowBucket - belowSlot)
    }

    /// The first bucket whose cumulative count reaches `k`, and how many lie in earlier buckets.
    private static func crossing(_ histogram: [Int], at k: Int) -> (bucket: Int, below: Int) {
        var below = 0
        for (bucket, count) in histogram.enumerated() {
            if below + count >= k { return (bucket, below) }
            below += count
        }
        return (histogram.count - 1, below)
    }

    /// An order-preserving integer key of `|value|` (NaN sorts last).
    @inline(__always)
    private static func key(_ value: Float) -> UInt32 {
        value.isNaN ? .max : value.magnitude.bitPattern
    }
}

/// Facts about a graph's weights that the manifest records.
public enum WeightStatistics {
    /// The fraction of exact zeros (either sign) in each named f32 tensor.
    public static func sparsity(of names: [String], in graph: Graph) -> [String: Double] {
        zeroCounts(of: names, in: graph).mapValues { Double($0.zeros) / Double($0.count) }
    }

    /// The fraction of exact zeros over all the named f32 tensors together, or `nil` without any.
    public static func overallSparsity(of names: [String], in graph: Graph) -> Double? {
        let counts = zeroCounts(of: names, in: graph).values
        let total = counts.reduce(0) { $0 + $1.count }
        return total > 0 ? Double(counts.reduce(0) { $0 + $1.zeros }) / Double(total) : nil
    }

    private static func zeroCounts(of names: [String], in graph: Graph) -> [String: (zeros: Int, count: Int)] {
        var result: [String: (zeros: Int, count: Int)] = [:]
        for name in names {
            guard let values = graph.initializers[name]?.floats, !values.isEmpty else { continue }
            result[name] = (values.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }, values.count)
        }
        return result
    }
}
