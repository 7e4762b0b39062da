import BaleBundle
import BaleGraph
import BalePlugins
import Testing

/// Remembers the request ids it saw and answers feedback for them with `{"label": LABEL}`.
final class Remembering: FeedbackMonitor, @unchecked Sendable {
    var ids: [String] = []
    func observe(_ record: InferenceRecord) throws { if let id = record.requestID { ids.append(id) } }
    func feedback(requestID: String, label: String) throws -> JSONValue? {
        guard label != "bad" else { throw Failing.Boom() }
        return ids.contains(requestID) ? .object(["label": .string(label)]) : nil
    }
}

@Suite struct FeedbackTests {
    func registry(_ monitor: Remembering) -> PluginRegistry {
        var registry = testRegistry()
        registry.register(.monitor("remember") { _ in monitor })
        return registry
    }

    @Test func requestIdsReachMonitorsAndFeedbackReachesFeedbackMonitors() throws {
        let monitor = Remembering()
        let chain = try pipeline(["parse", "record", "remember", "sum"], registry: registry(monitor))
        _ = try chain.infer(.json([.number(1)]), requestID: "r1")
        _ = try chain.infer(.json([.number(1)]))
        #expect(monitor.ids == ["r1"])
        #expect(try chain.feedback(requestID: "r1", label: "3") == ["remember": .object(["label": .string("3")])])
        #expect(try chain.feedback(requestID: "r2", label: "3") == [:])
        let error = #expect(throws: PluginError.self) { try chain.feedback(requestID: "r1", label: "bad") }
        #expect(error?.message == "plugin 'remember': feedback failed: boom")
    }

    @Test func aBuildTimeStepReplacesTheGivenAssets() throws {
        var registry = testRegistry()
        registry.register(PluginDescriptor.monitor("count") { _ in Recording() }.preparingAssets { context in
            ["count.txt": Array("\(context.assets.count)".utf8)]
        })
        let given: [String: [UInt8]] = ["a.npy": [1], "b.npy": [2]]
        let count = Manifest.Plugin(name: "count", stage: "monitor")
        #expect(try registry.prepareAssets(count, assets: given, inputs: inputs, outputs: outputs) == ["count.txt": Array("2".utf8)])
        // Plugins without one ship the files as given, once their config is checked.
        let record = Manifest.Plugin(name: "record", stage: "monitor")
        #expect(try registry.prepareAssets(record, assets: given, inputs: inputs, outputs: outputs) == given)
        let bad = Manifest.Plugin(name: "record", stage: "monitor", config: ["x": .string("1")])
        #expect(throws: PluginError.self) { try registry.prepareAssets(bad, assets: given, inputs: inputs, outputs: outputs) }
    }

    @Test func pluginsLearnWhichModelTheyServe() throws {
        var registry = PluginRegistry()
        registry.register(.monitor("who") { context in
            #expect(context.model == ModelIdentity(name: "digits", version: "1.2"))
            return Recording()
        })
        _ = try registry.resolve(
            [Manifest.Plugin(name: "who", stage: "monitor")], files: [:], inputs: inputs, outputs: outputs,
            model: ModelIdentity(name: "digits", version: "1.2"))
    }
}
