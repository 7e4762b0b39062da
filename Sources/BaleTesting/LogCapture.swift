import Foundation
public import Logging

/// A swift-log handler keeping every event logged through it, for tests of what a plugin logs.
///
/// Example:
/// ```swift
/// let capture = LogCapture()
/// let logger = capture.logger
/// logger.warning("drift")
/// #expect(capture.events.map(\.message) == ["drift"])
/// ```
public final class LogCapture: LogHandler, @unchecked Sendable {
    /// One logged event.
    public struct Event: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: Logger.Metadata
    }

    private let lock = NSLock()
    private var logged: [Event] = []
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    /// An empty capture.
    public init() {}

    /// A logger writing into this capture.
    public var logger: Logger { Logger(label: "test") { _ in self } }

    /// The events so far, in order.
    public var events: [Event] { lock.withLock { logged } }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let entry = Event(level: event.level, message: event.message.description, metadata: self.metadata.merging(event.metadata ?? [:]) { $1 })
        lock.withLock { logged.append(entry) }
    }
}
