/// An error importing an ONNX model: one line naming the file, node, value or field at fault.
///
/// `code` sorts errors for callers that react differently (e.g. a CLI exit status); the message
/// is what a user reads.
///
/// ```swift
/// do {
///     let imported = try ONNXImporter().importModel(at: "model.onnx")
///     print(imported.graph.opCounts)
/// } catch {
///     // `error` is an ImportError: the importer uses typed throws.
///     print(error.code == .unsupported ? "Bale cannot run this model yet: \(error)" : "\(error)")
/// }
/// ```
public struct ImportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem the error reports.
    public var code: Code
    /// The one-line message.
    public var message: String

    /// Creates an error of kind ``Code/invalidModel``.
    public init(_ message: String) { self.init(.invalidModel, message) }

    /// Creates an error of the given kind.
    ///
    /// Messages quote names taken from the model, which a hostile file can fill with anything:
    /// control characters are escaped (`\u{0A}`) so the message stays one line, and a message
    /// longer than 2,000 characters is cut short.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = Self.oneLine(message)
    }

    public var description: String { message }

    /// `text` with control and line-separator characters escaped, at most `maxLength` characters.
    private static func oneLine(_ text: String, maxLength: Int = 2_000) -> String {
        var result = ""
        for (count, scalar) in text.unicodeScalars.enumerated() {
            guard count < maxLength else { return result + "…" }
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator, .format:
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

// MARK: - Codes

extension ImportError {
    /// The kind of an ``ImportError``; more kinds may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case io, limitExceeded, invalidModel, unsupported
        }

        private let kind: Kind

        /// A file could not be opened or read.
        public static let io = Code(kind: .io)
        /// A size limit of ``ONNXImporter/Limits`` was exceeded.
        public static let limitExceeded = Code(kind: .limitExceeded)
        /// The file is not a well-formed ONNX model (bad protobuf, dangling values, cycles, ...).
        public static let invalidModel = Code(kind: .invalidModel)
        /// The model is valid ONNX but uses something Bale does not support (an operator, an
        /// element type, an opset version, a subgraph).
        public static let unsupported = Code(kind: .unsupported)

        public var description: String { kind.rawValue }
    }
}
