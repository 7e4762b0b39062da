public import BalePlugins
import BaleBundle
import BaleGraph

/// `topk`: the k best classes of a score output, best first, with labels from an asset file.
///
/// The response is `{"topk": [{"index": 3, "label": "three", "score": 0.97}, ...]}` (`label`
/// only with a labels file); for a batch of several rows, `topk` holds one such list a row.
/// Keys: `k` (default 5, at most the class count), `output` (default: the model's first f32
/// output), `labels` (an asset under `plugins/topk/`, one label a line, line N for class N).
public struct TopKPlugin: PostprocessPlugin {
    /// The plugin's name in manifests and on the command line.
    public static let name = "topk"

    /// The registry entry.
    public static let descriptor = PluginDescriptor.postprocess(name, keys: [
        "k": "how many classes to return, best first (default 5)",
        "output": "the model output holding the scores (default: the first f32 output)",
        "labels": "asset file with one label a line, e.g. labels.txt (add it with --plugin-asset topk=FILE)",
    ]) { try TopKPlugin($0) }

    let plugin: String
    let k: Int
    let output: String
    let labels: [String]?

    /// Reads and checks the config and the labels asset.
    public init(_ context: PluginContext) throws(PluginError) {
        let config = context.config
        plugin = context.name
        k = try config.int("k", default: 5, in: 1...100_000) ?? 5
        output = try context.scoreOutput(key: "output")
        labels = try context.labels(key: "labels")
    }

    public func postprocess(_ payload: Payload) throws -> Payload {
        guard case .tensors(let tensors) = payload, let scores = tensors[output] else {
            throw PluginError(plugin: plugin, "needs the model output '\(output)' as a tensor, got \(payload.kind)")
        }
        let classes = scores.shape.last ?? 1
        guard scores.dtype != .bool, scores.count > 0, classes > 0 else {
            throw PluginError(plugin: plugin, "output '\(output)' (\(scores.dtype)\(scores.shape)) holds no scores")
        }
        if let labels, labels.count < classes {
            throw PluginError(plugin: plugin, key: "labels", "has \(labels.count) labels, but output '\(output)' has \(classes) classes")
        }
        let values = scores.asFloats
        let rows = stride(from: 0, to: values.count, by: classes).map { best(values[$0..<($0 + classes)]) }
        return .json(.object(["topk": rows.count == 1 ? rows[0] : .array(rows)]))
    }

    /// The k best entries of one row, best first (ties: the lower index first).
    func best(_ row: ArraySlice<Float>) -> JSONValue {
        let start = row.startIndex
        let order = row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }.prefix(k)
        return .array(order.map { index in
            var entry: [String: JSONValue] = ["index": .number(Double(index - start)), "score": .number(Double(row[index]))]
            if let labels { entry["label"] = .string(labels[index - start]) }
            return .object(entry)
        })
    }
}
