import BaleBundle
import BaleGraph
import BalePlugins
import MetricsPlugin
import QualityPlugin
import Testing

@Suite struct QualityPluginTests {
    static let outputs = [ValueInfo(name: "scores", type: TensorType(dtype: .f32, shape: [.symbolic("N"), .fixed(3)]))]
    let export = MetricsExport()

    func plugin(_ config: [String: String] = [:], labels: String = "cat\ndog\nbird\n") throws -> QualityPlugin {
        let context = PluginContext(
            name: "quality", config: PluginConfig(plugin: "quality", values: config), assets: ["labels.txt": Array(labels.utf8)],
            inputs: [], outputs: Self.outputs, model: ModelIdentity(name: "pets", version: "2"))
        return try QualityPlugin(context, exportingTo: export)
    }

    /// An inference of request `id` predicting `predicted` (class 0, 1 or 2).
    func predict(_ quality: QualityPlugin, _ id: String, _ predicted: Int) {
        var scores: [Float] = [0.1, 0.1, 0.1]
        scores[predicted] = 0.8
        quality.observe(InferenceRecord(request: .bytes([]), requestID: id, outputs: ["scores": Tensor(shape: [1, 3], floats: scores)]))
    }

    func figure(_ figures: JSONValue?, _ path: String...) -> Double? {
        var value = figures
        for key in path { value = value?[key] }
        return value?.numberValue
    }

    @Test func feedbackJoinsPredictionsIntoAccuracyPrecisionRecallAndF1() throws {
        let quality = try plugin(["labels": "labels.txt"])
        // Truths: cat, cat, dog, dog; predictions: cat, dog, dog, dog.
        for (index, predicted) in [0, 1, 1, 1].enumerated() { predict(quality, "r\(index)", predicted) }
        var figures: JSONValue?
        for (index, truth) in ["cat", "cat", "dog", "1"].enumerated() {
            figures = try quality.feedback(requestID: "r\(index)", label: truth)
        }
        #expect(figure(figures, "accuracy") == 0.75)
        #expect(figure(figures, "samples") == 4)
        #expect(figure(figures, "pending") == 0)
        // cat: precision 1/1, recall 1/2; dog: precision 2/3, recall 2/2.
        #expect(figure(figures, "classes", "cat", "precision") == 1)
        #expect(figure(figures, "classes", "cat", "recall") == 0.5)
        #expect(abs(figure(figures, "classes", "cat", "f1")! - 2.0 / 3) < 1e-12)
        #expect(abs(figure(figures, "classes", "dog", "precision")! - 2.0 / 3) < 1e-12)
        #expect(figure(figures, "classes", "dog", "recall") == 1)
        #expect(abs(figure(figures, "classes", "all", "f1")! - (2.0 / 3 + 0.8) / 2) < 1e-12)

        let text = export.prometheusText()
        #expect(text.contains(#"bale_quality_accuracy{model="pets",version="2"} 0.75"#))
        #expect(text.contains(#"bale_quality_recall{model="pets",version="2",class="cat"} 0.5"#))
        #expect(text.contains(#"bale_quality_feedback_total{model="pets",version="2"} 4"#))
    }

    @Test func unknownOrRepeatedRequestIdsAndUnidentifiedInferencesAreIgnored() throws {
        let quality = try plugin()
        quality.observe(InferenceRecord(request: .bytes([]), outputs: ["scores": Tensor(shape: [1, 3], floats: [1, 0, 0])]))
        predict(quality, "a", 2)
        #expect(try quality.feedback(requestID: "nope", label: "2") == nil)
        #expect(figure(try quality.feedback(requestID: "a", label: "2"), "accuracy") == 1)
        #expect(try quality.feedback(requestID: "a", label: "2") == nil)
    }

    @Test func pendingPredictionsAreCappedOldestFirst() throws {
        let quality = try plugin(["pending": "2"])
        for id in ["a", "b", "c"] { predict(quality, id, 0) }
        #expect(try quality.feedback(requestID: "a", label: "0") == nil)
        #expect(figure(try quality.feedback(requestID: "b", label: "0"), "pending") == 1)
        #expect(export.prometheusText().contains(#"bale_quality_pending{model="pets",version="2"} 1"#))
        // Answered predictions never pile up: thousands of joins keep at most `pending` held.
        for index in 0..<5000 {
            predict(quality, "x\(index)", 1)
            _ = try quality.feedback(requestID: "x\(index)", label: "1")
        }
        #expect(figure(try quality.feedback(requestID: "c", label: "0"), "pending") == 0)
    }

    @Test func theWindowKeepsTheLatestFeedbackOnly() throws {
        let quality = try plugin(["window": "2"])
        for (index, truth) in ["1", "0", "0"].enumerated() {
            predict(quality, "r\(index)", 0)
            _ = try quality.feedback(requestID: "r\(index)", label: truth)
        }
        predict(quality, "last", 0)
        #expect(figure(try quality.feedback(requestID: "last", label: "0"), "accuracy") == 1)
    }

    @Test func badFeedbackAndConfigNameThePluginAndKey() throws {
        let quality = try plugin(["labels": "labels.txt"])
        let label = #expect(throws: PluginError.self) { try quality.feedback(requestID: "a", label: "horse") }
        #expect(label?.message == "plugin 'quality': feedback label 'horse' is not a class: give a class index or one of: cat, dog, bird")
        let window = #expect(throws: PluginError.self) { try plugin(["window": "0"]) }
        #expect(window?.message == "plugin 'quality': key 'window': \"0\" must be a whole number from 1 to 1000000")
        let output = #expect(throws: PluginError.self) { try plugin(["output": "logits"]) }
        #expect(output?.message == "plugin 'quality': key 'output': \"logits\" is not a model output (outputs: scores)")
    }
}
