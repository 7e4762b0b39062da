/// A plugin as the registry knows it: its name, stage, accepted config keys and factory.
///
/// Example:
/// ```swift
/// registry.register(.postprocess("topk", keys: ["k": "how many classes"]) { context in
///     try TopKPlugin(context)
/// })
/// ```
public struct PluginDescriptor: Sendable {
    /// The name declared with `bale build --plugin NAME`.
    public let name: String
    /// The stage it runs in.
    public let stage: PluginStage
    /// Accepted config keys, each with a one-line help text; any other key fails the load.
    public let keys: [String: String]
    /// Makes the plugin for one loaded model.
    let make: @Sendable (PluginContext) throws -> PluginInstance
    /// The build-time step of ``preparingAssets(_:)``, if any.
    var prepare: (@Sendable (PluginContext) throws -> [String: [UInt8]])?

    /// This plugin with a build-time step: `bale build` hands `prepare` a context whose
    /// `assets` are the files given with `--plugin-asset` (by relative path), and ships the
    /// files it returns under `plugins/<name>/` instead (e.g. `drift` turns a directory of
    /// reference inputs into a small statistics file).
    public func preparingAssets(_ prepare: @escaping @Sendable (PluginContext) throws -> [String: [UInt8]]) -> PluginDescriptor {
        var descriptor = self
        descriptor.prepare = prepare
        return descriptor
    }

    /// A preprocess plugin made by `make` at load time.
    public static func preprocess(
        _ name: String, keys: [String: String] = [:], make: @escaping @Sendable (PluginContext) throws -> any PreprocessPlugin
    ) -> PluginDescriptor {
        PluginDescriptor(name: name, stage: .preprocess, keys: keys) { .preprocess(try make($0)) }
    }

    /// A postprocess plugin made by `make` at load time.
    public static func postprocess(
        _ name: String, keys: [String: String] = [:], make: @escaping @Sendable (PluginContext) throws -> any PostprocessPlugin
    ) -> PluginDescriptor {
        PluginDescriptor(name: name, stage: .postprocess, keys: keys) { .postprocess(try make($0)) }
    }

    /// A monitor plugin made by `make` at load time.
    public static func monitor(
        _ name: String, keys: [String: String] = [:], make: @escaping @Sendable (PluginContext) throws -> any MonitorPlugin
    ) -> PluginDescriptor {
        PluginDescriptor(name: name, stage: .monitor, keys: keys) { .monitor(try make($0)) }
    }
}

/// A plugin made for one loaded model, by its stage.
public enum PluginInstance: Sendable {
    /// A preprocess plugin.
    case preprocess(any PreprocessPlugin)
    /// A postprocess plugin.
    case postprocess(any PostprocessPlugin)
    /// A monitor plugin.
    case monitor(any MonitorPlugin)
}
