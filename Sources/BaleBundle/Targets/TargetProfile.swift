/// A target profile: what a build and a runtime do for one kind of machine.
///
/// The built-in profiles are the files in the repository's `targets/` directory (a test keeps
/// the two the same); `--target` also accepts a path to a profile JSON file.
public struct TargetProfile: Sendable, Hashable, Codable {
    /// How many threads the runtime uses.
    public enum Threads: Sendable, Hashable, Codable {
        /// All cores.
        case auto
        /// A fixed count.
        case count(Int)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let count = try? container.decode(Int.self), count >= 1 {
                self = .count(count)
            } else if try container.decode(String.self) == "auto" {
                self = .auto
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected \"auto\" or a count >= 1"))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .auto: try container.encode("auto")
            case .count(let count): try container.encode(count)
            }
        }
    }

    /// How bundles for this target are compressed.
    public struct Compression: Sendable, Hashable, Codable {
        /// zstd level.
        public var level: Int
        /// Long-distance matching window log, or `nil` for off.
        public var longWindowLog: Int?
    }

    /// Dynamic batching in the sidecar.
    public struct Batching: Sendable, Hashable, Codable {
        /// Whether requests are batched.
        public var enabled: Bool
        /// Largest batch.
        public var maxBatch: Int
        /// Longest wait for a batch to fill, in milliseconds.
        public var maxDelayMs: Double
    }

    /// Profile name, e.g. `edge-arm64`.
    public var name: String
    /// CPU architecture, e.g. `arm64`.
    public var arch: String
    /// Threads for inference.
    public var threads: Threads
    /// Weight precision: `fp32`, `fp16` or `int8`.
    public var precision: String
    /// Memory limit in MiB, or `nil` for none.
    public var memoryLimitMB: Int?
    /// Bundle compression.
    public var compression: Compression
    /// Sidecar batching.
    public var batching: Batching

    /// The manifest's `target` for this profile.
    public var manifestTarget: Manifest.Target {
        Manifest.Target(profile: name, arch: arch, precision: precision)
    }

    /// The profiles shipped with Bale, by name.
    public static let builtIn: [String: TargetProfile] = [
        "cloud-x86_64": TargetProfile(
            name: "cloud-x86_64", arch: "x86_64", threads: .auto, precision: "fp32", memoryLimitMB: nil,
            compression: Compression(level: 3, longWindowLog: nil),
            batching: Batching(enabled: true, maxBatch: 32, maxDelayMs: 2)),
        "edge-arm64": TargetProfile(
            name: "edge-arm64", arch: "arm64", threads: .count(1), precision: "int8", memoryLimitMB: 64,
            compression: Compression(level: 19, longWindowLog: nil),
            batching: Batching(enabled: false, maxBatch: 1, maxDelayMs: 0)),
    ]
}
