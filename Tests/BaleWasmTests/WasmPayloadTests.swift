import BaleBundle
import BaleGraph
import BalePlugins
@testable import BaleWasm
import Testing

/// The ABI's buffers, byte for byte (docs/wasm-plugins.md).
@Suite struct WasmPayloadTests {
    @Test func tensorsHaveTheDocumentedLayout() throws {
        let bytes = WasmPayload.encode(.tensors(["ab": Tensor(shape: [2], floats: [1, -2])]))
        #expect(bytes == [
            3, 0, 0, 0, 1, 0, 0, 0,  // kind 3, one tensor
            1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0x61, 0x62, 0, 0,  // f32, rank 1, name "ab" padded
            2, 0, 0, 0,  // dims [2]
            0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0,  // 1.0, -2.0
        ])
        #expect(try WasmPayload.decode(bytes) == .tensors(["ab": Tensor(shape: [2], floats: [1, -2])]))
    }

    @Test func otherKindsRoundTrip() throws {
        #expect(try WasmPayload.decode(WasmPayload.encode(.bytes([9, 8]))) == .bytes([9, 8]))
        #expect(try WasmPayload.decode(WasmPayload.encode(.json(.object(["a": .number(1)])))) == .json(.object(["a": .number(1)])))
        #expect(WasmPayload.encode(.tensors(["n": Tensor(shape: [1], storage: .i64([7]))])).suffix(4) == [0, 0, 0xE0, 0x40])  // 7 as f32
    }

    @Test func recordsCarryOutcomeDurationAndOutputs() {
        let record = InferenceRecord(
            request: .bytes([]), outputs: ["y": Tensor(shape: [1], floats: [0.5])],
            timings: [.init(stage: nil, name: "model", duration: .microseconds(1500))])
        let bytes = WasmPayload.encode(record)
        #expect(Array(bytes.prefix(16)) == [4, 0, 0, 0, 1, 0, 0, 0, 0xDC, 0x05, 0, 0, 1, 0, 0, 0])
    }

    @Test(arguments: [
        ([UInt8]([1, 0]), "ends at byte 2 where its kind"),
        ([9, 0, 0, 0], "output kind 9"),
        ([4, 0, 0, 0], "output kind 4"),
        ([3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0], "dtype 2"),
        ([3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0xFF, 0xFF, 0, 0], "name runs past the end"),
        ([3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "needs more values than the buffer holds"),
        ([3, 0, 0, 0, 0, 0, 0, 0, 7], "1 bytes follow the last tensor"),
        ([2, 0, 0, 0, 0x7B], "JSON output does not parse"),
    ])
    func malformedOutputsAreRefusedWithWhatIsWrong(bytes: [UInt8], message: String) {
        let error = #expect(throws: WasmPayloadError.self) { _ = try WasmPayload.decode(bytes) }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }
}
