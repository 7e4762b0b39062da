extension KernelRegistry {
    /// Linear kernels, by operator key.
    static let linearKernels: [String: KernelFunction] = [:]
}
