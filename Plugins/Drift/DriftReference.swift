import BaleBundle
import BaleGraph
import BalePlugins
import BaleRuntime

/// The reference statistics of every model input, as `bale build` records them from the
/// directory given with `--plugin-asset drift=DIR` and the plugin reads them at load time.
///
/// `DIR` holds one `.npy` file per model input, named after the input (`x.npy` for input `x`),
/// samples along the first dimension (as `bale build --validate`); for a single-input model any
/// one file name will do. A `labels.npy` is ignored. The bundle ships only
/// `plugins/drift/reference.json`: `{"inputs": {"x": {"count", "bins", "mean", "std", "min",
/// "max", "histogram"}}}`, per feature.
struct DriftReference: Equatable {
    /// The asset the statistics are stored in.
    static let asset = "reference.json"

    /// The statistics by input name.
    var inputs: [String: FeatureStatistics]

    /// The statistics of the `.npy` files in `context.assets`, `bins` bins a feature.
    init(npyFiles context: PluginContext, bins: Int) throws(PluginError) {
        var inputs: [String: FeatureStatistics] = [:]
        for (path, bytes) in context.assets.sorted(by: { $0.key < $1.key }) {
            let file = path.split(separator: "/").last ?? ""
            guard file.hasSuffix(".npy"), file != "labels.npy" else { continue }
            let stem = String(file.dropLast(4))
            guard let input = context.inputs.first(where: { $0.name == stem }) ?? (context.inputs.count == 1 ? context.inputs.first : nil) else {
                throw PluginError(plugin: context.name, "reference file '\(path)' names no model input (inputs: \(context.inputs.map(\.name).joined(separator: ", ")))")
            }
            guard inputs[input.name] == nil else { throw PluginError(plugin: context.name, "two reference files for input '\(input.name)'") }
            let tensor: Tensor
            do { tensor = try NPY.read(bytes, name: path) } catch { throw PluginError(plugin: context.name, "reference file \(error)") }
            guard let samples = tensor.shape.first, samples > 0 else {
                throw PluginError(plugin: context.name, "reference file '\(path)' holds no samples (shape \(tensor.shape))")
            }
            inputs[input.name] = FeatureStatistics(samples: tensor.asFloats, features: tensor.count / samples, bins: bins)
        }
        guard !inputs.isEmpty else {
            throw PluginError(plugin: context.name, "needs reference inputs: --plugin-asset drift=DIR, a directory with one .npy file per model input")
        }
        self.inputs = inputs
    }

    /// The statistics stored in the context's `reference.json`.
    init(stored context: PluginContext) throws(PluginError) {
        guard let bytes = context.assets[Self.asset] else {
            throw PluginError(plugin: context.name, "has no reference statistics (plugins/drift/\(Self.asset)): build with --plugin-asset drift=DIR, a directory of .npy reference inputs")
        }
        guard case .object(let stored)? = (try? JSONParser().parse(bytes))?["inputs"] else {
            throw PluginError(plugin: context.name, "plugins/drift/\(Self.asset) is not a reference statistics file")
        }
        var inputs: [String: FeatureStatistics] = [:]
        for (name, value) in stored {
            guard let statistics = FeatureStatistics(json: value) else {
                throw PluginError(plugin: context.name, "plugins/drift/\(Self.asset): input '\(name)' has malformed statistics")
            }
            inputs[name] = statistics
        }
        self.inputs = inputs
    }

    /// The `reference.json` bytes.
    var bytes: [UInt8] { JSONValue.object(["inputs": .object(inputs.mapValues(\.json))]).canonicalBytes }
}
