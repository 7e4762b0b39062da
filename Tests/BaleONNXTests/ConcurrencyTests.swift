import BaleGraph
import BaleONNX
import BaleRuntime
import Testing

/// One loaded model serving many tasks at once must give each the result of a sequential run.
@Suite struct ConcurrencyTests {
    @Test(arguments: ["cnn", "transformer"])
    func concurrentInferencesMatchSequentialOnes(_ model: String) async throws {
        let graph = try Optimizer.optimize(try ONNXImporter().importModel(at: "\(FixtureTests.root)/models/\(model)/model.onnx").graph)
        let executor = try Executor(graph: graph, threads: 2)
        let input = graph.inputs[0]
        let feeds: [[String: Tensor]] = (0..<16).map { seed in
            let shape = (input.type.shape ?? []).map { $0.value ?? 1 + seed % 3 }
            let count = shape.reduce(1, *)
            let values = (0..<count).map { Float(($0 * 31 + seed * 17) % 97) / 48.5 - 1 }
            return [input.name: Tensor(shape: shape, floats: values)]
        }
        let sequential = try feeds.map { try executor.run($0) }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [String: Tensor]).self) { group in
            for _ in 0..<4 {
                for (index, feed) in feeds.enumerated() {
                    group.addTask { (index, try executor.run(feed)) }
                }
            }
            var results: [(Int, [String: Tensor])] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(concurrent.count == 4 * feeds.count)
        for (index, outputs) in concurrent { #expect(outputs == sequential[index], "input \(index)") }
    }
}
