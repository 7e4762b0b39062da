import Synchronization

/// A thread-safe count shared by copies of a ``PluginPipeline``.
final class Counter: Sendable {
    private let count = Atomic(0)

    /// Adds one.
    func increment() { count.wrappingAdd(1, ordering: .relaxed) }

    /// The count.
    var value: Int { count.load(ordering: .relaxed) }
}
