import Foundation

/// Picks a fraction `rate` of a stream of inferences, deterministically and evenly spread: the
/// n-th one (from 1) is picked when ⌊n·rate⌋ grows, so rate 0.25 picks the 4th, 8th, 12th, …
/// and rate 1 every one.
final class Sampler: @unchecked Sendable {
    private let rate: Double
    private let lock = NSLock()
    private var seen = 0

    /// A sampler picking a fraction `rate` (0…1).
    init(rate: Double) { self.rate = rate }

    /// Counts one more inference and says whether it is picked.
    func next() -> Bool {
        let n = lock.withLock {
            seen += 1
            return Double(seen)
        }
        return (n * rate).rounded(.down) > ((n - 1) * rate).rounded(.down)
    }
}
