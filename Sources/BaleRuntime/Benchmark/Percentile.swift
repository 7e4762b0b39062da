/// Percentiles of a sample by the nearest-rank method.
///
/// The p-th percentile of `n` sorted values is the value at rank `⌈p/100 · n⌉` (1-based), so it
/// is always one of the measured values, never an interpolation: with 10 samples, p90 is the 9th
/// smallest and p99 the largest. p0 is the smallest.
///
/// Example:
/// ```swift
/// Percentile.nearestRank(90, of: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])  // 9
/// ```
public enum Percentile {
    /// The `p`-th percentile (0...100) of `sorted`, which must be sorted ascending and non-empty.
    public static func nearestRank(_ p: Double, of sorted: [Double]) -> Double {
        precondition(!sorted.isEmpty && (0...100).contains(p), "nearest-rank percentile needs samples and 0 ≤ p ≤ 100")
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
