/// An error while building a bundle: one line naming the option, file or tensor at fault.
public struct PackagerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The one-line message.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
