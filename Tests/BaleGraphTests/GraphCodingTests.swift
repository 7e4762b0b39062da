import BaleGraph
import Foundation
import Testing

@Suite struct GraphCodingTests {
    static func sample() -> Graph {
        Graph(
            name: "g",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(4)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: nil))],
            nodes: [
                Node(name: "fc", opType: "Gemm", inputs: ["x", "w", ""], outputs: ["h"], attributes: [
                    "transB": .int(1), "alpha": .float(0.5), "activation": .string("Clip"),
                    "activation_max": .float(.infinity), "perm": .ints([1, 0]), "scales": .floats([1.5, -2]),
                    "names": .strings(["a", "b"]),
                ]),
                Node(name: "fill", opType: "ConstantOfShape", domain: "", inputs: ["s"], outputs: ["y"], attributes: [
                    "value": .tensor(Tensor(shape: [1], int64s: [1 << 40])),
                ]),
                Node(name: "ml", opType: "ArrayFeatureExtractor", domain: "ai.onnx.ml", inputs: ["h", "i"], outputs: ["z"]),
            ],
            initializers: [
                "w": Tensor(shape: [3, 4], floats: (0..<12).map { Float($0) / 7 }),
                "s": Tensor(shape: [2], int64s: [2, -3]),
                "i": Tensor(shape: [2], storage: .i32([1, -1])),
                "m": Tensor(shape: [3], storage: .bool([true, false, true])),
                "h16": Tensor(shape: [2], storage: .f16([Float16(1.5).bitPattern, Float16(-0.25).bitPattern])),
                "b": Tensor(shape: [2], storage: .u8([0, 255])),
                "c": Tensor(shape: [2], storage: .i8([-128, 127])),
                "scalar": Tensor(shape: [], floats: [3]),
            ],
            valueTypes: ["h": TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(3)])],
            opsets: ["": 17, "ai.onnx.ml": 3])
    }

    /// Encodes and decodes a graph through the bundle representation, some tensors in
    /// encodings other than raw (graph.json carries each file's encoding).
    static func roundTrip(_ graph: Graph) throws -> Graph {
        let encodings = ["w": TensorEncoding("shuffle")!, "s": TensorEncoding("sparse")!, "m": TensorEncoding("sparse")!, "h16": TensorEncoding("shuffle")!]
        let (json, files) = GraphCoding.encode(graph, encodings: encodings)
        let layout = try GraphCoding.decodeLayout(json)
        #expect(Dictionary(uniqueKeysWithValues: layout.initializers.map { ($0.name, $0.encoding) }).filter { $0.value != .raw } == encodings)
        var decoded = layout.graph
        let bytes = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.encoding.encode($0.tensor)) })
        for entry in layout.initializers {
            decoded.initializers[entry.name] = try GraphCoding.tensor(
                from: bytes[entry.file]!, dtype: entry.dtype, shape: entry.shape, name: entry.name, encoding: entry.encoding)
        }
        return decoded
    }

    @Test func graphRoundTripsThroughJSONAndTensorFiles() throws {
        let graph = Self.sample()
        #expect(try Self.roundTrip(graph) == graph)
    }

    @Test func encodingIsDeterministic() {
        #expect(GraphCoding.encode(Self.sample()).json == GraphCoding.encode(Self.sample()).json)
        #expect(GraphCoding.encode(Self.sample()).tensors.map(\.path) == (0..<8).map(GraphCoding.tensorPath))
    }

    @Test(arguments: [
        (#"{"format":"x"}"#, "not a valid Bale graph"),
        (#"{"format":"onnx","version":1,"name":"","opsets":{},"inputs":[],"outputs":[],"nodes":[],"initializers":[],"valueTypes":{}}"#, "format 'onnx'"),
        (#"{"format":"bale-graph","version":9,"name":"","opsets":{},"inputs":[],"outputs":[],"nodes":[],"initializers":[],"valueTypes":{}}"#, "version 9"),
        (#"{"format":"bale-graph","version":1,"name":"","opsets":{},"inputs":[],"outputs":[],"nodes":[{"name":"n","op":"Relu","inputs":[],"outputs":[],"attributes":{"a":{"int":1,"float":2}}}],"initializers":[],"valueTypes":{}}"#, "node 'n' attribute 'a'"),
        (#"{"format":"bale-graph","version":1,"name":"","opsets":{},"inputs":[],"outputs":[],"nodes":[],"initializers":[{"name":"w","dtype":"f32","shape":[-1],"file":"t","encoding":"raw"}],"valueTypes":{}}"#, "invalid shape"),
        (#"{"format":"bale-graph","version":1,"name":"","opsets":{},"inputs":[],"outputs":[],"nodes":[],"initializers":[{"name":"w","dtype":"f32","shape":[1],"file":"t","encoding":"zip"}],"valueTypes":{}}"#, "unknown encoding"),
        (#"{"format":"bale-graph","version":1,"name":"","opsets":{},"inputs":[],"outputs":[],"nodes":[],"initializers":[{"name":"w","dtype":"f64","shape":[1],"file":"t","encoding":"raw"}],"valueTypes":{}}"#, "not a valid Bale graph"),
    ])
    func malformedGraphJSONIsRefused(_ json: String, _ mention: String) {
        do {
            _ = try GraphCoding.decodeLayout(Array(json.utf8))
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains(mention), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
    }

    @Test func tensorBytesMustMatchTheShape() {
        #expect(throws: GraphError.self) { try GraphCoding.tensor(from: [0, 0, 0], dtype: .f32, shape: [1], name: "w") }
        #expect(throws: GraphError.self) { try GraphCoding.tensor(from: [], dtype: .f32, shape: [Int.max, 2], name: "w") }
    }

    /// Tensor files stream into their storage chunk by chunk; any split gives the same tensor,
    /// and too many or too few bytes are refused with the tensor's name.
    @Test(arguments: [DType.f32, .f16, .i8, .u8, .i32, .i64, .bool])
    func tensorDecoderAcceptsAnyChunking(_ dtype: DType) throws {
        let shape = [3, 5]
        let bytes = (0..<(15 * dtype.byteSize)).map { UInt8(truncatingIfNeeded: $0 * 37 + 1) }
        let whole = try GraphCoding.tensor(from: bytes, dtype: dtype, shape: shape, name: "t")
        #expect(whole.storage.littleEndianBytes == (dtype == .bool ? bytes.map { $0 != 0 ? 1 : 0 } : bytes))
        for chunk in [1, 3, 7, bytes.count] {
            var decoder = try TensorDecoder(name: "t", dtype: dtype, shape: shape)
            for start in stride(from: 0, to: bytes.count, by: chunk) {
                try bytes[start..<min(bytes.count, start + chunk)].withUnsafeBytes { try decoder.append($0) }
            }
            #expect(try decoder.finish().storage.littleEndianBytes == whole.storage.littleEndianBytes, "chunks of \(chunk)")
        }
        var long = try TensorDecoder(name: "t", dtype: dtype, shape: shape)
        let error = #expect(throws: GraphError.self) { try (bytes + [0]).withUnsafeBytes { try long.append($0) } }
        #expect(error?.message.contains("tensor 't' has more than") == true)
        var short = try TensorDecoder(name: "t", dtype: dtype, shape: shape)
        try bytes.dropLast().withUnsafeBytes { try short.append($0) }
        #expect(throws: GraphError.self) { try short.finish() }
    }
}
