import Foundation

/// A thread-safe count shared by copies of a ``PluginPipeline``.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    /// Adds one.
    func increment() { lock.withLock { count += 1 } }

    /// The count.
    var value: Int { lock.withLock { count } }
}
