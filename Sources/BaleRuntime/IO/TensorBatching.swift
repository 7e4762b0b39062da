public import BaleGraph

/// Joining the inputs of several requests into one batch along the first axis, and splitting
/// the batch's outputs back (dynamic batching in the sidecar).
///
/// Example:
/// ```swift
/// if let batch = TensorBatching.concatenate([feedsA, feedsB]) {
///     let outputs = try executor.run(batch.feeds)
///     let perRequest = TensorBatching.split(outputs, rows: batch.rows)  // [outputsA, outputsB]
/// }
/// ```
public enum TensorBatching {
    /// Feeds of several requests joined along axis 0.
    public struct Batch: Sendable {
        /// The joined tensors, by input name.
        public var feeds: [String: Tensor]
        /// Rows (first-axis length) each request brought, in order.
        public var rows: [Int]
    }

    /// Joins `requests` along axis 0, or `nil` when they cannot be joined: different input
    /// names, element types, ranks, or sizes beyond the first axis, a scalar input, or inputs
    /// of one request disagreeing on its row count.
    public static func concatenate(_ requests: [[String: Tensor]]) -> Batch? {
        guard let first = requests.first, !first.isEmpty else { return nil }
        var rows: [Int] = []
        for feeds in requests {
            guard feeds.count == first.count, let anyTensor = feeds.first?.value, let count = anyTensor.shape.first else { return nil }
            for (name, tensor) in feeds {
                guard let reference = first[name], tensor.dtype == reference.dtype, tensor.shape.count == reference.shape.count,
                    tensor.shape.first == count, tensor.shape.dropFirst() == reference.shape.dropFirst()
                else { return nil }
            }
            rows.append(count)
        }
        var joined: [String: Tensor] = [:]
        for (name, reference) in first {
            var shape = reference.shape
            shape[0] = rows.reduce(0, +)
            joined[name] = Tensor(shape: shape, storage: TensorStorage.concatenated(requests.map { $0[name]!.storage })!)
        }
        return Batch(feeds: joined, rows: rows)
    }

    /// Splits every output along axis 0 into pieces of `rows`, or `nil` when an output's first
    /// axis is not their sum (the model's outputs do not follow the batch).
    public static func split(_ outputs: [String: Tensor], rows: [Int]) -> [[String: Tensor]]? {
        let total = rows.reduce(0, +)
        var pieces = [[String: Tensor]](repeating: [:], count: rows.count)
        for (name, tensor) in outputs {
            guard tensor.shape.first == total else { return nil }
            var start = 0
            for (index, count) in rows.enumerated() {
                pieces[index][name] = tensor.rows(start..<start + count)
                start += count
            }
        }
        return pieces
    }
}
