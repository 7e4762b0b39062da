#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// `graph.json` and tensor files: how a Graph is stored in a bundle (docs/bundle-format.md §9).
//
//   graph.json           {"format":"bale-graph","version":1,"name":..,"opsets":{..},
//                         "inputs":[ValueInfo],"outputs":[ValueInfo],"nodes":[..],
//                         "initializers":[{"name","dtype","shape","file","encoding"}],
//                         "valueTypes":{name: TensorType}}
//   tensors/NNNNNN.bin   one file per initializer, its elements in the initializer's encoding
//                        (TensorEncoding: raw, shuffle, sparse, f16, f16-shuffle, f16-sparse)

/// Encodes graphs to `graph.json` plus tensor files, and decodes them back.
public enum GraphCoding {
    /// Format name written in `graph.json`.
    public static let format = "bale-graph"
    /// Version of the `graph.json` layout this code writes and reads.
    public static let version = 1
    /// Path of the graph file in a bundle.
    public static let graphPath = "graph.json"
    /// Media type of the graph file in the manifest.
    public static let graphMediaType = "application/vnd.bale.graph+json"

    /// One tensor file to store.
    public struct TensorFile: Sendable {
        /// Path inside the bundle, e.g. `tensors/000003.bin`.
        public var path: String
        /// Initializer name.
        public var name: String
        /// The tensor.
        public var tensor: Tensor
        /// How the file stores it.
        public var encoding: TensorEncoding
    }

    /// The tensor files of `graph`'s initializers, sorted by name, raw unless `encodings` names
    /// another encoding for an initializer.
    public static func tensorFiles(of graph: Graph, encodings: [String: TensorEncoding] = [:]) -> [TensorFile] {
        graph.initializers.keys.sorted().enumerated().map { index, name in
            TensorFile(path: tensorPath(index), name: name, tensor: graph.initializers[name]!, encoding: encodings[name] ?? .raw)
        }
    }

    /// Encodes `graph`: the `graph.json` bytes and the tensor files it references (see
    /// ``tensorFiles(of:encodings:)``).
    public static func encode(_ graph: Graph, encodings: [String: TensorEncoding] = [:]) -> (json: [UInt8], tensors: [TensorFile]) {
        let files = tensorFiles(of: graph, encodings: encodings)
        let document = GraphDocument(
            format: format, version: version, name: graph.name, opsets: graph.opsets,
            inputs: graph.inputs, outputs: graph.outputs,
            nodes: graph.nodes.map(NodeDocument.init),
            initializers: files.map {
                InitializerDocument(name: $0.name, dtype: $0.tensor.dtype, shape: $0.tensor.shape, file: $0.path, encoding: $0.encoding.description)
            },
            valueTypes: graph.valueTypes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain value types cannot fail.
        return (Array(try! encoder.encode(document)), files)
    }

    /// The path of the `index`-th tensor file.
    public static func tensorPath(_ index: Int) -> String {
        let digits = String(index)
        return "tensors/" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".bin"
    }

    /// Where each initializer's bytes are, as `graph.json` declares them.
    public struct Layout: Sendable {
        /// The graph without initializer data.
        public var graph: Graph
        /// Declared initializers: name, type, shape, file path and the file's encoding.
        public var initializers: [(name: String, dtype: DType, shape: [Int], file: String, encoding: TensorEncoding)]
    }

    /// Decodes `graph.json`, checking its structure; initializer data is loaded separately with
    /// ``tensor(from:dtype:shape:name:)``.
    public static func decodeLayout(_ json: [UInt8]) throws(GraphError) -> Layout {
        let document: GraphDocument
        do {
            document = try JSONDecoder().decode(GraphDocument.self, from: Data(json))
        } catch {
            throw GraphError("\(graphPath) is not a valid Bale graph: \(describe(error))")
        }
        guard document.format == format else {
            throw GraphError("\(graphPath) has format '\(document.format)', expected '\(format)'")
        }
        guard document.version == version else {
            throw GraphError("\(graphPath) has version \(document.version); this bale reads version \(version)")
        }
        var nodes: [Node] = []
        for node in document.nodes { nodes.append(try node.node()) }
        var initializers: [(name: String, dtype: DType, shape: [Int], file: String, encoding: TensorEncoding)] = []
        for initializer in document.initializers {
            guard let encoding = TensorEncoding(initializer.encoding) else {
                throw GraphError("\(graphPath): initializer '\(initializer.name)' has unknown encoding '\(initializer.encoding)'")
            }
            if let problem = encoding.problem(for: initializer.dtype) {
                throw GraphError("\(graphPath): initializer '\(initializer.name)' has encoding '\(encoding)', which \(problem), not \(initializer.dtype)")
            }
            guard Shapes.count(initializer.shape) != nil else {
                throw GraphError("\(graphPath): initializer '\(initializer.name)' has an invalid shape \(initializer.shape)")
            }
            initializers.append((initializer.name, initializer.dtype, initializer.shape, initializer.file, encoding))
        }
        let graph = Graph(
            name: document.name, inputs: document.inputs, outputs: document.outputs, nodes: nodes,
            valueTypes: document.valueTypes, opsets: document.opsets)
        return Layout(graph: graph, initializers: initializers)
    }

    /// Builds a tensor from a whole tensor file in `encoding`, checking its size against the shape.
    public static func tensor(
        from bytes: [UInt8], dtype: DType, shape: [Int], name: String, encoding: TensorEncoding = .raw
    ) throws(GraphError) -> Tensor {
        var decoder = try TensorDecoder(name: name, dtype: dtype, shape: shape, encoding: encoding)
        try decoder.expect(fileSize: UInt64(bytes.count))
        let appended = bytes.withUnsafeBytes { raw in Result { () throws(GraphError) in try decoder.append(raw) } }
        try appended.get()
        return try decoder.finish()
    }

    private static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        switch decoding {
        case .keyNotFound(let key, let context): return "missing '\(key.stringValue)' at \(path(context.codingPath))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "wrong type at \(path(context.codingPath))"
        case .dataCorrupted(let context): return "\(context.debugDescription) at \(path(context.codingPath))"
        @unknown default: return "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
