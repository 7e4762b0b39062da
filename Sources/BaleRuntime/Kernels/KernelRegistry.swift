/// Every kernel Bale has, by operator (`opType` for the ONNX domain, `domain:opType` otherwise).
public enum KernelRegistry {
    /// All kernels.
    public static let all: [String: KernelFunction] = {
        var table: [String: KernelFunction] = [:]
        for group in [
            elementwiseKernels, mathKernels, linearKernels, neuralKernels, tensorKernels, quantizationKernels,
            fusedQuantizationKernels,
        ] {
            table.merge(group) { first, _ in first }
        }
        return table
    }()

    /// Load-time preparation per operator (weights packed once instead of on every run).
    public static let preparers: [String: KernelPreparer] = [
        "Gemm": Linear.prepareGemm, "MatMul": Linear.prepareMatMul, DynamicQuantizedMatMul.key: DynamicQuantizedMatMul.prepare,
        DynamicQuantizedConv.key: DynamicQuantizedConv.prepare,
    ]

    /// The registry key of an operator.
    public static func key(domain: String, opType: String) -> String {
        domain.isEmpty || domain == "ai.onnx" ? opType : "\(domain):\(opType)"
    }

    /// The kernel for an operator, if Bale has one.
    public static func kernel(domain: String, opType: String) -> KernelFunction? {
        all[key(domain: domain, opType: opType)]
    }
}
