extension KernelRegistry {
    /// Neural kernels, by operator key: f32 convolution, pooling, normalisation, and Pad.
    static let neuralKernels: [String: KernelFunction] = [
        "Conv": ConvKernel.conv,
        "MaxPool": PoolKernels.maxPool,
        "AveragePool": PoolKernels.averagePool,
        "GlobalAveragePool": PoolKernels.globalAveragePool,
        "BatchNormalization": NormKernels.batchNormalization,
        "LayerNormalization": NormKernels.layerNormalization,
        "LRN": NormKernels.localResponseNormalization,
        "Pad": PadKernel.pad,
    ]
}
