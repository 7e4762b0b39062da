/// An error from talking to an OCI registry or from a reference given by the user.
///
/// Every error is one line naming what is at fault: the reference, or the registry and repository
/// with the HTTP status and the start of the body the registry answered.
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of fault. A struct over a private enum so new codes can be added without
    /// breaking callers that switch over the known ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case badReference, http, unauthorized, transport, badManifest, digestMismatch, io
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A reference such as `oci://host/repo:tag` is malformed.
        public static let badReference = Code(.badReference)
        /// The registry answered with an unexpected HTTP status.
        public static let http = Code(.http)
        /// The registry refused the credentials, or asked for some and none were given.
        public static let unauthorized = Code(.unauthorized)
        /// The connection failed (refused, reset, timed out, TLS).
        public static let transport = Code(.transport)
        /// The manifest is not a Bale bundle artifact, or is malformed.
        public static let badManifest = Code(.badManifest)
        /// Downloaded bytes do not match their digest.
        public static let digestMismatch = Code(.digestMismatch)
        /// Reading or writing a local file failed.
        public static let io = Code(.io)

        public var description: String { value.rawValue }
    }

    /// What kind of fault this is.
    public var code: Code
    /// The one-line message for users.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: the kind of fault.
    ///   - message: one line saying what was found and what was expected.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
