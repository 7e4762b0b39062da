// libFuzzer entry point for every parser that reads outside input (issue 9, docs/security.md).
// `scripts/fuzz TARGET SECONDS` builds this with `swift build --sanitize=fuzzer
// --sanitize=address` and runs it with BALE_FUZZ_TARGET=TARGET on the seed corpus in
// Tests/Fuzz/TARGET. Built normally (as `swift build` does), it is an executable that does
// nothing. Refusals (thrown errors) are the expected outcome; a crash, a sanitizer report, a
// leak or a timeout is a bug.
import BaleBundle
import BaleGraph
import BaleONNX
import BaleRuntime
import BaleServer
import ImagePlugin

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The parsers, by the name `BALE_FUZZ_TARGET` gives.
enum FuzzTarget: String, CaseIterable {
    /// The bundle reader (tar in zstd, manifest, signature, digests) and model loading.
    case bundle
    /// The manifest JSON decoder.
    case manifest
    /// The graph IR (`graph.json`) decoder.
    case graph
    /// The ONNX importer (protobuf, then conversion to the graph IR).
    case onnx
    /// The `.npy` reader.
    case npy
    /// The KServe v2 request decoder: JSON, and the binary tensor extension when the first
    /// byte is odd (the next two bytes then give `Inference-Header-Content-Length`).
    case kserve
    /// The image plugin's PNG and PGM/PPM decoders.
    case image

    /// The target `BALE_FUZZ_TARGET` names; exits with the list of names when it is unset or
    /// unknown.
    static let selected: FuzzTarget = {
        let name = getenv("BALE_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = allCases.map(\.rawValue).joined(separator: ", ")
            print("bale-fuzz: set BALE_FUZZ_TARGET to one of: \(names) (got '\(name)')")
            exit(2)
        }
        return target
    }()

    /// Small limits, so that one input cannot make the fuzzer spend seconds or gigabytes.
    static let bundleLimits = BundleLimits(maxTotalBytes: 64 << 20, maxManifestBytes: 1 << 20, maxFiles: 1000)

    /// A model with an f32 and an i64 input, for requests to match.
    static let requestModel = Graph(
        name: "fuzz",
        inputs: [
            ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(4)])),
            ValueInfo(name: "ids", type: TensorType(dtype: .i64, shape: [.symbolic("batch"), .fixed(2)])),
        ],
        outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(4)]))],
        nodes: [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])])

    /// Feeds one input to the parser.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .bundle: Self.loadBundle(bytes)
        case .manifest: _ = try? Manifest.decode(bytes, limits: Self.bundleLimits)
        case .graph: _ = try? GraphCoding.decodeLayout(bytes)
        case .onnx: _ = try? ONNXImporter(limits: .init(maxModelSize: 16 << 20)).importModel(data: bytes)
        case .npy: _ = try? NPY.read(bytes, name: "fuzz.npy")
        case .kserve:
            guard let mode = bytes.first else { return }
            let binary = mode & 1 == 1 && bytes.count >= 3
            let body = Array(bytes.dropFirst(binary ? 3 : 1))
            let length = binary ? String(Int(bytes[1]) << 8 | Int(bytes[2])) : nil
            _ = try? InferRequest(body: body, headerLength: length, contentType: nil, graph: Self.requestModel, acceptsRaw: mode & 2 == 2)
        case .image: _ = try? DecodedImage.decode(bytes)
        }
    }

    /// Writes `bytes` to a file (the reader streams from a path) and loads it as a model.
    private static func loadBundle(_ bytes: [UInt8]) {
        let path = "/tmp/bale-fuzz-\(getpid()).bale"
        guard let file = fopen(path, "wb") else { return }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        defer { unlink(path) }
        guard written == bytes.count else { return }
        _ = try? BundledModel(path: path, reader: BundleReader(limits: bundleLimits), threads: 1, memoryLimit: 256 << 20)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.selected.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
