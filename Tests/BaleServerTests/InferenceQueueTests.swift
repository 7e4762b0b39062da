import BaleGraph
import BalePlugins
import BaleServer
import Dispatch
import HTTPTypes
import NIOConcurrencyHelpers
import Testing

/// The per-model queue: dynamic batching, capacity and timeouts.
@Suite struct InferenceQueueTests {
    /// A model doubling `x`, recording the batch sizes it ran, optionally held until released.
    final class Model: Sendable {
        let batches = NIOLockedValueBox<[Int]>([])
        let gate: DispatchSemaphore?

        init(held: Bool = false) { gate = held ? DispatchSemaphore(value: 0) : nil }

        var pipeline: PluginPipeline {
            PluginPipeline(plugins: []) { feeds in
                self.gate?.wait()
                let x = feeds["x"]!
                self.batches.withLockedValue { $0.append(x.shape[0]) }
                return ["y": Tensor(shape: x.shape, floats: x.asFloats.map { $0 * 2 })]
            }
        }
    }

    static func request(_ value: Float, rows: Int = 1) -> PluginPipeline.Request {
        PluginPipeline.Request(.tensors(["x": Tensor(shape: [rows, 2], floats: Array(repeating: value, count: rows * 2))]))
    }

    @Test func requestsArrivingTogetherRunAsOneBatchAndGetTheirOwnRows() async throws {
        let model = Model()
        let queue = InferenceQueue(
            pipeline: model.pipeline, settings: .init(workers: 1, capacity: 64, maxBatch: 32, maxDelay: .milliseconds(200)), label: "m")
        let results = await withTaskGroup(of: (Int, Result<InferenceQueue.Outcome, ServeError>).self) { group in
            for index in 0..<6 {
                group.addTask { (index, await queue.submit(Self.request(Float(index), rows: index % 2 + 1), rows: index % 2 + 1, timeout: .seconds(10))) }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(model.batches.withLockedValue { $0 } == [9])
        for (index, result) in results {
            let outcome = try result.get()
            #expect(outcome.batchSize == 6)
            let rows = index % 2 + 1
            #expect(try outcome.response.get() == .tensors(["y": Tensor(shape: [rows, 2], floats: Array(repeating: Float(index) * 2, count: rows * 2))]))
        }
    }

    @Test func batchesStopAtMaxBatchRows() async throws {
        let model = Model()
        let queue = InferenceQueue(
            pipeline: model.pipeline, settings: .init(workers: 1, capacity: 64, maxBatch: 4, maxDelay: .milliseconds(200)), label: "m")
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<10 { group.addTask { _ = await queue.submit(Self.request(Float(index)), rows: 1, timeout: .seconds(10)) } }
        }
        let batches = model.batches.withLockedValue { $0 }
        #expect(batches.reduce(0, +) == 10)
        #expect(batches.allSatisfy { $0 <= 4 })
    }

    @Test func withoutBatchingEveryRequestRunsAlone() async throws {
        let model = Model()
        let queue = InferenceQueue(pipeline: model.pipeline, settings: .init(workers: 2, capacity: 64, maxBatch: 1, maxDelay: .zero), label: "m")
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<8 { group.addTask { _ = await queue.submit(Self.request(Float(index)), rows: 1, timeout: .seconds(10)) } }
        }
        #expect(model.batches.withLockedValue { $0 } == Array(repeating: 1, count: 8))
    }

    @Test func aFullQueueRefusesWith503AndALateRequestGets504() async throws {
        let model = Model(held: true)
        let queue = InferenceQueue(pipeline: model.pipeline, settings: .init(workers: 1, capacity: 1, maxBatch: 1, maxDelay: .zero), label: "m")
        async let running = queue.submit(Self.request(1), rows: 1, timeout: .milliseconds(300))
        while model.batches.withLockedValue({ $0.count }) == 0, queue.depth > 0 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(20))
        async let waiting = queue.submit(Self.request(2), rows: 1, timeout: .seconds(10))
        while queue.depth == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let refused = await queue.submit(Self.request(3), rows: 1, timeout: .seconds(10))
        #expect(refused.failure?.status == .serviceUnavailable)
        #expect(refused.failure?.retryAfterSeconds == 1)
        #expect(await running.failure == ServeError(.gatewayTimeout, "model 'm': no response within the request timeout of 0.3 s"))
        model.gate?.signal()
        model.gate?.signal()
        #expect(try await waiting.get().response.get() == .tensors(["y": Tensor(shape: [1, 2], floats: [4, 4])]))
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
