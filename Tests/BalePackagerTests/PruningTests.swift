import BaleGraph
import BalePackager
import BaleRuntime
import Testing

@Suite struct PruningTests {
    /// x[batch,4] → Gemm(w1 [4,3]) → MatMul(w2 [3,2]) → y; `w1` also feeds an Add (not prunable there).
    static func graph(_ w1: [Float], _ w2: [Float]) -> Graph {
        Graph(
            name: "two-layers",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(4)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(2)]))],
            nodes: [
                Node(name: "fc1", opType: "Gemm", inputs: ["x", "w1"], outputs: ["h"]),
                Node(name: "fc2", opType: "MatMul", inputs: ["h", "w2"], outputs: ["y"]),
            ],
            initializers: ["w1": Tensor(shape: [4, 3], floats: w1), "w2": Tensor(shape: [3, 2], floats: w2)])
    }

    static let w1: [Float] = [0.5, -0.1, 0.3, -0.9, 0.2, 0.2, -0.2, 0.05, 0.7, 0.4, -0.6, 0.0]
    static let w2: [Float] = [1.5, -2.0, 0.01, 0.8, -0.02, 3.0]

    @Test func layerScopeZerosTheSmallestFractionOfEachMatrix() throws {
        var graph = Self.graph(Self.w1, Self.w2)
        let achieved = try Pruning(sparsity: 0.5, scope: .layer).apply(to: &graph)
        // w1: 6 of 12 go: 0.0, 0.05, -0.1 and the three of magnitude 0.2.
        #expect(graph.initializers["w1"]?.floats == [0.5, 0, 0.3, -0.9, 0, 0, 0, 0, 0.7, 0.4, -0.6, 0])
        // w2: 3 of 6 go: 0.01, -0.02, 0.8.
        #expect(graph.initializers["w2"]?.floats == [1.5, -2.0, 0, 0, 0, 3.0])
        #expect(achieved == ["w1": 0.5, "w2": 0.5])
    }

    @Test func tiesAreBrokenByPosition() throws {
        var graph = Self.graph(Self.w1, Self.w2)
        _ = try Pruning(sparsity: 5.0 / 12, scope: .layer).apply(to: &graph)
        // 5 go: 0.0, 0.05, -0.1, then the first two of the three of magnitude 0.2.
        #expect(graph.initializers["w1"]?.floats == [0.5, 0, 0.3, -0.9, 0, 0, -0.2, 0, 0.7, 0.4, -0.6, 0])
    }

    @Test func globalScopeUsesOneThreshold() throws {
        var graph = Self.graph(Self.w1, Self.w2)
        let achieved = try Pruning(sparsity: 0.5, scope: .global).apply(to: &graph)
        // 9 of 18 go: the 9 smallest magnitudes across both (0, 0.01, -0.02, 0.05, -0.1, 0.2, 0.2, -0.2, 0.3).
        #expect(graph.initializers["w1"]?.floats == [0.5, 0, 0, -0.9, 0, 0, 0, 0, 0.7, 0.4, -0.6, 0])
        #expect(graph.initializers["w2"]?.floats == [1.5, -2.0, 0, 0.8, 0, 3.0])
        #expect(achieved["w1"] == 7.0 / 12 && achieved["w2"] == 2.0 / 6)
    }

    @Test func prunesExactlyTheRequestedCountOnLargeTensors() throws {
        var state: UInt64 = 7
        let values = (0..<100_003).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 2001 - 1000) / 1000  // many ties
        }
        var graph = Self.graph(Self.w1, Self.w2)
        graph.initializers["w1"] = Tensor(shape: [100_003, 1], floats: values)
        _ = try Pruning(sparsity: 0.8, scope: .layer).apply(to: &graph)
        let pruned = graph.initializers["w1"]!.floats!
        let zeros = pruned.filter { $0 == 0 }.count
        #expect(zeros == Int(0.8 * 100_003))
        let largestZeroed = zip(values, pruned).filter { $1 == 0 }.map { abs($0.0) }.max()!
        let smallestKept = pruned.filter { $0 != 0 }.map(abs).min()!
        #expect(largestZeroed <= smallestKept)
    }

    @Test func refusesFractionsOutsideZeroToOne() {
        #expect(throws: PackagerError.self) { try Pruning(sparsity: 1.5) }
        #expect(throws: PackagerError.self) { try Pruning(sparsity: -0.1) }
        #expect(throws: PackagerError.self) { try Pruning(sparsity: .nan) }
    }

    @Test func validationReportsAgreementAndAccuracy() throws {
        let original = Self.graph(Self.w1, Self.w2)
        var pruned = original
        _ = try Pruning(sparsity: 0.5).apply(to: &pruned)
        let x = Tensor(shape: [5, 4], floats: (0..<20).map { Float($0 % 7) - 3 })
        let set = ValidationSet(inputs: ["x": x], labels: [0, 1, 1, 0, 1], count: 5)
        let same = try ValidationReport.compare(
            reference: Executor(graph: original), candidate: Executor(graph: original), on: set, batch: 2)
        #expect(same.maxAbsError == 0 && same.accuracy == same.referenceAccuracy)
        #expect(same.accuracyDrop == 0 && same.top1Agreement == 1)
        let report = try ValidationReport.compare(reference: Executor(graph: original), candidate: Executor(graph: pruned), on: set)
        #expect(report.samples == 5 && report.maxAbsError > 0 && report.meanAbsError <= report.maxAbsError)
        #expect(report.accuracyDrop == report.referenceAccuracy! - report.accuracy!)
    }
}
