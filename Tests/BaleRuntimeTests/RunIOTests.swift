import BaleBundle
import BaleGraph
import BaleRuntime
import Testing

@Suite struct RunIOTests {
    @Test(arguments: [
        ("logits", "logits.npy"), ("out/0", "out%2F0.npy"), ("a:b c", "a%3Ab%20c.npy"), ("..", "%2E%2E.npy"),
        (".", "%2E.npy"), ("", "%.npy"), ("é", "%C3%A9.npy"), ("x%41", "x%2541.npy"),
    ])
    func outputFileNamesAreEscaped(_ name: String, _ file: String) {
        #expect(OutputFileName.forOutput(name) == file)
    }

    @Test func jsonTensorsDecodeFromNestingOrShapeAndData() throws {
        let nested = try JSONParser().parse(Array("[[1, 2, 3], [4, 5, 6]]".utf8))
        #expect(try JSONTensor.decode(nested, dtype: .f32, name: "x") == Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]))
        let object = try JSONParser().parse(Array(#"{"shape": [3], "data": [1, 0, 7]}"#.utf8))
        #expect(try JSONTensor.decode(object, dtype: .i64, name: "x") == Tensor(shape: [3], int64s: [1, 0, 7]))
        #expect(try JSONTensor.decode(.number(2.5), dtype: .f32, name: "x") == Tensor(shape: [], floats: [2.5]))
    }

    @Test(arguments: ["[[1, 2], [3]]", "[1, [2]]", #"{"shape": [2], "data": [1]}"#, "[1.5]", #"["a"]"#])
    func badJSONTensorsAreRefused(_ text: String) throws {
        let value = try JSONParser().parse(Array(text.utf8))
        let dtype: DType = text == "[1.5]" ? .i64 : .f32
        #expect(throws: RuntimeError.self) { try JSONTensor.decode(value, dtype: dtype, name: "x") }
    }
}
