import BaleGraph
import BaleONNX
import Foundation
import Testing

/// Helpers the importer suites share; fixtures are written by Fixtures/importer/make.py.
///
/// A protocol rather than free functions, so the helpers live on the suites and never collide
/// with other tests in this module.
protocol ImporterTesting {}

extension ImporterTesting {
    /// The path of importer fixture `name` (relative to Fixtures/importer).
    func fixturePath(_ name: String) throws -> String {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return root.appendingPathComponent("importer").appendingPathComponent(name).path
    }

    /// The model in importer fixture `name`.
    func importFixture(_ name: String) throws -> ImportedModel {
        try ONNXImporter().importModel(at: fixturePath(name))
    }

    /// The error importing fixture `name` throws; records an issue when it imports.
    func importFailure(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ImportError {
        let path = try fixturePath(name)
        return try failure(sourceLocation: sourceLocation) { () throws(ImportError) in
            try ONNXImporter().importModel(at: path)
        }
    }

    /// The error `body` throws; records an issue (and throws) when it succeeds.
    func failure(
        sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(ImportError) -> ImportedModel
    ) throws -> ImportError {
        do {
            _ = try body()
        } catch {
            return error
        }
        Issue.record("import succeeded, expected an ImportError", sourceLocation: sourceLocation)
        throw ImportError("unexpected success")
    }

    /// The node of `graph` named `name`.
    func node(_ name: String, in graph: Graph, sourceLocation: SourceLocation = #_sourceLocation) throws -> Node {
        try #require(graph.nodes.first { $0.name == name }, "no node '\(name)'", sourceLocation: sourceLocation)
    }

    /// The elements of integer initializer `name` of `graph`.
    func ints(_ name: String, in graph: Graph, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Int64] {
        let tensor = try #require(graph.initializers[name], "no initializer '\(name)'", sourceLocation: sourceLocation)
        return try #require(tensor.int64s, "'\(name)' is not an integer tensor", sourceLocation: sourceLocation)
    }
}
