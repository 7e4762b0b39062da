import Synchronization

/// A thread-safe count shared by copies of a ``PluginPipeline``.
final class Counter: Sendable {
    private let count = Mutex(0)

    /// Adds one.
    func increment() { count.withLock { $0 += 1 } }

    /// The count.
    var value: Int { count.withLock { $0 } }
}
