import BaleBundle
import BaleGraph
import BalePackager
import BalePlugins
import BaleRuntime
import BaleServer
import BaleTesting
import BuiltinPlugins
import Hummingbird
import HTTPTypes
import Logging
import MetricsPlugin
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded

/// Bundles and servers for the sidecar tests.
enum TestModels {
    static let features = 4
    static let classes = 3

    /// A classifier `x` [batch, 4] → `y` [batch, 3] (Gemm then Softmax); `scale` changes the
    /// weights so versions differ in their outputs.
    static func graph(scale: Float = 1) -> Graph {
        let weights = (0..<(features * classes)).map { Float(($0 * 7) % 11) / 11 * scale - 0.4 }
        return Graph(
            name: "clf",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(features)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(classes)]))],
            nodes: [
                Node(name: "fc", opType: "Gemm", inputs: ["x", "w", "b"], outputs: ["logits"]),
                Node(name: "softmax", opType: "Softmax", inputs: ["logits"], outputs: ["y"]),
            ],
            initializers: [
                "w": Tensor(shape: [features, classes], floats: weights),
                "b": Tensor(shape: [classes], floats: [0.1, -0.1, 0.05]),
            ])
    }

    /// Builds `name`-`version` into `directory` for `profile`, signed by `signer` when given,
    /// and returns its path.
    static func bundle(
        in directory: String, name: String = "clf", version: String = "1.0", scale: Float = 1, profile: String = "cloud-x86_64",
        plugins: [Manifest.Plugin] = [], signer: BundleSigningKey? = nil
    ) throws -> String {
        let options = ModelBuilder.Options(
            name: name, version: version, targets: [TargetProfile.builtIn[profile]!], outputDirectory: directory,
            createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests", signingKey: signer, plugins: plugins)
        let built = try ModelBuilder(options).build(graph(scale: scale), source: Manifest.Source(format: "onnx", sha256: String(repeating: "0", count: 64)))
        return built[0].path
    }

    /// What the model computes for `x`, run directly.
    static func expected(_ path: String, _ x: Tensor) throws -> Tensor {
        try BundledModel(path: path).executor.run(["x": x])["y"]!
    }

    /// `rows` rows of inputs.
    static func input(rows: Int, seed: Int = 0) -> Tensor {
        Tensor(shape: [rows, features], floats: (0..<(rows * features)).map { Float(($0 * 13 + seed * 5) % 17) / 17 - 0.3 })
    }

    /// A server over `bundles` with its own metrics, its models loaded.
    static func server(_ bundles: [String], configure: (inout ServerOptions) -> Void = { _ in }) async -> SidecarServer {
        var options = ServerOptions(plugins: BuiltinPlugins.registry)
        options.bundles = bundles
        options.metrics = MetricsExport()
        configure(&options)
        let server = SidecarServer(options: options)
        await server.repository.loadAtStartup(bundles)
        return server
    }
}

/// A KServe v2 JSON request for input `x`.
func jsonRequest(_ x: Tensor, id: String? = nil, extra: [String: JSONValue] = [:]) -> ByteBuffer {
    var object: [String: JSONValue] = [
        "inputs": [["name": "x", "datatype": "FP32", "shape": .array(x.shape.map { .number(Double($0)) }), "data": .array(x.asFloats.map { .number(Double($0)) })]],
    ]
    if let id { object["id"] = .string(id) }
    object.merge(extra) { $1 }
    return ByteBuffer(bytes: JSONValue.object(object).canonicalBytes)
}

/// The JSON body of a response.
func json(_ response: TestResponse) throws -> JSONValue {
    try JSONParser().parse(Array(response.body.readableBytesView))
}

/// The floats of output `name` in a JSON response.
func floats(_ body: JSONValue, output name: String) -> [Float] {
    guard case .array(let outputs)? = body["outputs"],
        let output = outputs.first(where: { $0["name"]?.stringValue == name }), case .array(let data)? = output["data"]
    else { return [] }
    return data.compactMap { $0.numberValue.map(Float.init) }
}

/// Whether `a` and `b` agree within `tolerance` element by element.
func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}

/// A response as the tests see it.
struct TestResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: ByteBuffer
}

/// Sends requests straight to the server's router, in process (no sockets), as Hummingbird's
/// server would: errors the routes throw become their responses.
struct RouterClient: Sendable {
    let responder: RouterResponder<BasicRequestContext>

    init(_ server: SidecarServer) {
        responder = server.makeRouter().buildResponder()
    }

    @discardableResult
    func execute<Value>(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil,
        _ check: (TestResponse) throws -> Value = { $0 }
    ) async throws -> Value {
        var headers = headers
        if let body { headers[.contentLength] = String(body.readableBytes) }
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: uri, headerFields: headers),
            body: RequestBody(buffer: body ?? ByteBuffer()))
        // Finished after every request: an open channel and its pipeline hold each other, so the
        // channel left open per request leaked (found by LeakSanitizer, issue 9).
        let channel = NIOAsyncTestingChannel()
        do {
            let value = try await respond(to: request, on: channel, check)
            _ = try? await channel.finish()
            return value
        } catch {
            _ = try? await channel.finish()
            throw error
        }
    }

    private func respond<Value>(
        to request: Request, on channel: NIOAsyncTestingChannel, _ check: (TestResponse) throws -> Value
    ) async throws -> Value {
        let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: Logger(label: "test")))
        let response = try await responder.respond(to: request, context: context)
        let collected = BodyCollector.Buffer()
        try await response.body.write(BodyCollector(collected: collected))
        return try check(TestResponse(status: response.status, headers: response.headers, body: collected.value.withLockedValue { $0 }))
    }
}

/// Collects a response body.
private struct BodyCollector: ResponseBodyWriter {
    final class Buffer: Sendable {
        let value = NIOLockedValueBox(ByteBuffer())
    }

    let collected: Buffer

    mutating func write(_ part: ByteBuffer) async throws {
        var part = part
        collected.value.withLockedValue { _ = $0.writeBuffer(&part) }
    }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
