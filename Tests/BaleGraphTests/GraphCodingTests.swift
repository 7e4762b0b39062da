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

    /// Encodes and decodes a graph through the bundle representation.
    static func roundTrip(_ graph: Graph) throws -> Graph {
        let (json, files) = GraphCoding.encode(graph)
        let layout = try GraphCoding.decodeLayout(json)
        var decoded = layout.graph
        let bytes = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.tensor.storage.littleEndianBytes) })
        for entry in layout.initializers {
            decoded.initializers[entry.name] = try GraphCoding.tensor(from: bytes[entry.file]!, dtype: entry.dtype, shape: entry.shape, name: entry.name)
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
}
