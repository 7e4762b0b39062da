extension KernelRegistry {
    /// Elementwise kernels, by operator key.
    static let elementwiseKernels: [String: KernelFunction] = [:]
}
