import HTTPTypes
import BaleBundle
public import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// `bale serve`: the KServe v2 / Open Inference Protocol sidecar on Hummingbird.
///
/// Endpoints: `GET /v2/health/live`, `GET /v2/health/ready`, `GET /v2`,
/// `GET /v2/models/{name}[/versions/{version}]`, `GET .../ready`, `POST .../infer`,
/// `POST /v2/models/{name}/feedback`, `GET /metrics`, and the repository admin API
/// (`POST /v2/repository/index`, `POST /v2/repository/models/{name}/load|unload|deploy|rollback`)
/// behind a bearer token. See docs/serving.md.
///
/// Example:
/// ```swift
/// var options = ServerOptions(plugins: BuiltinPlugins.registry)
/// options.bundles = ["mlp.bale"]
/// try await SidecarServer(options: options).run()  // until SIGTERM or SIGINT
/// ```
public struct SidecarServer: Sendable {
    /// How the server runs.
    public let options: ServerOptions
    /// The models it serves.
    public let repository: ModelRepository
    let metrics: ServerMetrics
    private let logger = Logger(label: "bale.serve")

    /// A server with `options`; nothing is loaded or bound until ``run()``.
    public init(options: ServerOptions) {
        self.options = options
        metrics = ServerMetrics(export: options.metrics)
        repository = ModelRepository(options: options, metrics: metrics)
    }

    /// The HTTP routes.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AccessLogMiddleware())
        let inference = InferenceEndpoint(repository: repository, metrics: metrics, options: options)
        let repository = repository

        router.get("/v2/health/live") { _, _ in Response.json(["live": true]) }
        router.get("/v2/health/ready") { _, _ in
            let ready = repository.isReady
            return Response.json(["ready": .bool(ready)], status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/v2") { _, _ in
            Response.json(["name": "bale", "version": .string(baleVersion), "extensions": ["binary_tensor_data", "model_repository"]])
        }
        router.get("/metrics") { [metrics] _, _ in
            Response.bytes(Array(metrics.exposition().utf8), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        for prefix in ["/v2/models/:name", "/v2/models/:name/versions/:version"] {
            router.get(RouterPath(prefix)) { _, context in
                try Response.json(repository.model(try context.parameters.require("name"), version: context.parameters.get("version")).metadata)
            }
            router.get(RouterPath(prefix + "/ready")) { _, context in
                let name = try context.parameters.require("name")
                do {
                    _ = try repository.model(name, version: context.parameters.get("version"))
                    return Response.json(["name": .string(name), "ready": true])
                } catch let error as ServeError where error.status == .serviceUnavailable {
                    return Response.json(["name": .string(name), "ready": false, "error": .string(error.message)], status: .serviceUnavailable)
                }
            }
            router.post(RouterPath(prefix + "/infer")) { request, context in
                try await inference.infer(request, name: try context.parameters.require("name"), version: context.parameters.get("version"))
            }
        }
        router.post("/v2/models/:name/feedback") { request, context in
            try await inference.feedback(request, name: try context.parameters.require("name"))
        }
        AdminEndpoints(repository: repository, options: options).add(to: router)
        return router
    }

    /// Binds, loads the models in the background and serves until SIGTERM or SIGINT, then
    /// stops accepting connections and lets in-flight requests finish for up to the drain
    /// timeout.
    /// - Parameter onServerRunning: called with the bound port once the server listens.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: "bale/\(baleVersion)"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                Logger(label: "bale.serve").notice("listening", metadata: ["host": "\(self.options.host)", "port": "\(port)"])
                await onServerRunning(port)
            },
            logger: logger)
        let loader = RepositoryService(
            repository: repository, bundles: options.bundles, directory: options.modelDirectory, pollInterval: options.pollInterval)
        var configuration = ServiceGroupConfiguration(services: [app, loader], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = options.drainTimeout
        try await ServiceGroup(configuration: configuration).run()
        logger.notice("stopped")
    }
}
