import HTTPTypes
import BaleBundle
import BaleDeploy
import Crypto
import Hummingbird

/// The Triton-style repository admin API, behind `Authorization: Bearer <token>`:
/// `POST /v2/repository/index` lists every model with its state, version and the reason of a
/// failed load; `POST /v2/repository/models/{name}/load` loads (or reloads) a model, verifying
/// and warming the new version before it replaces the one served; `.../unload` stops serving it.
///
/// With `--model-dir`, `.../deploy` and `.../rollback` install into device directories
/// (AdminEndpoints+Deploy.swift).
///
/// A load takes the bundle from `{"parameters": {"path": "/x/model.bale"}}` in the body, else
/// from where the model was last loaded, else `--model-dir`/`{name}/current` (a device
/// directory) or `--model-dir`/`{name}.bale`.
struct AdminEndpoints: Sendable {
    let repository: ModelRepository
    let options: ServerOptions
    /// Orders the deploys and rollbacks of each model.
    let deploys = DeploySerializer()

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v2/repository/index") { request, _ in
            try authorize(request)
            return Response.json(repository.index)
        }
        router.post("/v2/repository/models/:name/load") { request, context in
            try authorize(request)
            let name = try context.parameters.require("name")
            let path = try await bundlePath(for: name, request: request)
            switch await repository.load(path: path, as: name) {
            case .success(let served): return Response.json(["name": .string(served.name), "version": .string(served.version), "state": "READY"])
            case .failure(let error): throw error
            }
        }
        router.post("/v2/repository/models/:name/unload") { request, context in
            try authorize(request)
            let name = try context.parameters.require("name")
            try repository.unload(name)
            return Response.json(["name": .string(name), "state": "UNAVAILABLE"])
        }
        addDeploy(to: router)
    }

    /// Refuses the request (401, or 403 with the API off) unless it carries the admin token.
    func authorize(_ request: Request) throws(ServeError) {
        guard let token = options.adminToken else {
            throw ServeError(.forbidden, "the repository admin API is off; start bale serve with --admin-token-file FILE")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw ServeError(.unauthorized, "the repository admin API needs 'Authorization: Bearer <token>'")
        }
        // Compare digests, so the time taken says nothing about how much of the token matched.
        guard SHA256.hash(data: Array(header.dropFirst(7).utf8)) == SHA256.hash(data: Array(token.utf8)) else {
            throw ServeError(.unauthorized, "the admin token is wrong")
        }
    }

    private func bundlePath(for name: String, request: Request) async throws(ServeError) -> String {
        let body = try await InferenceEndpoint.body(of: request, limit: 1 << 16)
        if body.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            guard case .object(let object)? = try? JSONParser().parse(body) else {
                throw ServeError.badRequest("the load request must be a JSON object, e.g. {\"parameters\": {\"path\": \"/x/\(name).bale\"}}")
            }
            switch object["parameters"]?["path"] {
            case .string(let path)?: return path
            case nil: break
            default: throw ServeError.badRequest("parameter 'path' must be a string")
            }
        }
        if let known = repository.path(of: name) { return known }
        if let directory = options.modelDirectory {
            let device = DeviceDirectory(path: "\(directory)/\(name)")
            return device.id(of: .current) != nil ? "\(device.path)/\(DeviceDirectory.Slot.current.rawValue)" : "\(directory)/\(name).bale"
        }
        throw ServeError(.notFound, "no bundle is known for model '\(name)'; give {\"parameters\": {\"path\": \"/x/\(name).bale\"}}")
    }
}
