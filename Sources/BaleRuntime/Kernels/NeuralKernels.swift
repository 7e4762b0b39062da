extension KernelRegistry {
    /// Neural kernels, by operator key.
    static let neuralKernels: [String: KernelFunction] = [:]
}
