/// An error importing an ONNX model: one line naming the file, node, value or field at fault.
public struct ImportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The one-line message.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
