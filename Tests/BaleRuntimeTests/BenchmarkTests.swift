import BaleGraph
import BaleRuntime
import Testing

@Suite struct BenchmarkTests {
    // MARK: - Percentiles (nearest rank)

    @Test(arguments: [
        (50.0, 5.0), (90.0, 9.0), (99.0, 10.0), (100.0, 10.0), (0.0, 1.0), (10.0, 1.0), (11.0, 2.0),
    ])
    func nearestRankOfOneToTen(_ p: Double, _ expected: Double) {
        #expect(Percentile.nearestRank(p, of: (1...10).map(Double.init)) == expected)
    }

    @Test func nearestRankIsAlwaysASample() {
        #expect(Percentile.nearestRank(50, of: [3]) == 3)
        #expect(Percentile.nearestRank(50, of: [1, 2]) == 1)
        #expect(Percentile.nearestRank(99, of: (1...200).map(Double.init)) == 198)
    }

    @Test func resultSortsLatenciesAndCountsThroughput() {
        let result = BenchmarkResult(latencies: [.milliseconds(30), .milliseconds(10), .milliseconds(20), .milliseconds(40)])
        #expect(result.sortedMilliseconds == [10, 20, 30, 40])
        #expect(result.medianMilliseconds == 20)
        #expect(result.percentile(90) == 40)
        #expect(abs(result.inferencesPerSecond - 40) < 1e-9)
    }

    // MARK: - Generated inputs

    static let graph = Graph(
        name: "g",
        inputs: [
            ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .symbolic("seq"), .fixed(4)])),
            ValueInfo(name: "ids", type: TensorType(dtype: .i64, shape: [.symbolic("batch"), .symbolic("")])),
        ],
        outputs: [], nodes: [])

    @Test func symbolicDimensionsTakeBatchNamedSizesOrOne() throws {
        let feeds = try BenchmarkInputs.generate(for: Self.graph, batch: 3, dims: ["seq": 5])
        #expect(feeds["x"]?.shape == [3, 5, 4])
        #expect(feeds["ids"]?.shape == [3, 1])
        #expect(BenchmarkInputs.batch(of: feeds, for: Self.graph) == 3)
    }

    @Test func floatsAreDeterministicInMinusOneToOneAndIntegersZero() throws {
        let feeds = try BenchmarkInputs.generate(for: Self.graph, batch: 64, dims: ["seq": 8])
        let floats = try #require(feeds["x"]?.floats)
        #expect(floats.allSatisfy { (-1...1).contains($0) })
        #expect(floats.min()! < -0.9 && floats.max()! > 0.9)
        #expect(Set(floats).count > floats.count / 2)
        #expect(feeds["ids"]?.int64s?.allSatisfy { $0 == 0 } == true)
        #expect(try BenchmarkInputs.generate(for: Self.graph, batch: 64, dims: ["seq": 8]) == feeds)
        #expect(try BenchmarkInputs.generate(for: Self.graph, batch: 64, dims: ["seq": 8], seed: 1) != feeds)
    }

    @Test func batchNeedsASymbolicFirstDimension() {
        let fixed = Graph(name: "g", inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.fixed(1), .fixed(4)]))], outputs: [], nodes: [])
        #expect(throws: RuntimeError.self) { try BenchmarkInputs.generate(for: fixed, batch: 2) }
        #expect((try? BenchmarkInputs.generate(for: fixed))?["x"]?.shape == [1, 4])
        let unranked = Graph(name: "g", inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: nil))], outputs: [], nodes: [])
        #expect(throws: RuntimeError.self) { try BenchmarkInputs.generate(for: unranked) }
    }

    @Test func peakMemoryIsThisProcesssOwn() {
        let bytes = PeakMemory.residentBytes
        #expect(bytes > 1 << 20 && bytes < 1 << 40)
    }

    // MARK: - Running

    @Test func runsExactlyTheIterationsAsked() throws {
        let graph = Graph(
            name: "g", inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("n")]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: [.symbolic("n")]))],
            nodes: [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])])
        let executor = try Executor(graph: graph)
        let feeds = try BenchmarkInputs.generate(for: graph, batch: 16)
        #expect(try Benchmark(warmup: 1, iterations: 7).run(executor, feeds: feeds).iterations == 7)
        let timed = try Benchmark(warmup: 0, minimumDuration: .milliseconds(1), minimumIterations: 12).run(executor, feeds: feeds)
        #expect(timed.iterations >= 12)
    }
}
