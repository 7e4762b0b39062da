public import BaleGraph

/// The build-time optimisation pipeline: constant folding, QDQ fusion into integer operators,
/// dynamic int8 chains fused into one int8 product, BatchNormalization folding, activation and bias fusion, dead-node removal, then shape inference.
public enum Optimizer {
    /// Runs every pass in order.
    public static func optimize(_ graph: Graph) throws(RuntimeError) -> Graph {
        var graph = try ConstantFolding.run(graph)
        graph = QuantizedFusion.run(graph)
        graph = DynamicQuantizationFusion.run(graph)
        graph = BatchNormFolding.run(graph)
        graph = ActivationFusion.run(graph)
        return try ShapeInference.run(DeadNodeElimination.run(graph))
    }
}
