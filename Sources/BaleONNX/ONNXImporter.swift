public import BaleGraph
import SwiftProtobuf

/// Reads ONNX models into Bale's graph IR.
///
/// The importer decodes the protobuf, converts initializers, graph inputs and outputs, declared
/// value types and nodes, turns `Constant` nodes into initializers, rewrites older opset forms
/// (ONNX opsets 7 to 21) into the canonical forms of docs/operators.md, and checks the result:
/// every operator is one Bale implements, every value is produced once and before it is used,
/// and every graph output is produced. Errors are one line naming the file, node or value.
///
/// Element types: FLOAT, FLOAT16, INT8, UINT8, INT32, INT64 and BOOL map to Bale's types.
/// DOUBLE initializers (and `Constant` values) are narrowed to f32 and listed in
/// ``ImportedModel/warnings``; any other type is refused, naming the value.
///
/// ```swift
/// let imported = try ONNXImporter().importModel(at: "models/resnet18.onnx")
/// print(imported.producerName, imported.graph.nodes.count)
/// ```
public struct ONNXImporter: Sendable {
    /// Bounds on what the importer reads.
    public var limits: Limits

    /// Creates an importer.
    ///
    /// - Parameter limits: Size and nesting bounds; the defaults suit any real ONNX model.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Imports the model file at `path`.
    ///
    /// A file larger than ``Limits/maxModelSize`` is refused before it is read. External data
    /// files (`data_location = EXTERNAL`) are read relative to the file's directory and must
    /// stay inside it.
    ///
    /// - Parameter path: The `.onnx` file.
    /// - Returns: The graph in canonical form and the model's metadata.
    /// - Throws: ``ImportError``, one line naming the file, node or value at fault.
    public func importModel(at path: String) throws(ImportError) -> ImportedModel {
        let file = try ReadableFile(path: path)
        guard file.size <= limits.maxModelSize else {
            throw ImportError(
                .limitExceeded,
                "'\(path)' is \(formatByteCount(file.size)), more than the \(formatByteCount(limits.maxModelSize)) limit for an ONNX model file"
            )
        }
        let bytes = try file.readAll()
        return try importModel(data: bytes, baseDirectory: Paths.directory(of: path), name: path)
    }

    /// Imports a model held in memory.
    ///
    /// - Parameters:
    ///   - data: The serialized `ModelProto`.
    ///   - baseDirectory: The directory external data paths are relative to; with `nil`, a
    ///     model with external data is refused.
    ///   - name: How messages name the model, e.g. its file name.
    /// - Returns: The graph in canonical form and the model's metadata.
    /// - Throws: ``ImportError``, one line naming the model, node or value at fault.
    public func importModel(
        data: [UInt8], baseDirectory: String? = nil, name: String = "model.onnx"
    ) throws(ImportError) -> ImportedModel {
        guard UInt64(data.count) <= limits.maxModelSize else {
            throw ImportError(
                .limitExceeded,
                "'\(name)' is \(formatByteCount(UInt64(data.count))), more than the \(formatByteCount(limits.maxModelSize)) limit for an ONNX model file"
            )
        }
        let model = try decode(data, name: name)
        guard model.hasGraph else {
            throw ImportError("'\(name)' is not a valid ONNX model: it has no graph")
        }
        let opsets = try OpsetImports(model.opsetImport)
        var converter = GraphConverter(baseDirectory: baseDirectory)
        var graph = try converter.convert(model.graph, opsets: opsets)
        if opsets.versions[""] == nil, let node = graph.nodes.first(where: { $0.domain.isEmpty }) {
            throw ImportError("the model imports no version of the default ONNX opset (domain '' or 'ai.onnx'), but node '\(node.name)' (\(node.opType)) is an ONNX operator")
        }
        var normalizer = OpsetNormalizer(graph: graph, opset: opsets.onnx)
        graph = try normalizer.normalize()
        try GraphValidator.validate(&graph)
        return ImportedModel(
            graph: graph, producerName: model.producerName, producerVersion: model.producerVersion,
            irVersion: Int(truncatingIfNeeded: model.irVersion), opsetImports: opsets.versions,
            warnings: converter.warnings)
    }

    // MARK: - Decoding

    /// The `ModelProto` in `data`, with SwiftProtobuf errors turned into one line naming `name`.
    private func decode(_ data: [UInt8], name: String) throws(ImportError) -> Onnx_ModelProto {
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = limits.messageDepthLimit
        // Fields Bale does not read (functions, training info, sparse initializers, ...) are dropped.
        options.discardUnknownFields = true
        do {
            return try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch let error as BinaryDecodingError {
            let reason =
                switch error {
                case .truncated: "the data ends in the middle of a field (truncated file?)"
                case .invalidUTF8: "a string field is not valid UTF-8"
                case .malformedProtobuf: "malformed protobuf data (not an ONNX file, or corrupted)"
                case .messageDepthLimit: "messages are nested more than \(limits.messageDepthLimit) deep"
                default: "\(error)"
                }
            throw ImportError("'\(name)' is not a valid ONNX model: \(reason)")
        } catch {
            throw ImportError("'\(name)' is not a valid ONNX model: \(error)")
        }
    }
}

// MARK: - Limits

extension ONNXImporter {
    /// Bounds on what the importer reads; each has a default.
    public struct Limits: Sendable, Hashable {
        /// Largest model file accepted, in bytes (default 4 GiB). External data files are
        /// bounded by their own sizes and the tensors' dims instead.
        public var maxModelSize: UInt64
        /// Deepest nesting of protobuf messages accepted (default 64; a valid model needs
        /// fewer than 10).
        public var messageDepthLimit: Int

        /// Creates limits.
        ///
        /// - Parameters:
        ///   - maxModelSize: Largest model file accepted, in bytes.
        ///   - messageDepthLimit: Deepest protobuf message nesting accepted.
        public init(maxModelSize: UInt64 = 4 << 30, messageDepthLimit: Int = 64) {
            self.maxModelSize = maxModelSize
            self.messageDepthLimit = messageDepthLimit
        }
    }
}

// MARK: - Result

/// An imported model: its graph in canonical form and the metadata Bale records.
public struct ImportedModel: Sendable, Hashable {
    /// The graph, in topological order, with every opset rewrite applied.
    public var graph: Graph
    /// The tool that wrote the model (`producer_name`), e.g. `pytorch`.
    public var producerName: String
    /// Its version (`producer_version`).
    public var producerVersion: String
    /// The ONNX IR version of the file.
    public var irVersion: Int
    /// Opset version per imported domain, as the model declares them (`""` is ONNX).
    public var opsetImports: [String: Int]
    /// Conversions a user may want to know about, e.g. DOUBLE initializers narrowed to f32.
    public var warnings: [String]

    /// Creates an imported model.
    public init(
        graph: Graph, producerName: String, producerVersion: String, irVersion: Int, opsetImports: [String: Int],
        warnings: [String] = []
    ) {
        self.graph = graph
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.irVersion = irVersion
        self.opsetImports = opsetImports
        self.warnings = warnings
    }
}
