import BaleGraph
import BaleRuntime
import Testing

@Suite struct BufferPlanTests {
    static func f32(_ dims: Int...) -> TensorType { TensorType(dtype: .f32, shape: dims.map { .fixed($0) }) }

    /// Slots: 0 a[64] (steps 0-1), 1 b[64] (steps 1-2), 2 c[16] (step 2-3), 3 d[64] (step 3),
    /// 4 i64 shape (step 3), 5 output.
    @Test func valuesAliveTogetherNeverShareAndDeadOnesAreReused() {
        let plan = BufferPlan(
            outputs: [[0], [1], [2], [3, 4], [5]],
            released: [1: [0], 2: [1], 3: [2], 4: [3, 4]],
            kept: [5],
            types: [Self.f32(64), Self.f32(64), Self.f32(16), Self.f32(64), TensorType(dtype: .i64, shape: [.fixed(2)]), Self.f32(8)])
        let b = plan.buffers
        #expect(b[0] != nil && b[1] != nil && b[0] != b[1])  // a and b overlap at step 1
        #expect(b[2] == b[0])  // c takes a's freed buffer, which is large enough
        #expect(b[3] == b[1])  // d takes b's: same type first (c is still alive at step 3)
        #expect(b[4] == nil && b[5] == nil)  // not f32; a graph output
        #expect(plan.count == 2)
    }

    /// A value with no free buffer large enough grows the largest free one rather than adding one:
    /// slots 0 a[8] (steps 0-1), 1 b[4] (steps 1-2), 2 c[32] (step 2, freed after it).
    @Test func aLargerValueGrowsTheLargestFreeBuffer() {
        let plan = BufferPlan(
            outputs: [[0], [1], [2]], released: [1: [0], 2: [1, 2]], kept: [],
            types: [Self.f32(8), Self.f32(4), Self.f32(32)])
        #expect(plan.buffers[2] == plan.buffers[0])
        #expect(plan.buffers[1] != plan.buffers[0])
        #expect(plan.count == 2)
    }
}
