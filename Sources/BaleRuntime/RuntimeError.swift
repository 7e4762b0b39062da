/// An error while loading or running a model: one line naming the node, input or value at fault.
public struct RuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The one-line message.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
