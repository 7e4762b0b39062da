/// `bale serve` was given bundles and none of them could be served (issue 9): the server
/// stops instead of answering 503 forever, naming each bundle and why it was refused.
public struct NothingServedError: Error, Sendable, CustomStringConvertible {
    /// Each bundle given, with the reason its load failed, in the order given.
    public var failures: [(path: String, reason: String)]

    public var description: String {
        let each = failures.map { "'\($0.path)': \($0.reason)" }.joined(separator: "; ")
        return "none of the \(failures.count) bundle\(failures.count == 1 ? "" : "s") given could be served: \(each)"
    }
}
