public import BaleGraph

/// What a plugin gets when the model loads (or when `bale build` checks it): its config, its
/// asset files, and the model's signature.
public struct PluginContext: Sendable {
    /// The plugin's name, e.g. `topk`.
    public var name: String
    /// Its configuration from the manifest.
    public var config: PluginConfig
    /// Its asset files, by path relative to `plugins/<name>/` in the bundle (e.g. `labels.txt`).
    public var assets: [String: [UInt8]]
    /// The model's inputs, in order.
    public var inputs: [ValueInfo]
    /// The model's outputs, in order.
    public var outputs: [ValueInfo]
    /// The model's name and version (``ModelIdentity/unnamed`` when not known).
    public var model: ModelIdentity

    /// Creates a context.
    public init(
        name: String, config: PluginConfig, assets: [String: [UInt8]] = [:], inputs: [ValueInfo], outputs: [ValueInfo],
        model: ModelIdentity = .unnamed
    ) {
        self.name = name
        self.model = model
        self.config = config
        self.assets = assets
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The asset at `path` (relative to `plugins/<name>/`), or an error naming the plugin, the
    /// config key that asked for it and the assets there are.
    public func asset(_ path: String, key: String) throws(PluginError) -> [UInt8] {
        guard let bytes = assets[path] else {
            let present = assets.keys.sorted()
            throw PluginError(
                plugin: name, key: key,
                "asset '\(path)' is not in the bundle (plugins/\(name)/ holds \(present.isEmpty ? "nothing" : present.joined(separator: ", "))); add it with --plugin-asset \(name)=FILE")
        }
        return bytes
    }

    /// The model input a plugin feeds: its only one, or an error naming the plugin.
    public func singleInput() throws(PluginError) -> ValueInfo {
        guard inputs.count == 1, let input = inputs.first else {
            throw PluginError(plugin: name, "needs a model with one input; this one has \(inputs.count) (\(inputs.map(\.name).joined(separator: ", ")))")
        }
        return input
    }
}
