public import BaleBundle
public import BaleGraph

/// Maps plugin names to their descriptors (and so to their factories and accepted keys).
///
/// The `bale` tools use the built-in registry (`BuiltinPlugins.registry`); a program embedding
/// the runtime registers its own plugins next to those.
///
/// Example:
/// ```swift
/// var registry = BuiltinPlugins.registry
/// registry.register(.monitor("audit") { _ in AuditMonitor() })
/// let pipeline = try PluginPipeline(model: model, registry: registry)
/// ```
public struct PluginRegistry: Sendable {
    private var descriptors: [String: PluginDescriptor] = [:]
    /// Makes the plugins whose code the bundle carries (manifest entries with a `module`);
    /// without one, a bundle declaring such a plugin is refused.
    public var moduleLoader: (any PluginModuleLoader)?

    /// An empty registry.
    public init() {}

    /// Adds `descriptor`, replacing any plugin of the same name.
    public mutating func register(_ descriptor: PluginDescriptor) {
        descriptors[descriptor.name] = descriptor
    }

    /// The registered names, sorted.
    public var names: [String] { descriptors.keys.sorted() }

    /// The descriptor named `name`, or an error listing the known plugins.
    public func descriptor(named name: String) throws(PluginError) -> PluginDescriptor {
        guard let descriptor = descriptors[name] else {
            throw PluginError(plugin: name, "is not a known plugin (known: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
        }
        return descriptor
    }

    /// Makes the plugins `declarations` name, in order, checking each one's stage and config keys
    /// and letting its factory check the values, its assets and the model.
    /// - Parameters:
    ///   - declarations: the manifest's `plugins`.
    ///   - files: the bundle's files under `plugins/`, by bundle path (`plugins/topk/labels.txt`).
    ///   - inputs: the model's inputs.
    ///   - outputs: the model's outputs.
    ///   - model: the model's name and version, for plugins that label what they export.
    /// - Throws: a ``PluginError`` naming the plugin (and the key, for config errors).
    public func resolve(
        _ declarations: [Manifest.Plugin], files: [String: [UInt8]], inputs: [ValueInfo], outputs: [ValueInfo],
        model: ModelIdentity = .unnamed
    ) throws(PluginError) -> [ResolvedPlugin] {
        var resolved: [ResolvedPlugin] = []
        for declaration in declarations {
            let assets = Self.assets(of: declaration.name, in: files)
            let instance: PluginInstance
            if declaration.module != nil {
                instance = try loadModule(declaration, assets: assets, inputs: inputs, outputs: outputs, model: model)
            } else {
                let (descriptor, context) = try checked(declaration, assets: assets, inputs: inputs, outputs: outputs, model: model)
                instance = try PluginError.naming(declaration.name, "cannot be set up") { try descriptor.make(context) }
            }
            resolved.append(ResolvedPlugin(name: declaration.name, instance: instance))
        }
        return resolved
    }

    /// The plugin of a declaration with a `module`, made by ``moduleLoader`` from the module file
    /// among `assets` (the files under `plugins/<name>/`).
    private func loadModule(
        _ declaration: Manifest.Plugin, assets: [String: [UInt8]], inputs: [ValueInfo], outputs: [ValueInfo], model: ModelIdentity
    ) throws(PluginError) -> PluginInstance {
        let name = declaration.name
        guard let loader = moduleLoader else {
            throw PluginError(plugin: name, "carries its own code (\(declaration.module ?? "")), which this runtime cannot run")
        }
        guard let stage = PluginStage(rawValue: declaration.stage) else {
            throw PluginError(plugin: name, "has an unknown stage '\(declaration.stage)'")
        }
        let path = String((declaration.module ?? "").dropFirst(Self.assetDirectory(of: name).count))
        guard let module = assets[path] else {
            throw PluginError(plugin: name, "its module \(declaration.module ?? "") is not in the bundle")
        }
        let config = try PluginConfig(plugin: name, manifest: declaration.config)
        let context = PluginContext(name: name, config: config, assets: assets, inputs: inputs, outputs: outputs, model: model)
        return try PluginError.naming(name, "cannot be set up") {
            try loader.plugin(module: module, declaration: declaration, stage: stage, context: context)
        }
    }

    /// The assets the bundle ships for `declaration`, given the files of `--plugin-asset`
    /// (by path relative to `plugins/<name>/`): those files as they are, or what the plugin's
    /// build-time step (``PluginDescriptor/preparingAssets(_:)``) makes of them.
    /// - Throws: a ``PluginError`` naming the plugin (and key).
    public func prepareAssets(
        _ declaration: Manifest.Plugin, assets: [String: [UInt8]], inputs: [ValueInfo], outputs: [ValueInfo]
    ) throws(PluginError) -> [String: [UInt8]] {
        if declaration.module != nil {
            // Loading the module checks it, its limits and (through its init function) its config.
            _ = try loadModule(declaration, assets: assets, inputs: inputs, outputs: outputs, model: .unnamed)
            return assets
        }
        let (descriptor, context) = try checked(declaration, assets: assets, inputs: inputs, outputs: outputs, model: .unnamed)
        guard let prepare = descriptor.prepare else { return assets }
        return try PluginError.naming(declaration.name, "cannot prepare its assets") { try prepare(context) }
    }

    /// The descriptor of `declaration`, once its stage and keys are checked, and its context.
    private func checked(
        _ declaration: Manifest.Plugin, assets: [String: [UInt8]], inputs: [ValueInfo], outputs: [ValueInfo], model: ModelIdentity
    ) throws(PluginError) -> (PluginDescriptor, PluginContext) {
        let descriptor = try descriptor(named: declaration.name)
        guard declaration.stage == descriptor.stage.rawValue else {
            throw PluginError(plugin: declaration.name, "is a \(descriptor.stage) plugin, but the manifest declares it as '\(declaration.stage)'")
        }
        let config = try PluginConfig(plugin: declaration.name, manifest: declaration.config)
        try check(config, against: descriptor)
        let context = PluginContext(name: declaration.name, config: config, assets: assets, inputs: inputs, outputs: outputs, model: model)
        return (descriptor, context)
    }

    /// Refuses keys the plugin does not accept, listing those it does.
    private func check(_ config: PluginConfig, against descriptor: PluginDescriptor) throws(PluginError) {
        for key in config.values.keys.sorted() where descriptor.keys[key] == nil {
            let accepted = descriptor.keys.keys.sorted()
            throw PluginError(
                plugin: descriptor.name, key: key,
                "is not a known key (accepted: \(accepted.isEmpty ? "none" : accepted.joined(separator: ", ")))")
        }
    }

    /// The bundle directory holding plugin `name`'s assets: `plugins/<name>/`.
    public static func assetDirectory(of name: String) -> String { "plugins/\(name)/" }

    /// The files under `plugins/<name>/`, by path relative to that directory.
    static func assets(of name: String, in files: [String: [UInt8]]) -> [String: [UInt8]] {
        let prefix = assetDirectory(of: name)
        var assets: [String: [UInt8]] = [:]
        for (path, bytes) in files where path.hasPrefix(prefix) {
            assets[String(path.dropFirst(prefix.count))] = bytes
        }
        return assets
    }
}

/// A plugin made for one model, with the name it was declared under.
public struct ResolvedPlugin: Sendable {
    /// The declared name.
    public let name: String
    /// The plugin.
    public let instance: PluginInstance

    /// The stage it runs in.
    public var stage: PluginStage {
        switch instance {
        case .preprocess: .preprocess
        case .postprocess: .postprocess
        case .monitor: .monitor
        }
    }
}
