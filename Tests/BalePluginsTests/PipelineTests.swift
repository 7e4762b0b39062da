import BaleBundle
import BaleGraph
import BalePlugins
import BaleTesting
import Logging
import Testing

@Suite struct PipelineTests {
    @Test func runsPreprocessModelPostprocessInOrder() throws {
        let response = try pipeline(["parse", "sum"]).infer(.json([.number(1), .number(2)]))
        #expect(response == .json(.object(["sum": .number(6)])))
    }

    @Test func tensorRequestsSkipPreprocessAndPostprocessCanBeSkipped() throws {
        let chain = try pipeline(["fail-pre", "sum"])
        let x = Tensor(shape: [1, 2], floats: [1, 3])
        #expect(try chain.infer(.tensors(["x": x])) == .json(.object(["sum": .number(8)])))
        #expect(try chain.infer(.tensors(["x": x]), postprocess: false) == .tensors(["y": Tensor(shape: [1, 2], floats: [2, 6])]))
    }

    @Test func aThrowingPreprocessPluginFailsTheInferenceNamingIt() throws {
        let chain = try pipeline(["fail-pre", "sum"])
        let error = #expect(throws: PluginError.self) { try chain.infer(.json([.number(1)])) }
        #expect(error?.message == "plugin 'fail-pre': preprocess failed: boom")
    }

    @Test func aThrowingPostprocessPluginFailsTheInferenceNamingIt() throws {
        let chain = try pipeline(["parse", "fail-post"])
        let error = #expect(throws: PluginError.self) { try chain.infer(.json([.number(1)])) }
        #expect(error?.message == "plugin 'fail-post': postprocess failed: boom")
    }

    @Test func aRawRequestWithoutPreprocessingIsRefused() throws {
        let error = #expect(throws: PluginError.self) { try pipeline(["sum"]).infer(.bytes([1, 2])) }
        #expect(error?.message.contains("the request is 2 bytes, but the model takes tensors") == true)
    }

    @Test func aThrowingMonitorIsCountedAndNeverChangesTheResult() throws {
        let recorder = Recording()
        let chain = try pipeline(["parse", "fail-monitor", "sum", "record"], registry: testRegistry(recorder: recorder))
        for _ in 0..<3 {
            #expect(try chain.infer(.json([.number(1), .number(2)])) == .json(.object(["sum": .number(6)])))
        }
        #expect(chain.monitorFailures == 3)
        // A monitor after the failing one still sees every inference.
        #expect(recorder.records.count == 3)
    }

    @Test func aThrowingMonitorIsLoggedNamingItAndLeavesAFailedInferenceItsOwnError() throws {
        let capture = LogCapture()
        let recorder = Recording()
        let chain = try pipeline(["parse", "fail-monitor", "record", "fail-post"], registry: testRegistry(recorder: recorder), logger: capture.logger)
        let error = #expect(throws: PluginError.self) { try chain.infer(.json([.number(1)])) }
        #expect(error?.message == "plugin 'fail-post': postprocess failed: boom")
        #expect(chain.monitorFailures == 1)
        #expect(recorder.records.map(\.error) == [error])
        let logged = try #require(capture.events.first)
        #expect(capture.events.count == 1)
        #expect(logged.level == .error)
        #expect(logged.message == "monitor plugin failed; the inference result is unchanged")
        #expect(logged.metadata["plugin"] == "fail-monitor")
        #expect(logged.metadata["error"] == "boom")
        // Still healthy: the next request runs the whole chain again.
        #expect(throws: PluginError.self) { try chain.infer(.json([.number(2)])) }
        #expect(chain.monitorFailures == 2)
        #expect(recorder.records.count == 2)
    }

    @Test func monitorsSeeInputsOutputsTimingsAndFailures() throws {
        let recorder = Recording()
        let registry = testRegistry(recorder: recorder)
        _ = try pipeline(["parse", "record", "sum"], registry: registry).infer(.json([.number(1), .number(2)]))
        let ok = try #require(recorder.records.first)
        #expect(ok.succeeded)
        #expect(ok.inputs == ["x": Tensor(shape: [1, 2], floats: [1, 2])])
        #expect(ok.outputs == ["y": Tensor(shape: [1, 2], floats: [2, 4])])
        #expect(ok.response == .json(.object(["sum": .number(6)])))
        #expect(ok.timings.map(\.name) == ["parse", "model", "sum"])
        #expect(ok.timings.map(\.stage) == [.preprocess, nil, .postprocess])

        _ = try? pipeline(["parse", "record", "fail-post"], registry: registry).infer(.json([.number(1)]))
        let failed = try #require(recorder.records.last)
        #expect(!failed.succeeded)
        #expect(failed.error?.message == "plugin 'fail-post': postprocess failed: boom")
        #expect(failed.outputs != nil && failed.response == nil)
        #expect(failed.timings.map(\.name) == ["parse", "model", "fail-post"])
    }

    @Test func aFailingModelIsReportedAsTheModel() throws {
        let chain = try pipeline(["sum"])
        let error = #expect(throws: PluginError.self) { try chain.infer(.tensors(["z": Tensor(shape: [1], floats: [1])])) }
        #expect(error?.message == "model: no x")
    }
}
