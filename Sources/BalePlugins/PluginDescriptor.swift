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
    let make: @Sendable (PluginContext) throws -> PluginInstance

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

/// A plugin made for one loaded model.
enum PluginInstance: Sendable {
    case preprocess(any PreprocessPlugin)
    case postprocess(any PostprocessPlugin)
    case monitor(any MonitorPlugin)
}
