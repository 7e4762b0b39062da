import BaleBundle
import BaleGraph
import BalePlugins
import BaleTesting
import JSONLogPlugin
import Logging
import Testing

@Suite struct JSONLogPluginTests {
    let capture = LogCapture()

    /// The logged lines parsed as JSON.
    var entries: [JSONValue] { capture.events.compactMap { try? JSONParser().parse(Array($0.message.utf8)) } }

    func plugin(_ config: [String: String] = [:]) throws -> JSONLogPlugin {
        let context = PluginContext(
            name: "jsonlog", config: PluginConfig(plugin: "jsonlog", values: config), inputs: [], outputs: [],
            model: ModelIdentity(name: "digits", version: "1.0"))
        return try JSONLogPlugin(context, logger: capture.logger)
    }

    let ok = InferenceRecord(
        request: .bytes([1]), requestID: "r1", inputs: ["x": Tensor(shape: [1, 2], floats: [0.5, 1])],
        outputs: ["y": Tensor(shape: [1, 2], floats: [1, 2])], response: .json(.object(["label": .string("three")])),
        timings: [
            InferenceRecord.Timing(stage: .preprocess, name: "image", duration: .milliseconds(2)),
            InferenceRecord.Timing(stage: nil, name: "model", duration: .milliseconds(3)),
        ])

    @Test func oneJSONLineAnInferenceWithModelLatencyAndOutcome() throws {
        let log = try plugin()
        log.observe(ok)
        log.observe(InferenceRecord(request: .bytes([]), timings: [], error: PluginError(plugin: "image", "not an image")))
        #expect(capture.events.map(\.level) == [.info, .warning])
        let entries = entries
        try #require(entries.count == 2)
        #expect(entries[0] == .object([
            "model": .string("digits"), "version": .string("1.0"), "request_id": .string("r1"), "outcome": .string("ok"),
            "latency_ms": .number(5), "timings_ms": .object(["image": .number(2), "model": .number(3)]),
        ]))
        #expect(entries[1]["outcome"] == .string("error"))
        #expect(entries[1]["error"] == .string("plugin 'image': not an image"))
        #expect(entries[1]["request_id"] == nil)
    }

    @Test func sampledEntriesCarryInputsOutputsAndResponse() throws {
        let log = try plugin(["rate": "1"])
        log.observe(ok)
        let entry = try #require(entries.first)
        #expect(entry["inputs"] == .object(["x": .object(["dtype": .string("f32"), "shape": .array([.number(1), .number(2)]), "data": .array([.number(0.5), .number(1)])])]))
        #expect(entry["outputs"]?["y"]?["data"] == .array([.number(1), .number(2)]))
        #expect(entry["response"] == .object(["label": .string("three")]))
    }

    @Test func samplingIsDeterministicAndEvenlySpread() throws {
        let log = try plugin(["rate": "0.25"])
        for _ in 0..<12 { log.observe(ok) }
        let sampled = entries.enumerated().filter { $0.element["inputs"] != nil }.map { $0.offset + 1 }
        #expect(sampled == [4, 8, 12])
    }

    @Test func rateOutsideZeroToOneFailsNamingTheKey() {
        let error = #expect(throws: PluginError.self) { try plugin(["rate": "1.5"]) }
        #expect(error?.message == "plugin 'jsonlog': key 'rate': \"1.5\" must be a number from 0.0 to 1.0")
    }
}
