import BaleBundle
import BaleDeploy
import BaleGraph
import BaleRuntime
@testable import BaleServer
import BaleTesting
import Foundation
import HTTPTypes
import NIOCore
import Testing

/// Remote install through the admin API (issue 8): `POST /v2/repository/models/{name}/deploy`
/// and `.../rollback`, and serving device directories from `--model-dir`.
@Suite struct DeployTests {
    static let key = BundleSigningKey()
    let auth: HTTPFields = [.authorization: "Bearer s3cret", .contentType: "application/octet-stream"]

    /// A server with the admin API on, deploying into `models` with signatures by `key` required.
    func server(models: TemporaryDirectory?, configure: (inout ServerOptions) -> Void = { _ in }) async -> SidecarServer {
        await TestModels.server([]) { options in
            options.adminToken = "s3cret"
            options.modelDirectory = models?.path
            options.deployReader = BundleReader(publicKey: Self.key.publicKey, requireSignature: true)
            configure(&options)
        }
    }

    func deploy(_ client: RouterClient, _ bundle: String, as name: String = "clf", headers: HTTPFields? = nil) async throws -> TestResponse {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: bundle))
        return try await client.execute(uri: "/v2/repository/models/\(name)/deploy", method: .post, headers: headers ?? auth, body: ByteBuffer(bytes: bytes))
    }

    func infer(_ client: RouterClient) async throws -> [Float] {
        let response = try await client.execute(uri: "/v2/models/clf/infer", method: .post, body: jsonRequest(TestModels.input(rows: 2)))
        #expect(response.status == .ok)
        return floats(try json(response), output: "y")
    }

    func expected(_ bundle: String) throws -> [Float] { try TestModels.expected(bundle, TestModels.input(rows: 2)).asFloats }

    @Test func aSignedBundleIsInstalledServedReplacedAndRolledBack() async throws {
        let work = TemporaryDirectory(), models = TemporaryDirectory()
        let v1 = try TestModels.bundle(in: work.path, version: "1.0", signer: Self.key)
        let v2 = try TestModels.bundle(in: work.path, version: "2.0", scale: 2, signer: Self.key)
        let client = RouterClient(await server(models: models))

        let first = try json(try await deploy(client, v1))
        #expect(first["version"] == "1.0")
        #expect(first["self_test"] == "self-test passed")
        #expect(first["previous_id"] == nil)
        #expect(close(try await infer(client), try expected(v1)))

        let second = try await deploy(client, v2)
        #expect(second.status == .ok)
        #expect(try json(second)["version"] == "2.0")
        #expect(try json(second)["previous_id"] == first["id"])
        #expect(close(try await infer(client), try expected(v2)))
        #expect(DeviceDirectory(path: models.file("clf")).id(of: .current) == (try json(second))["id"]?.stringValue)

        let rollback = try await client.execute(uri: "/v2/repository/models/clf/rollback", method: .post, headers: auth)
        #expect(rollback.status == .ok)
        #expect(try json(rollback)["version"] == "1.0")
        #expect(close(try await infer(client), try expected(v1)))
    }

    @Test func aBundleFailingItsSelfTestIsRefusedAndTheOldVersionKeepsServing() async throws {
        let work = TemporaryDirectory(), models = TemporaryDirectory()
        let v1 = try TestModels.bundle(in: work.path, version: "1.0", signer: Self.key)
        let v2 = try TestModels.bundle(in: work.path, version: "2.0", scale: 2, signer: Self.key)
        let bad = try BrokenSample.copy(of: v2, samplesFrom: v1, version: "3.0", to: work.file("bad.bale"), key: Self.key)
        let client = RouterClient(await server(models: models))
        #expect(try await deploy(client, v1).status == .ok)

        let refused = try await deploy(client, bad)
        #expect(refused.status == .unprocessableContent)
        let error = try json(refused)["error"]?.stringValue ?? ""
        #expect(error.contains("self-test: output"), "\(error)")
        let metadata = try await client.execute(uri: "/v2/models/clf", method: .get)
        #expect(try json(metadata)["versions"] == ["1.0"])
        #expect(close(try await infer(client), try expected(v1)))
    }

    @Test func concurrentDeploysOfOneModelBothFinishAndTheServedVersionIsCurrent() async throws {
        let work = TemporaryDirectory(), models = TemporaryDirectory()
        let bundles = try ["1.0", "2.0", "3.0"].map { try TestModels.bundle(in: work.path, version: $0, scale: Float($0)!, signer: Self.key) }
        let server = await server(models: models)
        let client = RouterClient(server)
        let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for bundle in bundles { group.addTask { try await deploy(client, bundle).status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == [.ok, .ok, .ok])
        let current = DeviceDirectory(path: models.file("clf")).id(of: .current)
        #expect(try server.repository.model("clf").model.info.id == current)
    }

    /// Requests that are refused, with the status and a piece of the message.
    @Test(arguments: [
        ("unsigned bundle", HTTPResponse.Status.unprocessableContent, "signature"),
        ("wrong token", .unauthorized, "admin token is wrong"),
        ("no model directory", .badRequest, "--model-dir"),
        ("deploys off", .forbidden, "--allow-unsigned-deploy"),
        ("another model's bundle", .badRequest, "holds model 'clf', not 'other'"),
        ("over the upload limit", .contentTooLarge, "--max-upload-size"),
        ("a bad model name", .badRequest, "model name '.x'"),
        ("a URL this server cannot fetch", .badRequest, "cannot download 'ftp://host/x.bale'"),
        ("a URL that does not answer", .badGateway, "downloading 'http://127.0.0.1:1/x.bale' failed"),
        ("JSON without a URL", .badRequest, "{\"url\": "),
        ("a packed bundle, not a built model", .unprocessableContent, "holds no graph.json"),
    ])
    func refusals(_ what: String, status: HTTPResponse.Status, message: String) async throws {
        let work = TemporaryDirectory(), models = TemporaryDirectory()
        let signed = try TestModels.bundle(in: work.path, signer: Self.key)
        let server = await server(models: what == "no model directory" ? nil : models) { options in
            if what == "deploys off" { options.deployReader = nil }
            if what == "over the upload limit" { options.maxUploadBytes = 1000 }
        }
        let client = RouterClient(server)
        var jsonHeaders = auth
        jsonHeaders[.contentType] = "application/json"
        let response: TestResponse
        switch what {
        case "unsigned bundle": response = try await deploy(client, try TestModels.bundle(in: work.path, version: "0.1"))
        case "wrong token": response = try await deploy(client, signed, headers: [.authorization: "Bearer nope"])
        case "another model's bundle": response = try await deploy(client, signed, as: "other")
        case "a bad model name": response = try await deploy(client, signed, as: ".x")
        case "a packed bundle, not a built model":
            let packed = work.file("packed.bale")
            let manifest = Manifest(name: "clf", version: "1.0", createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests", target: Manifest.Target(profile: "cloud-x86_64", arch: "x86_64", precision: "fp32"))
            _ = try BundleWriter().write(manifest: manifest, payload: [PayloadFile(path: "notes.txt", bytes: Array("hi".utf8))], to: packed, signingKey: Self.key)
            response = try await deploy(client, packed)
        case "a URL this server cannot fetch", "a URL that does not answer", "JSON without a URL":
            let body: JSONValue =
                what == "JSON without a URL" ? ["path": "/x.bale"] : ["url": .string(what.contains("cannot") ? "ftp://host/x.bale" : "http://127.0.0.1:1/x.bale")]
            response = try await client.execute(uri: "/v2/repository/models/clf/deploy", method: .post, headers: jsonHeaders, body: ByteBuffer(bytes: body.canonicalBytes))
        default: response = try await deploy(client, signed)
        }
        #expect(response.status == status, "\(what)")
        let error = try json(response)["error"]?.stringValue ?? ""
        #expect(error.contains(message), "\(what): \(error)")
        #expect(!FileManager.default.fileExists(atPath: models.file("clf/current")), "\(what)")
        let left = try FileManager.default.contentsOfDirectory(atPath: models.path)
        #expect(!left.contains { $0.hasPrefix(".incoming-") }, "\(what): an upload was left behind")
        if what != "unsigned bundle" { #expect(left.isEmpty, "\(what): \(left)") }
    }

    @Test func theWatcherServesDeviceDirectoriesAndSeesCurrentSwitch() throws {
        let models = TemporaryDirectory()
        models.write("clf/bundles/a.bale", Array("1".utf8))
        models.write("clf/bundles/b.bale", Array("22".utf8))
        models.write("empty/bundles/c.bale", Array("3".utf8))  // no current: not a model
        try FileManager.default.createSymbolicLink(atPath: models.file("clf/current"), withDestinationPath: "bundles/a.bale")
        var watcher = DirectoryWatcher(directory: models.path)
        #expect(watcher.settle() == [models.file("clf/current")])
        #expect(watcher.poll() == ([], []))
        try FileManager.default.removeItem(atPath: models.file("clf/current"))
        try FileManager.default.createSymbolicLink(atPath: models.file("clf/current"), withDestinationPath: "bundles/b.bale")
        _ = watcher.poll()
        #expect(watcher.poll() == ([models.file("clf/current")], []))
        try FileManager.default.removeItem(atPath: models.file("clf/current"))
        #expect(watcher.poll() == ([], [models.file("clf/current")]))
    }
}
