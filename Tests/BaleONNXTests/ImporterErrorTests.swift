import BaleGraph
import BaleONNX
import BaleTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("ONNX importer errors")
struct ImporterErrorTests: ImporterTesting {
    // MARK: - Models the importer refuses

    @Test func listsEveryUnsupportedOperatorInOneError() throws {
        let error = try importFailure("invalid/unsupported-ops.onnx")
        #expect(error.code == .unsupported)
        #expect(error.message == "unsupported operators: LSTM (nodes lstm_1, lstm_2), NonMaxSuppression (node nms)")
    }

    @Test(arguments: [
        (
            "invalid/dangling-input.onnx", ImportError.Code.invalidModel,
            "node 'add' reads 'missing', which is not a graph input, an initializer or any node's output"
        ),
        ("invalid/cycle.onnx", .invalidModel, "the graph has a cycle through node"),
        ("invalid/duplicate-output.onnx", .invalidModel, "value 'y' is produced twice: by node 'r1' and node 'r2'"),
        ("invalid/output-not-produced.onnx", .invalidModel, "graph output 'y' is not produced"),
        ("invalid/opset-6.onnx", .unsupported, "the model uses ONNX opset 6; Bale supports opsets 7 to 21"),
        ("invalid/opset-22.onnx", .unsupported, "the model uses ONNX opset 22; Bale supports opsets 7 to 21"),
        ("invalid/graph-attribute.onnx", .unsupported, "node 'with_graph' attribute 'body' is a subgraph (GRAPH)"),
        ("invalid/sparse-constant.onnx", .unsupported, "node 'sparse' attribute 'sparse_value' has type SPARSE_TENSOR"),
        ("invalid/bfloat16-initializer.onnx", .unsupported, "initializer 'bf16_weight' has element type BFLOAT16"),
        ("invalid/double-input.onnx", .unsupported, "graph input 'd' has element type DOUBLE"),
    ])
    func refusesInvalidModels(fixture: String, code: ImportError.Code, message: String) throws {
        let error = try importFailure(fixture)
        #expect(error.code == code, "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect(!error.message.contains("\n"))
    }

    @Test func namesTheNodesOfACycle() throws {
        let error = try importFailure("invalid/cycle.onnx")
        #expect(
            error.message.hasSuffix("'loop_a' → 'loop_b' → 'loop_a'")
                || error.message.hasSuffix("'loop_b' → 'loop_a' → 'loop_b'"), "\(error)")
    }

    @Test func refusesAGarbageFileNamingIt() throws {
        let path = try fixturePath("invalid/garbage.onnx")
        let error = try importFailure("invalid/garbage.onnx")
        #expect(error.message.hasPrefix("'\(path)' is not a valid ONNX model: "), "\(error)")
    }

    @Test func refusesATruncatedFileNamingIt() throws {
        let bytes = try readBytes(fixturePath("basic.onnx"))
        let directory = TemporaryDirectory()
        let path = directory.write("truncated.onnx", Array(bytes.prefix(bytes.count / 2)))
        let error = try failure { () throws(ImportError) in try ONNXImporter().importModel(at: path) }
        #expect(
            error.message
                == "'\(path)' is not a valid ONNX model: the data ends in the middle of a field (truncated file?)")
    }

    @Test func refusesEveryTruncationOfAModel() throws {
        let bytes = try readBytes(fixturePath("basic.onnx"))
        for length in 0..<bytes.count {
            let result = Result { () throws(ImportError) in
                try ONNXImporter().importModel(data: Array(bytes[..<length]))
            }
            if case .success = result { Issue.record("a prefix of \(length) of \(bytes.count) bytes imported") }
        }
    }

    @Test func refusesAModelOverTheSizeLimit() throws {
        let importer = ONNXImporter(limits: .init(maxModelSize: 100))
        let path = try fixturePath("basic.onnx")
        let error = try failure { () throws(ImportError) in try importer.importModel(at: path) }
        #expect(error.code == .limitExceeded)
        #expect(error.message.contains("more than the 100 bytes limit"), "\(error)")
    }

    @Test func refusesAMissingFile() throws {
        let error = try failure { () throws(ImportError) in
            try ONNXImporter().importModel(at: "/nonexistent/model.onnx")
        }
        #expect(error.code == .io)
        #expect(error.message == "cannot open '/nonexistent/model.onnx': No such file or directory")
    }

    @Test func refusesAFIFOWithoutWaitingForAWriter() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("fifo.onnx")
        try #require(mkfifo(path, 0o600) == 0)
        let error = try failure { () throws(ImportError) in try ONNXImporter().importModel(at: path) }
        #expect(error.message == "cannot read '\(path)': not a regular file")
    }

    // MARK: - Hostile input

    /// Corrupted copies of real fixtures must import or fail with an error, never trap.
    @Test(arguments: [
        "basic.onnx", "dtypes.onnx", "rewrite/softmax-v11.onnx", "rewrite/batchnorm-v7.onnx", "external/model.onnx",
    ])
    func survivesCorruptedBytes(fixture: String) throws {
        let path = try fixturePath(fixture)
        let original = readBytes(path)
        let directory = (path as NSString).deletingLastPathComponent
        // Each round overwrites 1 to 4 bytes, positions and values from a seeded stream.
        var random = pseudoRandomBytes(600 * 4 * 3, seed: 0xBA1E).makeIterator()
        func next() -> Int { Int(random.next() ?? 0) }
        for _ in 0..<600 {
            var bytes = original
            for _ in 0...(next() % 4) {
                bytes[(next() << 8 | next()) % bytes.count] = UInt8(next())
            }
            let result = Result { () throws(ImportError) in
                try ONNXImporter().importModel(data: bytes, baseDirectory: directory)
            }
            if case .failure(let error) = result, error.message.contains(where: \.isNewline) {
                Issue.record("a message spans lines: \(error.message)")
            }
        }
    }

    @Test func messagesStayOnOneLine() {
        let error = ImportError("node 'a\nb\u{202E}' is bad")
        #expect(error.message == "node 'a\\u{A}b\\u{202E}' is bad")
        #expect(ImportError(String(repeating: "x", count: 5_000)).message.count == 2_001)
    }
}
