extension KernelRegistry {
    /// Math kernels, by operator key.
    static let mathKernels: [String: KernelFunction] = [:]
}
