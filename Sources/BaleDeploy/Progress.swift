/// Progress of a long step (copying, rebuilding a bundle), reported as bytes move.
public struct DeployProgress: Sendable, Hashable {
    /// What is happening, e.g. `staging mlp-1.0.bale`.
    public var step: String
    /// Bytes done so far.
    public var done: UInt64
    /// Bytes in all, when known.
    public var total: UInt64?
    /// Whether the step has just finished.
    public var finished: Bool

    /// Creates a report.
    public init(step: String, done: UInt64, total: UInt64?, finished: Bool) {
        (self.step, self.done, self.total, self.finished) = (step, done, total, finished)
    }
}

/// Receives progress reports; the CLI draws a bar on a terminal, a line per step otherwise.
public typealias ProgressHandler = @Sendable (DeployProgress) -> Void
