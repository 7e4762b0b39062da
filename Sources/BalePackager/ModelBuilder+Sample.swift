import BaleBundle
import BaleGraph
import BaleRuntime
import Logging

extension ModelBuilder {
    /// The sample files for a bundle of `graph` (``BundleSample``): its output is computed on the
    /// graph as a device loads it, so f32 weights stored in half precision are rounded first.
    static func samplePayload(of graph: Graph, half: Bool, threads: Int) throws -> [PayloadFile] {
        var loaded = graph
        if half {
            let encoding = TensorEncoding(half: true, layout: .raw)
            for (name, tensor) in graph.initializers where TensorEncoding.fitsHalf(tensor) {
                loaded.initializers[name] = try GraphCoding.tensor(
                    from: encoding.encode(tensor), dtype: tensor.dtype, shape: tensor.shape, name: name, encoding: encoding)
            }
        }
        let files = BundleSample.make(for: loaded, threads: threads)
        if files.isEmpty {
            logger.warning("no sample for the deploy self-test: an input or output name is not a plain file name, or the model does not run on generated inputs")
        }
        return files.sorted { $0.key < $1.key }.map { PayloadFile(path: $0.key, bytes: $0.value) }
    }
}
