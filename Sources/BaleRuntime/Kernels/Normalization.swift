import BaleGraph
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Normalisation kernels (f32): BatchNormalization (inference), LayerNormalization and LRN.
enum NormKernels {
    // MARK: - BatchNormalization

    /// BatchNormalization (inference): `y = (x - mean) / sqrt(var + epsilon) * scale + B` per channel
    /// (axis 1) of X `[N, C, …]`; scale, B, input_mean and input_var are `[C]`.
    static func batchNormalization(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.floatInput(0)
        guard x.shape.count >= 2 else { throw context.error("X must be [N, C, ...], got \(x.shape)") }
        guard try context.int("training_mode", 0) == 0 else {
            throw context.error("training_mode is not supported (inference only)")
        }
        let channels = x.shape[1]
        var parameters: [[Float]] = []
        for (index, name) in [(1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")] {
            let tensor = try context.floatInput(index)
            guard tensor.shape == [channels] else {
                throw context.error("\(name) shape \(tensor.shape) must be [\(channels)]")
            }
            parameters.append(tensor.asFloats)
        }
        let (scale, bias, mean, variance) = (parameters[0], parameters[1], parameters[2], parameters[3])
        let epsilon = try context.float("epsilon", 1e-5)
        // y = x * factor + shift, folded once per channel.
        let factor = (0..<channels).map { scale[$0] / (variance[$0] + epsilon).squareRoot() }
        let shift = (0..<channels).map { bias[$0] - mean[$0] * factor[$0] }
        var y = x.asFloats
        guard !y.isEmpty else { return [x] }
        let size = y.count / (x.shape[0] * channels)
        for plane in 0..<(x.shape[0] * channels) {
            let (a, b) = (factor[plane % channels], shift[plane % channels])
            for i in (plane * size)..<((plane + 1) * size) { y[i] = y[i] * a + b }
        }
        return [Tensor(shape: x.shape, floats: y)]
    }

    // MARK: - LayerNormalization

    /// LayerNormalization: normalises over the axes from `axis` (default -1) on, then applies
    /// Scale and optional B (shaped like those axes). Optional outputs Mean and InvStdDev have the
    /// input's shape with the normalised axes set to 1.
    static func layerNormalization(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.floatInput(0)
        guard !x.shape.isEmpty else { throw context.error("X must have rank 1 or more") }
        let axis = try context.axis(try context.int("axis", -1), rank: x.shape.count)
        let normalised = Array(x.shape[axis...])
        let (rows, size) = (try context.checkedCount(Array(x.shape[..<axis])), try context.checkedCount(normalised))
        let scale = try parameter(1, "Scale", normalised, context)
        let bias = context.optionalInput(2) == nil ? nil : try parameter(2, "B", normalised, context)
        let epsilon = try context.float("epsilon", 1e-5)
        let shift = bias ?? [Float](repeating: 0, count: size)

        var (means, inverses) = ([Float](repeating: 0, count: rows), [Float](repeating: 0, count: rows))
        let y = x.asFloats.withUnsafeBufferPointer { values in
            context.output().make(count: x.count) { out in
                means.withUnsafeMutableBufferPointer { means in
                    inverses.withUnsafeMutableBufferPointer { inverses in
                        Parallel.forEachChunk(of: rows, work: x.count, threads: context.threads) { chunk in
                            for row in chunk {
                                let span = (row * size)..<((row + 1) * size)
                                (means[row], inverses[row]) = normalise(
                                    UnsafeBufferPointer(rebasing: values[span]), scale, shift, epsilon,
                                    into: UnsafeMutableBufferPointer(rebasing: out[span]))
                            }
                        }
                    }
                }
            }
        }
        let statsShape = Array(x.shape[..<axis]) + Array(repeating: 1, count: normalised.count)
        let outputs = [
            Tensor(shape: x.shape, floats: y), Tensor(shape: statsShape, floats: means),
            Tensor(shape: statsShape, floats: inverses),
        ]
        return Array(outputs.prefix(max(1, context.node.outputs.count)))
    }

    /// Writes `(x - mean) / sqrt(variance + epsilon) * scale + shift` for the row `x` to `y` (which
    /// may be uninitialised) and returns the row's mean and `1 / sqrt(variance + epsilon)`.
    private static func normalise(
        _ x: UnsafeBufferPointer<Float>, _ scale: [Float], _ shift: [Float], _ epsilon: Float,
        into y: UnsafeMutableBufferPointer<Float>
    ) -> (mean: Float, inverse: Float) {
        let size = Float(x.count)
        let mean = RowMath.sum(x) / size
        let inverse = 1 / (RowMath.squaredDeviation(x, from: mean) / size + epsilon).squareRoot()
        scale.withUnsafeBufferPointer { scale in
            shift.withUnsafeBufferPointer { shift in
                for j in x.indices { y.initializeElement(at: j, to: (x[j] - mean) * inverse * scale[j] + shift[j]) }
            }
        }
        return (mean, inverse)
    }

    /// Input `index` as the f32 elements of a tensor shaped like the normalised axes (leading 1s allowed).
    private static func parameter(
        _ index: Int, _ name: String, _ normalised: [Int], _ context: KernelContext
    ) throws(RuntimeError) -> [Float] {
        let tensor = try context.floatInput(index)
        guard tensor.shape.drop(while: { $0 == 1 }).elementsEqual(normalised.drop(while: { $0 == 1 })) else {
            throw context.error("\(name) shape \(tensor.shape) does not match the normalised shape \(normalised)")
        }
        return tensor.asFloats
    }

    // MARK: - LRN

    /// LRN: `y = x / (bias + alpha / size · Σ x²)^beta`, the sum over the `size` channels around
    /// each channel (`floor((size-1)/2)` before, `ceil((size-1)/2)` after).
    static func localResponseNormalization(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.floatInput(0)
        guard x.shape.count >= 3 else { throw context.error("X must be [N, C, spatial...], got \(x.shape)") }
        guard let size = try context.optionalInt("size"), size > 0 else {
            throw context.error("attribute 'size' must be a positive int")
        }
        let (alpha, beta) = (try context.float("alpha", 1e-4), try context.float("beta", 0.75))
        let bias = try context.float("bias", 1)
        let values = x.asFloats
        guard !values.isEmpty else { return [x] }
        let (batch, channels) = (x.shape[0], x.shape[1])
        let plane = values.count / (batch * channels)
        var y = values
        for item in 0..<batch {
            for channel in 0..<channels {
                let window = max(0, channel - (size - 1) / 2)...min(channels - 1, channel + size / 2)
                for j in 0..<plane {
                    let squares = window.reduce(Float(0)) { sum, c in
                        let v = values[(item * channels + c) * plane + j]
                        return sum + v * v
                    }
                    let i = (item * channels + channel) * plane + j
                    y[i] = values[i] / pow(bias + alpha / Float(size) * squares, beta)
                }
            }
        }
        return [Tensor(shape: x.shape, floats: y)]
    }
}
