/// One file to put in a bundle: where it goes and where its bytes come from.
public struct PayloadFile: Sendable, Hashable {
    /// Where the bytes come from.
    public enum Source: Sendable, Hashable {
        /// A file on disk, streamed when the bundle is written.
        case file(path: String)
        /// Bytes in memory (small generated files such as `graph.json`).
        case bytes([UInt8])
        /// Bytes produced on demand while the bundle is written (e.g. tensors serialised one at
        /// a time, so a model is never held twice in memory).
        case producer(any PayloadProducer)

        public static func == (a: Source, b: Source) -> Bool {
            switch (a, b) {
            case (.file(let x), .file(let y)): x == y
            case (.bytes(let x), .bytes(let y)): x == y
            default: false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case .file(let path): hasher.combine(path)
            case .bytes(let bytes): hasher.combine(bytes)
            case .producer: hasher.combine(0)
            }
        }
    }

    /// Path inside the bundle (see ``BundlePath``).
    public var path: String
    /// Where the bytes come from.
    public var source: Source
    /// Size in bytes, as known when the list was made; checked again while writing.
    public var size: UInt64
    /// Media type recorded in the manifest.
    public var mediaType: String

    /// Creates a payload file.
    /// - Parameter mediaType: defaults to a guess from the path's extension.
    public init(path: String, source: Source, size: UInt64, mediaType: String? = nil) {
        self.path = path
        self.source = source
        self.size = size
        self.mediaType = mediaType ?? MediaType.guess(for: path)
    }

    /// A payload file holding `bytes`.
    public init(path: String, bytes: [UInt8], mediaType: String? = nil) {
        self.init(path: path, source: .bytes(bytes), size: UInt64(bytes.count), mediaType: mediaType)
    }
}

/// Writes a payload file's bytes on demand; it must produce exactly the size declared in its
/// ``PayloadFile``.
public protocol PayloadProducer: Sendable {
    /// Hands the file's bytes to `sink`, in order, in any number of chunks.
    func produce(into sink: (UnsafeRawBufferPointer) throws(BundleError) -> Void) throws(BundleError)
}

/// Media types recorded for payload files, and the model formats recognised by extension.
public enum MediaType {
    /// The fallback type.
    public static let binary = "application/octet-stream"

    private static let byExtension: [String: String] = [
        "json": "application/json", "txt": "text/plain", "md": "text/markdown", "csv": "text/csv",
        "yaml": "application/yaml", "yml": "application/yaml", "png": "image/png", "jpg": "image/jpeg",
        "jpeg": "image/jpeg", "wasm": "application/wasm", "wat": "text/plain", "npy": "application/x-npy",
        "onnx": "application/x-onnx", "gguf": "application/x-gguf", "safetensors": "application/x-safetensors",
        "tflite": "application/x-tflite", "pt": "application/x-pytorch", "pth": "application/x-pytorch",
    ]

    /// Model file formats recognised by extension (extension → format name).
    public static let modelFormats: [String: String] = [
        "onnx": "onnx", "gguf": "gguf", "safetensors": "safetensors", "tflite": "tflite",
        "pt": "pytorch", "pth": "pytorch", "pb": "tensorflow", "h5": "keras", "keras": "keras",
        "mlmodel": "coreml",
    ]

    /// The media type for `path`, from its extension.
    public static func guess(for path: String) -> String {
        byExtension[pathExtension(path)] ?? binary
    }

    /// The lowercased extension of `path`'s last component, or "" when none.
    public static func pathExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }
}
