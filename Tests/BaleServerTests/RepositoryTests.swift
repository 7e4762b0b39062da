import BaleBundle
import BaleGraph
import BalePlugins
@testable import BaleServer
import BaleTesting
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import Testing

/// The repository admin API, hot reload and the model directory.
@Suite struct RepositoryTests {
    let directory = TemporaryDirectory()
    let auth: HTTPFields = [.authorization: "Bearer s3cret"]

    @Test func theAdminAPINeedsTheToken() async throws {
        let path = try TestModels.bundle(in: directory.path)
        let off = await TestModels.server([path])
        do {
            let client = RouterClient(off)
            try await client.execute(uri: "/v2/repository/index", method: .post, headers: auth) { response throws in
                #expect(response.status == .forbidden)
                #expect(try json(response) == ["error": "the repository admin API is off; start bale serve with --admin-token-file FILE"])
            }
        }
        let on = await TestModels.server([path]) { $0.adminToken = "s3cret" }
        do {
            let client = RouterClient(on)
            try await client.execute(uri: "/v2/repository/index", method: .post) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v2/repository/index", method: .post, headers: [.authorization: "Bearer s3cre"]) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v2/repository/index", method: .post, headers: auth) { response throws in
                #expect(response.status == .ok)
                #expect(try json(response) == [["name": "clf", "state": "READY", "version": "1.0"]])
            }
        }
    }

    @Test func loadingANewVersionSwitchesAndAFailedLoadKeepsTheOldOne() async throws {
        let v1 = try TestModels.bundle(in: directory.path)
        let newer = TemporaryDirectory()
        let v2 = try TestModels.bundle(in: newer.path, version: "2.0", scale: -1)
        let x = TestModels.input(rows: 2)
        let server = await TestModels.server([v1]) { $0.adminToken = "s3cret" }
        do {
            let client = RouterClient(server)
            let load = JSONValue.object(["parameters": ["path": .string(v2)]])
            try await client.execute(uri: "/v2/repository/models/clf/load", method: .post, headers: auth, body: ByteBuffer(bytes: load.canonicalBytes)) { response throws in
                #expect(response.status == .ok)
                #expect(try json(response) == ["name": "clf", "version": "2.0", "state": "READY"])
            }
            try await client.execute(uri: "/v2/models/clf/infer", method: .post, body: jsonRequest(x)) { response throws in
                let body = try json(response)
                #expect(body["model_version"] == "2.0")
                #expect(close(floats(body, output: "y"), try TestModels.expected(v2, x).asFloats))
            }
            // A broken bundle is refused with the reason, and version 2.0 goes on serving.
            let broken = newer.path + "/broken.bale"
            #expect(FileManager.default.createFile(atPath: broken, contents: Data("not a bundle".utf8)))
            let bad = JSONValue.object(["parameters": ["path": .string(broken)]])
            try await client.execute(uri: "/v2/repository/models/clf/load", method: .post, headers: auth, body: ByteBuffer(bytes: bad.canonicalBytes)) { response throws in
                #expect(response.status == .badRequest)
                let message = try json(response)["error"]?.stringValue ?? ""
                #expect(message.hasPrefix("failed to load model 'clf': "))
            }
            try await client.execute(uri: "/v2/models/clf", method: .get) { response throws in #expect(try json(response)["versions"] == ["2.0"]) }
            try await client.execute(uri: "/v2/repository/index", method: .post, headers: auth) { response throws in
                let index = try json(response)
                #expect(index.arrayValue?.first?["state"] == "READY")
                #expect(index.arrayValue?.first?["reason"]?.stringValue?.contains("broken.bale") == true)
            }
            // Without a path, a load reloads the bundle the model last came from.
            try await client.execute(uri: "/v2/repository/models/clf/load", method: .post, headers: auth) { response throws in #expect(try json(response)["version"] == "2.0") }
            try await client.execute(uri: "/v2/repository/models/clf/unload", method: .post, headers: auth) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v2/models/clf/infer", method: .post, body: jsonRequest(x)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v2/repository/models/clf/unload", method: .post, headers: auth) { #expect($0.status == .notFound) }
        }
    }

    @Test func requestsDuringAReloadAllSucceed() async throws {
        let v1 = try TestModels.bundle(in: directory.path)
        let newer = TemporaryDirectory()
        let v2 = try TestModels.bundle(in: newer.path, version: "2.0", scale: -1)
        let server = await TestModels.server([v1])
        do {
            let client = RouterClient(server)
            let statuses = try await withThrowingTaskGroup(of: [HTTPResponse.Status].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var seen: [HTTPResponse.Status] = []
                        for round in 0..<25 {
                            seen.append(try await client.execute(uri: "/v2/models/clf/infer", method: .post, body: jsonRequest(TestModels.input(rows: 1, seed: worker * 100 + round))) { $0.status })
                        }
                        return seen
                    }
                }
                group.addTask {
                    for _ in 0..<3 {
                        _ = await server.repository.load(path: v2)
                        _ = await server.repository.load(path: v1)
                    }
                    return []
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(statuses.count == 100)
            #expect(statuses.allSatisfy { $0 == .ok })
        }
    }

    @Test func theDirectoryWatcherSeesNewChangedAndRemovedBundlesOnceSteady() throws {
        let dir = TemporaryDirectory()
        let first = dir.path + "/a.bale"
        #expect(FileManager.default.createFile(atPath: first, contents: Data("1".utf8)))
        var watcher = DirectoryWatcher(directory: dir.path)
        #expect(watcher.settle() == [first])
        #expect(watcher.poll() == ([], []))
        let second = dir.path + "/b.bale"
        #expect(FileManager.default.createFile(atPath: second, contents: Data("2".utf8)))
        #expect(FileManager.default.createFile(atPath: dir.path + "/.c.bale.tmp", contents: Data("3".utf8)))
        #expect(watcher.poll() == ([], []))  // seen once: maybe still being written
        #expect(watcher.poll() == ([second], []))
        #expect(FileManager.default.createFile(atPath: first, contents: Data("changed".utf8)))
        _ = watcher.poll()
        #expect(watcher.poll() == ([first], []))
        try FileManager.default.removeItem(atPath: second)
        #expect(watcher.poll() == ([], [second]))
    }
}
