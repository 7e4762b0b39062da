import BaleBundle

/// An error from installing, rolling back or inspecting a device directory: one line naming the
/// file at fault and saying what went wrong, with a hint when there is one.
public struct DeployError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The one-line message.
    public var message: String
    /// The file or directory at fault, when there is one.
    public var path: String?

    /// Creates an error.
    public init(_ message: String, path: String? = nil) {
        self.message = message
        self.path = path
    }

    /// Wraps a bundle error, adding a hint for a full disk or a permission problem.
    init(_ error: BundleError) {
        var message = error.message
        if message.contains("No space left on device") {
            message += "; the device directory is unchanged (free some space, or lower --keep)"
        } else if message.contains("Permission denied") || message.contains("Read-only file system") {
            message += "; the device directory is unchanged (check its owner and mount)"
        }
        self.init(message, path: error.path)
    }

    public var description: String { message }
}
