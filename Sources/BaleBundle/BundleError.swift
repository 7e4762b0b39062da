/// An error from reading, writing or checking a bundle.
///
/// Every error is one line meant for users: it names the file or field at fault, says what was
/// found and what was expected. ``code`` lets programs (and tests) tell the kinds apart without
/// matching on wording.
public struct BundleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of fault. A struct over a private enum so new codes can be added without
    /// breaking callers that switch over the known ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case io, notZstd, corruptStream, truncated, notTar, unsafeEntry, duplicateEntry
            case unlistedEntry, missingEntry, entryOrder, sizeMismatch, digestMismatch
            case limitExceeded, manifestInvalid, unsupportedVersion, signatureInvalid
            case signatureMissing, keyInvalid, invalidInput
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// Reading or writing a file failed at the operating-system level.
        public static let io = Code(.io)
        /// The input does not start with a zstd frame.
        public static let notZstd = Code(.notZstd)
        /// The zstd stream is damaged (bad block, checksum mismatch, oversized window).
        public static let corruptStream = Code(.corruptStream)
        /// The stream ends before the archive does.
        public static let truncated = Code(.truncated)
        /// The decompressed stream is not a tar archive, or a tar header is malformed.
        public static let notTar = Code(.notTar)
        /// An entry has an unsafe path (absolute, `..`) or is not a regular file.
        public static let unsafeEntry = Code(.unsafeEntry)
        /// Two entries have the same path.
        public static let duplicateEntry = Code(.duplicateEntry)
        /// An entry is not listed in the manifest.
        public static let unlistedEntry = Code(.unlistedEntry)
        /// A file listed in the manifest is not in the archive.
        public static let missingEntry = Code(.missingEntry)
        /// Entries are not in the order the format requires.
        public static let entryOrder = Code(.entryOrder)
        /// A file's size differs from the manifest.
        public static let sizeMismatch = Code(.sizeMismatch)
        /// A file's SHA-256 differs from the manifest.
        public static let digestMismatch = Code(.digestMismatch)
        /// A declared or actual size is over a configured limit.
        public static let limitExceeded = Code(.limitExceeded)
        /// `manifest.json` is missing, malformed or lacks required fields.
        public static let manifestInvalid = Code(.manifestInvalid)
        /// The bundle's format major version is newer than this reader.
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// `manifest.sig` is malformed or does not verify with the given key.
        public static let signatureInvalid = Code(.signatureInvalid)
        /// A signature was required but the bundle has none.
        public static let signatureMissing = Code(.signatureMissing)
        /// A key file is malformed.
        public static let keyInvalid = Code(.keyInvalid)
        /// An argument or input to a writer is unusable (bad name, unsafe payload path, ...).
        public static let invalidInput = Code(.invalidInput)

        public var description: String { value.rawValue }
    }

    /// What kind of fault this is.
    public var code: Code
    /// The one-line message for users.
    public var message: String
    /// The bundle entry or file the fault is in, when there is one.
    public var path: String?

    /// Creates an error.
    /// - Parameters:
    ///   - code: the kind of fault.
    ///   - message: one line saying what was found and what was expected.
    ///   - path: the entry or file at fault.
    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String { message }
}
