// A bare Hummingbird 2 server, built only as the baseline for benchmarks/serve-load.sh: the
// request rate a route that does nothing reaches on this machine, next to `bale serve`.
// Not shipped and not a product. Usage: bale-hello-server PORT
import Hummingbird

/// Set up like `SidecarServer`: one `BasicRequestContext` router, no access-log middleware.
let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8081
let router = Router(context: BasicRequestContext.self)
router.get("/hello") { _, _ in "hello\n" }
let app = Application(router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
