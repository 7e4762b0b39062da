import BaleGraph
import BaleRuntime
import Testing

@Suite struct MemoryPlanTests {
    /// x[batch,256] → Relu → a → Relu → b → Relu → c → Relu → y: at most two values are alive at
    /// once, so two buffers serve all five.
    static func chain() -> Graph {
        let type = TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(256)])
        let names = ["x", "a", "b", "c", "y"]
        return Graph(
            name: "chain",
            inputs: [ValueInfo(name: "x", type: type)],
            outputs: [ValueInfo(name: "y", type: type)],
            nodes: (0..<4).map { Node(name: "r\($0)", opType: "Relu", inputs: [names[$0]], outputs: [names[$0 + 1]]) },
            valueTypes: Dictionary(uniqueKeysWithValues: names.map { ($0, type) }))
    }

    @Test func deadBuffersAreReused() throws {
        let plan = try MemoryPlan(graph: Self.chain(), bindings: ["batch": 1])
        #expect(plan.unplannedBytes == 5 * 1024)
        #expect(plan.peakActivationBytes == 2 * 1024)
        // Values alive at the same time never share bytes.
        for (a, sa) in plan.slots {
            for (b, sb) in plan.slots where a < b && sa.lifetime.overlaps(sb.lifetime) {
                #expect(sa.offset + sa.size <= sb.offset || sb.offset + sb.size <= sa.offset, "\(a) and \(b) overlap")
            }
        }
    }

    @Test func batchScalesThePlan() throws {
        let one = try MemoryPlan(graph: Self.chain(), bindings: ["batch": 1])
        let many = try MemoryPlan(graph: Self.chain(), bindings: ["batch": 64])
        #expect(many.peakActivationBytes == 64 * one.peakActivationBytes)
        #expect(MemoryPlan.batchBindings(Self.chain(), batch: 8) == ["batch": 8])
    }

    @Test func scaledSymbolsResolve() throws {
        var graph = Self.chain()
        graph.valueTypes["b"] = TensorType(dtype: .f32, shape: [.symbolic("batch*4"), .fixed(256)])
        let plan = try MemoryPlan(graph: graph, bindings: ["batch": 2])
        #expect(plan.slots["b"]?.size == 8 * 256 * 4)
    }

    @Test func unknownShapesAreNamed() {
        var graph = Self.chain()
        graph.valueTypes["b"] = TensorType(dtype: .f32, shape: [.symbolic(""), .fixed(256)])
        let error = #expect(throws: RuntimeError.self) { try MemoryPlan(graph: graph) }
        #expect(error?.message.contains("'b'") == true)
    }
}
