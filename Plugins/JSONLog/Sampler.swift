import Synchronization

/// Picks a fraction `rate` of a stream of inferences, deterministically and evenly spread: the
/// n-th one (from 1) is picked when ⌊n·rate⌋ grows, so rate 0.25 picks the 4th, 8th, 12th, …
/// and rate 1 every one.
final class Sampler: Sendable {
    private let rate: Double
    private let seen = Mutex(0)

    /// A sampler picking a fraction `rate` (0…1).
    init(rate: Double) { self.rate = rate }

    /// Counts one more inference and says whether it is picked.
    func next() -> Bool {
        let n = seen.withLock {
            $0 += 1
            return Double($0)
        }
        return (n * rate).rounded(.down) > ((n - 1) * rate).rounded(.down)
    }
}
