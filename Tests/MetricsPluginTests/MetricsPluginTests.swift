import BaleGraph
import BalePlugins
import MetricsPlugin
import Testing

@Suite struct MetricsPluginTests {
    let export = MetricsExport()

    func plugin() throws -> MetricsPlugin {
        MetricsPlugin(
            PluginContext(name: "metrics", config: PluginConfig(plugin: "metrics"), inputs: [], outputs: [], model: ModelIdentity(name: "digits", version: "1.0")),
            exportingTo: export)
    }

    func record(failing: Bool = false, preprocess: Bool = true) -> InferenceRecord {
        var timings = [InferenceRecord.Timing(stage: nil, name: "model", duration: .milliseconds(3))]
        if preprocess {
            timings.insert(InferenceRecord.Timing(stage: .preprocess, name: "image", duration: .microseconds(300)), at: 0)
            timings.insert(InferenceRecord.Timing(stage: .preprocess, name: "normalize", duration: .microseconds(100)), at: 1)
        }
        timings.append(InferenceRecord.Timing(stage: .postprocess, name: "topk", duration: .milliseconds(30)))
        return InferenceRecord(request: .bytes([1]), timings: timings, error: failing ? PluginError(plugin: "topk", "boom") : nil)
    }

    /// The sample lines of the Prometheus text (no `#` comments).
    func samples() -> Set<String> {
        Set(export.prometheusText().split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") })
    }

    @Test func countsRequestsAndErrorsPerModel() throws {
        let metrics = try plugin()
        metrics.observe(record())
        metrics.observe(record(failing: true))
        metrics.observe(record())
        #expect(samples().isSuperset(of: [
            #"bale_requests_total{model="digits",version="1.0"} 3"#,
            #"bale_request_errors_total{model="digits",version="1.0"} 1"#,
        ]))
    }

    @Test func histogramsPerStageSumTheStepsOfThatStage() throws {
        let metrics = try plugin()
        metrics.observe(record())
        metrics.observe(record(preprocess: false))
        let lines = samples()
        let labels = #"model="digits",version="1.0""#
        // preprocess: image + normalize = 400 µs, once (the second request was tensors).
        #expect(lines.contains(#"bale_request_duration_seconds_count{\#(labels),stage="preprocess"} 1"#))
        #expect(lines.contains(#"bale_request_duration_seconds_bucket{\#(labels),stage="preprocess",le="0.00025"} 0"#))
        #expect(lines.contains(#"bale_request_duration_seconds_bucket{\#(labels),stage="preprocess",le="0.0005"} 1"#))
        #expect(lines.contains(#"bale_request_duration_seconds_count{\#(labels),stage="compute"} 2"#))
        #expect(lines.contains(#"bale_request_duration_seconds_bucket{\#(labels),stage="postprocess",le="0.025"} 0"#))
        #expect(lines.contains(#"bale_request_duration_seconds_bucket{\#(labels),stage="postprocess",le="0.05"} 2"#))
        // total: 33.4 ms and 33 ms.
        #expect(lines.contains(#"bale_request_duration_seconds_count{\#(labels),stage="total"} 2"#))
        #expect(lines.contains(#"bale_request_duration_seconds_bucket{\#(labels),stage="total",le="0.05"} 2"#))
    }

    @Test func theBuiltinDescriptorTakesNoKeys() {
        #expect(MetricsPlugin.descriptor.stage == .monitor)
        #expect(MetricsPlugin.descriptor.keys.isEmpty)
    }
}
