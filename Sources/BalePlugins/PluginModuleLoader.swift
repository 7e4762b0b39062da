public import BaleBundle

/// Makes plugins from code a bundle carries: manifest plugin entries with a `module` file (a
/// WebAssembly module; see `docs/wasm-plugins.md`). Set one as ``PluginRegistry/moduleLoader``.
public protocol PluginModuleLoader: Sendable {
    /// Checks `module` (the bytes of `declaration.module`) and makes the plugin `declaration`
    /// declares for `stage`. The context's config is not checked against a list of keys: the
    /// module checks its own.
    /// - Throws: an error saying what is wrong with the module, its config or its limits.
    func plugin(module: [UInt8], declaration: Manifest.Plugin, stage: PluginStage, context: PluginContext) throws -> PluginInstance
}
