/// The contents of `manifest.json`: what a bundle holds and how it was made.
///
/// Encoded as canonical JSON (RFC 8785); the SHA-256 of those bytes is the bundle's identity.
/// See `docs/bundle-format.md` for every field.
public struct Manifest: Sendable, Hashable, Codable {
    /// Format version of the bundle, e.g. `1.0`.
    public var formatVersion: FormatVersion
    /// The model's name, e.g. `resnet18`.
    public var name: String
    /// The model's version, e.g. `1.0.3`.
    public var version: String
    /// When the bundle was made, RFC 3339 in UTC, e.g. `2026-11-26T10:00:00Z`.
    public var createdAt: String
    /// The tool that made the bundle, e.g. `bale 0.1.0`.
    public var creator: String
    /// The machine kind the bundle is built for.
    public var target: Target
    /// The model's interface and origin.
    public var model: Model
    /// Plugins to run around the model, in order.
    public var plugins: [Plugin]
    /// Every payload file, sorted by path.
    public var files: [File]
    /// Figures recorded at build time (sizes, accuracy), by name.
    public var metrics: [String: JSONValue]
    /// The manifest as it was read, when it was read. Fields this version of Bale does not know
    /// (from a newer minor format version) are taken from it when the manifest is encoded again,
    /// so they are kept.
    public var source: JSONValue?

    /// Creates a manifest; `plugins`, `metrics` and `model` default to empty.
    public init(
        name: String, version: String, createdAt: String, creator: String, target: Target,
        model: Model = Model(), plugins: [Plugin] = [], files: [File] = [],
        metrics: [String: JSONValue] = [:]
    ) {
        self.formatVersion = .current
        self.name = name
        self.version = version
        self.createdAt = createdAt
        self.creator = creator
        self.target = target
        self.model = model
        self.plugins = plugins
        self.files = files
        self.metrics = metrics
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case formatVersion, name, version, createdAt, creator, target, model, plugins, files, metrics
    }

    // MARK: - Nested types

    /// The target a bundle is built for (see `targets/*.json`).
    public struct Target: Sendable, Hashable, Codable {
        /// Profile name, e.g. `edge-arm64`, or `any`.
        public var profile: String
        /// CPU architecture, e.g. `arm64`, `x86_64`, or `any`.
        public var arch: String
        /// Numeric precision of the weights, e.g. `fp32`, `int8`, or `any`.
        public var precision: String

        /// Creates a target.
        public init(profile: String, arch: String, precision: String) {
            self.profile = profile
            self.arch = arch
            self.precision = precision
        }

        /// A bundle for no particular machine.
        public static let any = Target(profile: "any", arch: "any", precision: "any")
    }

    /// The model's interface and where it came from.
    public struct Model: Sendable, Hashable, Codable {
        /// Input tensors.
        public var inputs: [TensorSpec]
        /// Output tensors.
        public var outputs: [TensorSpec]
        /// The file the bundle was made from, when known.
        public var source: Source?
        /// The ONNX opset, for ONNX models.
        public var opset: Int?

        /// Creates a model description.
        public init(inputs: [TensorSpec] = [], outputs: [TensorSpec] = [], source: Source? = nil, opset: Int? = nil) {
            self.inputs = inputs
            self.outputs = outputs
            self.source = source
            self.opset = opset
        }
    }

    /// The original model file.
    public struct Source: Sendable, Hashable, Codable {
        /// Its format, e.g. `onnx`, `gguf`, `safetensors`.
        public var format: String
        /// Its SHA-256, lowercase hex.
        public var sha256: String
        /// Its path inside the bundle, when it is shipped.
        public var path: String?

        /// Creates a source description.
        public init(format: String, sha256: String, path: String? = nil) {
            self.format = format
            self.sha256 = sha256
            self.path = path
        }
    }

    /// A named tensor in the model's interface.
    public struct TensorSpec: Sendable, Hashable, Codable {
        /// Tensor name.
        public var name: String
        /// Element type, e.g. `f32`, `i64`.
        public var dtype: String
        /// Dimensions: numbers, or names for symbolic ones (e.g. `batch`).
        public var shape: [Dimension]

        /// Creates a tensor spec.
        public init(name: String, dtype: String, shape: [Dimension]) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
        }
    }

    /// One dimension of a shape: a size, or a symbolic name.
    public enum Dimension: Sendable, Hashable, Codable {
        case fixed(Int)
        case symbolic(String)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) {
                self = .fixed(value)
            } else {
                self = .symbolic(try container.decode(String.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .fixed(let value): try container.encode(value)
            case .symbolic(let name): try container.encode(name)
            }
        }
    }

    /// A plugin declaration.
    public struct Plugin: Sendable, Hashable, Codable {
        /// Plugin name, e.g. `normalize`.
        public var name: String
        /// `preprocess`, `postprocess` or `monitor`.
        public var stage: String
        /// Its configuration.
        public var config: [String: JSONValue]
        /// The bundle path of the plugin's own code, for a plugin the bundle carries (a
        /// WebAssembly module, `plugins/<name>/plugin.wasm`; see `docs/wasm-plugins.md`);
        /// `nil` for a plugin built into the runtime.
        public var module: String?
        /// What a module plugin may use beyond its sandbox's basics (``Manifest/moduleGrants``).
        public var grants: [String]?
        /// Sandbox limits a module plugin asks for instead of the runtime's defaults.
        public var limits: ModuleLimits?

        /// Creates a plugin declaration.
        public init(
            name: String, stage: String, config: [String: JSONValue] = [:], module: String? = nil, grants: [String]? = nil,
            limits: ModuleLimits? = nil
        ) {
            self.name = name
            self.stage = stage
            self.config = config
            self.module = module
            self.grants = grants
            self.limits = limits
        }
    }

    /// The sandbox limits of a module plugin; each unset one takes the runtime's default.
    public struct ModuleLimits: Sendable, Hashable, Codable {
        /// The most 64 KiB pages its memory may have.
        public var memoryPages: Int?
        /// The most fuel (about one unit per WebAssembly instruction) one call may burn.
        public var fuel: UInt64?

        /// Creates limits.
        public init(memoryPages: Int? = nil, fuel: UInt64? = nil) {
            self.memoryPages = memoryPages
            self.fuel = fuel
        }
    }

    /// A payload file.
    public struct File: Sendable, Hashable, Codable {
        /// Path inside the bundle (see ``BundlePath``).
        public var path: String
        /// Size in bytes.
        public var size: UInt64
        /// SHA-256 of the contents, lowercase hex.
        public var sha256: String
        /// Media type, e.g. `application/octet-stream`.
        public var mediaType: String

        /// Creates a file entry.
        public init(path: String, size: UInt64, sha256: String, mediaType: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
            self.mediaType = mediaType
        }
    }
}
