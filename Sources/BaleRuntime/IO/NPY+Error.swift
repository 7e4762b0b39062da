/// An error reading or writing a NumPy `.npy` file.
///
/// Every error is one line that names the file (or the name the caller gave the bytes), says what
/// was found and what was expected, and where it helps, how to re-save the array with NumPy.
/// ``code`` lets programs and tests tell the kinds apart without matching on wording.
public struct NPYError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of fault. A struct over a private enum so codes can be added without breaking
    /// callers that switch over the known ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case io, badMagic, unsupportedVersion, truncated, invalidHeader, fortranOrder
            case unsupportedDType, sizeMismatch, overflow
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// Reading or writing the file failed at the operating-system level.
        public static let io = Code(.io)
        /// The bytes do not start with the `.npy` magic `\x93NUMPY`.
        public static let badMagic = Code(.badMagic)
        /// The format version is not 1.0, 2.0 or 3.0.
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// The bytes end inside the preamble, the header or the data.
        public static let truncated = Code(.truncated)
        /// The header is not the Python dict literal NumPy writes, or lacks a required key.
        public static let invalidHeader = Code(.invalidHeader)
        /// The array is stored in Fortran (column-major) order.
        public static let fortranOrder = Code(.fortranOrder)
        /// The element type is not one Bale reads (object, big-endian, structured, `<i2`, ...).
        public static let unsupportedDType = Code(.unsupportedDType)
        /// There are more data bytes than the shape and dtype call for.
        public static let sizeMismatch = Code(.sizeMismatch)
        /// The shape's element or byte count does not fit in `Int`.
        public static let overflow = Code(.overflow)

        public var description: String { value.rawValue }
    }

    /// What kind of fault this is.
    public var code: Code
    /// The file path, or the name the caller gave the bytes.
    public var name: String
    /// The one-line message for users, starting with ``name``.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: the kind of fault.
    ///   - detail: what was found and what was expected; the message is `name: detail`.
    ///   - name: the file path or the name the caller gave the bytes.
    public init(_ code: Code, _ detail: String, name: String) {
        self.code = code
        self.name = name
        self.message = "\(name): \(detail)"
    }

    public var description: String { message }
}
