public import BalePlugins
import BaleWasm
import DriftPlugin
import ImagePlugin
import JSONLogPlugin
import MetricsPlugin
import NormalizePlugin
import QualityPlugin
import TopKPlugin

/// The plugins that ship with Bale (`Plugins/*`), for the `bale` and `bale-runtime` tools and
/// any program embedding the runtime. The monitors among them export to
/// `MetricsExport.shared` and log through swift-log.
public enum BuiltinPlugins {
    /// Every built-in plugin's descriptor.
    public static let descriptors: [PluginDescriptor] = [
        ImagePlugin.descriptor, NormalizePlugin.descriptor, TopKPlugin.descriptor,
        MetricsPlugin.descriptor, JSONLogPlugin.descriptor, QualityPlugin.descriptor, DriftPlugin.descriptor,
    ]

    /// Adds every built-in plugin to `registry`, and the loader of WebAssembly plugins that
    /// bundles carry.
    public static func register(into registry: inout PluginRegistry) {
        for descriptor in descriptors { registry.register(descriptor) }
        registry.moduleLoader = WasmPluginLoader()
    }

    /// A registry holding the built-in plugins.
    public static var registry: PluginRegistry {
        var registry = PluginRegistry()
        register(into: &registry)
        return registry
    }
}
