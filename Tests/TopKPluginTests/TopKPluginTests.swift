import BaleBundle
import BaleGraph
import BalePlugins
import Testing
import TopKPlugin

@Suite struct TopKPluginTests {
    static let outputs = [
        ValueInfo(name: "label", type: TensorType(dtype: .i64, shape: [.symbolic("N")])),
        ValueInfo(name: "probabilities", type: TensorType(dtype: .f32, shape: [.symbolic("N"), .fixed(4)])),
    ]
    static let labels = Array("cat\ndog\r\nbird\nfish\n".utf8)

    func plugin(_ config: [String: String], assets: [String: [UInt8]] = ["labels.txt": labels]) throws -> TopKPlugin {
        try TopKPlugin(PluginContext(name: "topk", config: PluginConfig(plugin: "topk", values: config), assets: assets, inputs: [], outputs: Self.outputs))
    }

    func entry(_ index: Int, _ score: Double, _ label: String? = nil) -> JSONValue {
        var object: [String: JSONValue] = ["index": .number(Double(index)), "score": .number(score)]
        if let label { object["label"] = .string(label) }
        return .object(object)
    }

    let scores: Payload = .tensors([
        "label": Tensor(shape: [1], int64s: [1]),
        "probabilities": Tensor(shape: [1, 4], floats: [0.125, 0.5, 0.25, 0.125]),
    ])

    @Test func bestFirstWithLabelsFromTheAsset() throws {
        let response = try plugin(["k": "3", "labels": "labels.txt"]).postprocess(scores)
        // Ties keep the lower index first.
        #expect(response == .json(.object(["topk": .array([entry(1, 0.5, "dog"), entry(2, 0.25, "bird"), entry(0, 0.125, "cat")])])))
    }

    @Test func defaultsTakeTheFirstFloatOutputWithoutLabelsAndCapKAtTheClasses() throws {
        let response = try plugin([:]).postprocess(scores)
        #expect(response == .json(.object(["topk": .array([entry(1, 0.5), entry(2, 0.25), entry(0, 0.125), entry(3, 0.125)])])))
    }

    @Test func aBatchGivesOneListARow() throws {
        let batch: Payload = .tensors(["probabilities": Tensor(shape: [2, 4], floats: [0, 1, 0, 0, 0, 0, 0, 1])])
        let response = try plugin(["k": "1", "output": "probabilities"]).postprocess(batch)
        #expect(response == .json(.object(["topk": .array([.array([entry(1, 1)]), .array([entry(3, 1)])])])))
    }

    @Test func configErrorsNameTheKey() {
        let output = #expect(throws: PluginError.self) { try plugin(["output": "logits"]) }
        #expect(output?.message == "plugin 'topk': key 'output': \"logits\" is not a model output (outputs: label, probabilities)")
        let k = #expect(throws: PluginError.self) { try plugin(["k": "0"]) }
        #expect(k?.message == "plugin 'topk': key 'k': \"0\" must be a whole number from 1 to 100000")
        let labels = #expect(throws: PluginError.self) { try plugin(["labels": "names.txt"]) }
        #expect(labels?.message.hasPrefix("plugin 'topk': key 'labels': asset 'names.txt' is not in the bundle (plugins/topk/ holds labels.txt)") == true)
    }

    @Test func tooFewLabelsFailTheRequestNamingTheKey() throws {
        let topk = try plugin(["labels": "labels.txt"], assets: ["labels.txt": Array("a\nb\n".utf8)])
        let error = #expect(throws: PluginError.self) { try topk.postprocess(scores) }
        #expect(error?.message == "plugin 'topk': key 'labels': has 2 labels, but output 'probabilities' has 4 classes")
    }
}
