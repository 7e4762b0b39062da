import HTTPTypes
import BaleBundle
import BaleDeploy
import BaleGraph
import Dispatch
import Hummingbird

// Remote install (issue 8): `POST /v2/repository/models/{name}/deploy` installs a bundle into the
// device directory `--model-dir/{name}/` with the same Installer as `bale deploy` (stage, fsync,
// verify, self-test, atomic switch of `current`, keep N, install.log, lock), then serves the new
// `current` before answering; `.../rollback` makes `previous` current again and serves it.

extension AdminEndpoints {
    func addDeploy(to router: Router<BasicRequestContext>) {
        router.post("/v2/repository/models/:name/deploy") { request, context in
            try authorize(request)
            let name = try context.parameters.require("name")
            let device = try deviceDirectory(for: name)
            guard let reader = options.deployReader else {
                throw ServeError(.forbidden, "deploys are off; start bale serve with --key KEY.pub (signed bundles) or --allow-unsigned-deploy")
            }
            let upload = try await receiveBundle(request, in: splitPath(device.path).directory)
            defer { removeUpload(upload) }
            try checkHeader(of: upload, name: name)
            return try await deploys.run(name) {
                let previous = device.id(of: .current)
                let installed: Installer.Result
                do throws(DeployError) {
                    installed = try await offload { () throws(DeployError) in try Installer(device: device, reader: reader).install(upload) }
                } catch {
                    throw ServeError(.unprocessableContent, "install refused, '\(name)' keeps its version: \(Self.withoutUploadPath(error.message, upload))")
                }
                var answer = Self.answer(try await serve(name, from: device), id: installed.id, previous: previous)
                answer["self_test"] = .string(installed.selfTest)
                return Response.json(.object(answer))
            }
        }
        router.post("/v2/repository/models/:name/rollback") { request, context in
            try authorize(request)
            let name = try context.parameters.require("name")
            let device = try deviceDirectory(for: name)
            return try await deploys.run(name) {
                guard let previous = device.id(of: .current) else {
                    throw ServeError(.notFound, "model '\(name)' has no device directory with a current version in --model-dir")
                }
                let id: String
                do throws(DeployError) {
                    id = try await offload { () throws(DeployError) in try device.rollback(reader: options.deployReader ?? options.reader) }
                } catch {
                    throw ServeError(.conflict, "rollback refused, '\(name)' keeps its version: \(error.message)")
                }
                return Response.json(.object(Self.answer(try await serve(name, from: device), id: id, previous: previous)))
            }
        }
    }

    /// `--model-dir/{name}`, after checking the name.
    private func deviceDirectory(for name: String) throws(ServeError) -> DeviceDirectory {
        guard let directory = options.modelDirectory else {
            throw ServeError.badRequest("deploy and rollback need a model directory; start bale serve with --model-dir DIR")
        }
        do {
            try DeviceDirectory.checkModelName(name)
        } catch {
            throw ServeError.badRequest(error.message)
        }
        return DeviceDirectory(path: "\(directory)/\(name)")
    }

    /// Refuses, before installing, a bundle that names another model (it would be served under
    /// that name) or holds no model to serve.
    private func checkHeader(of upload: String, name: String) throws(ServeError) {
        let header: BundleInfo
        do throws(BundleError) {
            header = try BundleReader(limits: options.reader.limits).readHeader(upload)
        } catch {
            throw ServeError(.unprocessableContent, "install refused, '\(name)' keeps its version: \(Self.withoutUploadPath(error.message, upload))")
        }
        guard header.manifest.name == name else {
            throw ServeError.badRequest("the bundle holds model '\(header.manifest.name)', not '\(name)'; deploy it as '\(header.manifest.name)'")
        }
        guard header.manifest.files.contains(where: { $0.path == GraphCoding.graphPath }) else {
            throw ServeError(.unprocessableContent, "install refused, '\(name)' keeps its version: the bundle holds no \(GraphCoding.graphPath), so there is no model to serve (make it with bale build)")
        }
    }

    /// Loads `current` of `device` and serves it as `name`.
    private func serve(_ name: String, from device: DeviceDirectory) async throws(ServeError) -> ServedModel {
        switch await repository.load(path: "\(device.path)/\(DeviceDirectory.Slot.current.rawValue)", as: name) {
        case .success(let served): return served
        case .failure(let error):
            throw ServeError(.internalServerError, "'\(name)' is installed but not served (the old version keeps serving): \(error.message)")
        }
    }

    private static func answer(_ served: ServedModel, id: String, previous: String?) -> [String: JSONValue] {
        var answer: [String: JSONValue] = ["name": .string(served.name), "version": .string(served.version), "id": .string(id), "state": "READY"]
        if let previous { answer["previous_id"] = .string(previous) }
        return answer
    }

    /// Error messages name the upload's temporary file; the client knows it as "the bundle".
    private static func withoutUploadPath(_ message: String, _ upload: String) -> String {
        message.replacing("'\(upload)': ", with: "").replacing("'\(upload)'", with: "the bundle")
    }
}

/// Runs blocking work (file locks, writes, fsync, verification, a self-test) on a Dispatch thread.
func offload<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
    let result: Result<T, E> = await withCheckedContinuation { continuation in
        DispatchQueue.global(qos: .utility).async { continuation.resume(returning: Result { () throws(E) in try body() }) }
    }
    return try result.get()
}
