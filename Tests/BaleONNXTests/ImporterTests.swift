import BaleGraph
import BaleONNX
import BaleTesting
import Foundation
import Testing

@Suite("ONNX importer")
struct ImporterTests: ImporterTesting {
    // MARK: - Graph, values, names, Constants

    @Test func convertsGraphInputsOutputsAndMetadata() throws {
        let model = try importFixture("basic.onnx")
        #expect(model.producerName == "bale-tests")
        #expect(model.producerVersion == "1.0")
        #expect(model.irVersion == 8)
        #expect(model.opsetImports == ["": 13])
        #expect(model.warnings.isEmpty)
        let graph = model.graph
        #expect(graph.name == "basic")
        // "w" is also an initializer, so it is not an input a caller feeds.
        #expect(
            graph.inputs == [
                ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(2)])),
                ValueInfo(
                    name: "mask", type: TensorType(dtype: .bool, shape: [.symbolic(""), .symbolic("seq"), .fixed(4)])),
            ])
        #expect(graph.outputs.map(\.name) == ["t", "z"])
        #expect(graph.outputs[1].type == TensorType(dtype: .i64, shape: [.fixed(4), .fixed(5), .fixed(6)]))
        #expect(graph.valueTypes["h"] == TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(3)]))
        #expect(graph.valueTypes["a"] == TensorType(dtype: .f32, shape: nil))
        #expect(graph.initializers["w"] == Tensor(shape: [2, 3], floats: [0, 1, 2, 3, 4, 5]))
    }

    @Test func namesUnnamedNodesAndTurnsConstantsIntoInitializers() throws {
        let graph = try importFixture("basic.onnx").graph
        #expect(graph.nodes.map(\.name) == ["matmul", "LeakyRelu_1", "Add_7", "fill", "transpose"])
        #expect(try node("LeakyRelu_1", in: graph).attributes == ["alpha": .float(0.2)])
        #expect(try node("transpose", in: graph).attributes == ["perm": .ints([1, 0])])
        #expect(try node("fill", in: graph).attributes == ["value": .tensor(Tensor(shape: [1], int64s: [2]))])
        #expect(graph.initializers["c_tensor"] == Tensor(shape: [3], floats: [1, 2, 3]))
        #expect(graph.initializers["c_float"] == Tensor(shape: [], floats: [0.5]))
        #expect(graph.initializers["c_floats"] == Tensor(shape: [2], floats: [1, 2]))
        #expect(graph.initializers["c_int"] == Tensor(shape: [], int64s: [7]))
        #expect(graph.initializers["c_ints"] == Tensor(shape: [3], int64s: [4, 5, 6]))
    }

    @Test func keepsEveryAttributeKind() throws {
        let identity = try node("id", in: importFixture("attributes.onnx").graph)
        #expect(
            identity.attributes == [
                "an_int": .int(3), "a_float": .float(1.5), "a_string": .string("same"),
                "ints": .ints([1, -2]), "floats": .floats([0.25, 4]), "strings": .strings(["a", "b"]),
                "tensor": .tensor(Tensor(shape: [1, 2], storage: .i32([1, 2]))),
            ])
    }

    @Test func foldsTheAiOnnxDomainIntoTheDefaultDomain() throws {
        let model = try importFixture("domains.onnx")
        #expect(model.opsetImports == ["": 15, "ai.onnx.ml": 3])
        #expect(model.graph.nodes.map(\.domain) == ["", "ai.onnx.ml"])
    }

    @Test func sortsNodesIntoTopologicalOrder() throws {
        let graph = try importFixture("unsorted.onnx").graph
        #expect(graph.nodes.map(\.name) == ["first", "second", "third"])
    }

    @Test func importsFromMemoryLikeFromAFile() throws {
        let path = try fixturePath("basic.onnx")
        let bytes = readBytes(path)
        let fromMemory = try ONNXImporter().importModel(data: bytes)
        #expect(try fromMemory == importFixture("basic.onnx"))
    }

    // MARK: - Tensor encodings

    @Test(arguments: [
        ("f16_raw", TensorStorage.f16([0x3C00, 0xC000, 0x3800]), [3]),
        ("f16_typed", .f16([0x3C00, 0xC000, 0x3800]), [3]),
        ("bool_raw", .bool([true, false, true]), [3]),
        ("bool_typed", .bool([true, false, true]), [3]),
        ("i64_raw", .i64([-1, 1 << 40]), [1, 2]),
        ("i64_typed", .i64([-1, 1 << 40]), [1, 2]),
        ("i8_typed", .i8([-128, 127]), [2]),
        ("u8_raw", .u8([0, 255]), [2]),
        ("i32_typed", .i32([-5, 6]), [2]),
        ("f32_typed", .f32([1.5, -2.5]), [2]),
        ("f64_typed", .f32([0.25, 3]), [2]),
        ("f64_raw", .f32([0.5, -8]), [2]),
        ("scalar", .f32([4]), []),
    ])
    func decodesEveryEncoding(name: String, storage: TensorStorage, shape: [Int]) throws {
        let model = try importFixture("dtypes.onnx")
        #expect(model.graph.initializers[name] == Tensor(shape: shape, storage: storage))
    }

    @Test func reportsNarrowedDoubles() throws {
        let warnings = try importFixture("dtypes.onnx").warnings
        #expect(
            warnings == [
                "initializer 'f64_typed' converted from DOUBLE to FLOAT (f32)",
                "initializer 'f64_raw' converted from DOUBLE to FLOAT (f32)",
            ])
    }

    // MARK: - External data

    @Test func readsExternalData() throws {
        let graph = try importFixture("external/model.onnx").graph
        #expect(graph.initializers["w"] == Tensor(shape: [2, 3], floats: [0, 1, 2, 3, 4, 5]))
        #expect(graph.initializers["ids"] == Tensor(shape: [2], int64s: [3, -4]))
    }

    @Test(arguments: [
        ("external/escape.onnx", "external data location '../outside.bin' leaves the model's directory"),
        ("external/absolute.onnx", "external data location '/etc/hostname' leaves the model's directory"),
        (
            "external/past-end.onnx",
            "external data needs 1099511627776 bytes at offset 8 of 'weights.bin', which has only 44 bytes"
        ),
        ("external/wrong-count.onnx", "external data has 24 bytes, but its dims and element type call for 48"),
        ("external/missing-file.onnx", "cannot open external data file"),
    ])
    func refusesBadExternalData(fixture: String, message: String) throws {
        let error = try importFailure(fixture)
        #expect(error.message.hasPrefix("initializer 'w': "), "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    @Test func refusesExternalDataThroughASymbolicLinkOutsideTheModelDirectory() throws {
        // The model names "weights.bin"; make that a link to a file outside the directory.
        let directory = TemporaryDirectory()
        let model = try directory.write("model.onnx", readBytes(fixturePath("external/model.onnx")))
        try FileManager.default.createSymbolicLink(
            atPath: directory.file("weights.bin"), withDestinationPath: fixturePath("external/weights.bin"))
        let error = try failure { () throws(ImportError) in try ONNXImporter().importModel(at: model) }
        #expect(error.message.contains("outside the model's directory"), "\(error)")
    }

    @Test func refusesExternalDataForAModelInMemory() throws {
        let bytes = try readBytes(fixturePath("external/model.onnx"))
        let error = try failure { () throws(ImportError) in try ONNXImporter().importModel(data: bytes) }
        #expect(error.message.contains("without a base directory"), "\(error)")
    }
}
