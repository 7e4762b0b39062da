import BaleBundle
import BaleGraph
import BaleServer
import BaleTesting
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import Testing

/// The Open Inference Protocol endpoints, through Hummingbird's in-process test client.
@Suite struct ServerTests {
    let directory = TemporaryDirectory()

    @Test func healthMetadataAndReadiness() async throws {
        let path = try TestModels.bundle(in: directory.path)
        let server = await TestModels.server([path])
        do {
            let client = RouterClient(server)
            try await client.execute(uri: "/v2/health/live", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v2/health/ready", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(try json(response) == ["ready": true])
            }
            try await client.execute(uri: "/v2", method: .get) { response throws in
                #expect(try json(response)["extensions"] == ["binary_tensor_data", "model_repository"])
            }
            for uri in ["/v2/models/clf", "/v2/models/clf/versions/1.0"] {
                try await client.execute(uri: uri, method: .get) { response throws in
                    let body = try json(response)
                    #expect(body["name"] == "clf")
                    #expect(body["versions"] == ["1.0"])
                    #expect(body["inputs"] == [["name": "x", "datatype": "FP32", "shape": [-1, 4]]])
                    #expect(body["outputs"] == [["name": "y", "datatype": "FP32", "shape": [-1, 3]]])
                }
            }
            try await client.execute(uri: "/v2/models/clf/ready", method: .get) { response throws in #expect(try json(response) == ["name": "clf", "ready": true]) }
            try await client.execute(uri: "/v2/models/clf/versions/9/ready", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v2/models/other", method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(try json(response) == ["error": "unknown model 'other'"])
            }
        }
    }

    @Test func jsonInferenceMatchesTheModelAndEchoesTheID() async throws {
        let path = try TestModels.bundle(in: directory.path)
        let server = await TestModels.server([path])
        let x = TestModels.input(rows: 3)
        let expected = try TestModels.expected(path, x)
        do {
            let client = RouterClient(server)
            try await client.execute(uri: "/v2/models/clf/infer", method: .post, body: jsonRequest(x, id: "req-7")) { response throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let body = try json(response)
                #expect(body["id"] == "req-7")
                #expect(body["model_name"] == "clf")
                #expect(body["model_version"] == "1.0")
                #expect(body["outputs"]?.arrayValue?.first?["shape"] == [3, 3])
                #expect(body["outputs"]?.arrayValue?.first?["datatype"] == "FP32")
                #expect(close(floats(body, output: "y"), expected.asFloats))
            }
            // Nested data is accepted as well as flat data.
            let nested: JSONValue = ["inputs": [["name": "x", "datatype": "FP32", "shape": [1, 4], "data": [[0.1, 0.2, 0.3, 0.4]]]]]
            try await client.execute(uri: "/v2/models/clf/versions/1.0/infer", method: .post, body: ByteBuffer(bytes: nested.canonicalBytes)) { response throws in
                #expect(response.status == .ok)
                let want = try TestModels.expected(path, Tensor(shape: [1, 4], floats: [0.1, 0.2, 0.3, 0.4]))
                #expect(close(floats(try json(response), output: "y"), want.asFloats))
            }
        }
    }

    @Test func binaryTensorDataRoundTrips() async throws {
        let path = try TestModels.bundle(in: directory.path)
        let server = await TestModels.server([path])
        let x = TestModels.input(rows: 2, seed: 3)
        let expected = try TestModels.expected(path, x)
        let header = JSONValue.object([
            "inputs": [["name": "x", "datatype": "FP32", "shape": [2, 4], "parameters": ["binary_data_size": 32]]],
            "outputs": [["name": "y", "parameters": ["binary_data": true]]],
        ]).canonicalBytes
        let body = header + x.storage.littleEndianBytes
        let headers: HTTPFields = [HTTPField.Name("Inference-Header-Content-Length")!: String(header.count), .contentType: "application/octet-stream"]
        do {
            let client = RouterClient(server)
            try await client.execute(uri: "/v2/models/clf/infer", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response throws in
                #expect(response.status == .ok)
                let bytes = Array(response.body.readableBytesView)
                let length = try #require(response.headers[HTTPField.Name("Inference-Header-Content-Length")!].flatMap(Int.init))
                let head = try JSONParser().parse(bytes[..<length])
                #expect(head["outputs"] == [["name": "y", "datatype": "FP32", "shape": [2, 3], "parameters": ["binary_data_size": 24]]])
                let values = stride(from: length, to: bytes.count, by: 4).map { offset in
                    Float(bitPattern: bytes[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) })
                }
                #expect(values == expected.asFloats)
            }
        }
    }

    @Test func badRequestsGetOneLineErrorsNamingTheField() async throws {
        let path = try TestModels.bundle(in: directory.path)
        let server = await TestModels.server([path]) { $0.maxBodyBytes = 4096 }
        let cases: [(body: String, status: HTTPResponse.Status, error: String)] = [
            ("{bad", .badRequest, "the request is not valid JSON: line 1, column 2: expected a string object key, found 'b'"),
            ("[1]", .badRequest, "the body is not a JSON object, so it is a raw request, but this model has no preprocess plugin to take one; send KServe v2 JSON"),
            (#"{"inputs": 3}"#, .badRequest, "field 'inputs' must be an array"),
            (#"{"inputs": [{"name": "x", "datatype": "FP64", "shape": [1, 4], "data": [1, 2, 3, 4]}]}"#, .badRequest, "input 'x': datatype FP64 does not match the model's FP32"),
            (#"{"inputs": [{"name": "x", "datatype": "FP33", "shape": [1, 4], "data": [1, 2, 3, 4]}]}"#, .badRequest, "input 'x': datatype 'FP33' is not a KServe v2 datatype"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 5], "data": [1, 2, 3, 4, 5]}]}"#, .badRequest, "input 'x': shape [1, 5] does not match the model's [-1, 4]"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2]}]}"#, .badRequest, "input 'x': 2 values in 'data' do not fill shape [1, 4] (4 elements)"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, "a", 4]}]}"#, .badRequest, "input 'x': every element must be a number or a boolean"),
            (#"{"inputs": [{"name": "z", "datatype": "FP32", "shape": [1], "data": [1]}]}"#, .badRequest, "input 'z' is not an input of the model (it takes 'x')"),
            (#"{"inputs": []}"#, .badRequest, "input 'x' is missing (the model takes 'x')"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 4], "data": []}]}"#, .badRequest, "input 'x': field 'shape' must hold non-negative whole numbers"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [0, 4], "data": []}]}"#, .badRequest, "input 'x': shape [0, 4] holds no elements"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [100000000000, 100000000], "parameters": {"binary_data_size": 4}}]}"#, .badRequest, "input 'x': shape [100000000000, 100000000] is too large"),
            (#"{"id": 5, "inputs": []}"#, .badRequest, "field 'id' must be a string"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}], "outputs": [{"name": "q"}]}"#, .badRequest, "output 'q' is not an output of the model (it has 'y')"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 4], "parameters": {"binary_data_size": 16}}]}"#, .badRequest, "input 'x': binary_data_size 16 is more than the 0 bytes of binary data left in the body"),
            (String(repeating: " ", count: 5000), .contentTooLarge, "the request body of 5000 bytes is over the limit of 4096 bytes"),
        ]
        do {
            let client = RouterClient(server)
            for item in cases {
                try await client.execute(uri: "/v2/models/clf/infer", method: .post, body: ByteBuffer(string: item.body)) { response throws in
                    #expect(response.status == item.status, "\(item.body.prefix(60))")
                    #expect(try json(response) == ["error": .string(item.error)], "\(item.body.prefix(60))")
                }
            }
            try await client.execute(uri: "/v2/models/clf/infer", method: .post, headers: [.contentEncoding: "gzip"], body: ByteBuffer(string: "{}")) { response throws in
                #expect(response.status == .unsupportedMediaType)
            }
            try await client.execute(uri: "/v2/models/clf/versions/2.0/infer", method: .post, body: jsonRequest(TestModels.input(rows: 1))) { response throws in
                #expect(response.status == .notFound)
                #expect(try json(response) == ["error": "model 'clf' has no version '2.0' loaded (serving '1.0')"])
            }
            try await client.execute(uri: "/v2/nowhere", method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(try json(response) == ["error": "no endpoint GET /v2/nowhere"])
            }
            // The server still answers after every refusal.
            try await client.execute(uri: "/v2/models/clf/infer", method: .post, body: jsonRequest(TestModels.input(rows: 1))) { #expect($0.status == .ok) }
        }
    }

    @Test func aBundleThatFailsVerificationKeepsTheServerUnready() async throws {
        let good = try TestModels.bundle(in: directory.path)
        let bad = directory.path + "/broken.bale"
        var bytes = try #require(FileManager.default.contents(atPath: good))
        bytes[bytes.count / 2] ^= 0x55
        #expect(FileManager.default.createFile(atPath: bad, contents: bytes))
        let server = await TestModels.server([good, bad])
        do {
            let client = RouterClient(server)
            try await client.execute(uri: "/v2/health/ready", method: .get) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/v2/models/clf/infer", method: .post, body: jsonRequest(TestModels.input(rows: 1))) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v2/models/broken/ready", method: .get) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/metrics", method: .get) { response throws in
                let text = String(buffer: response.body)
                #expect(text.contains(#"bale_model_loads_total{model="broken",outcome="failure"} 1"#))
                #expect(text.contains(#"bale_model_ready{model="clf",version="1.0"} 1"#))
                #expect(text.contains(#"bale_server_requests_total{model="clf",version="1.0",status="200"} 1"#))
                #expect(text.contains("process_resident_memory_bytes "))
                #expect(text.contains("process_open_fds "))
                #expect(text.contains("process_cpu_seconds_total "))
            }
        }
    }
}
