extension KernelRegistry {
    /// Tensor kernels, by operator key.
    static let tensorKernels: [String: KernelFunction] = [:]
}
