import ArgumentParser
import BaleBundle
import BaleGraph
import BalePlugins
import BuiltinPlugins
import Foundation

/// `bale build`'s plugin options: which plugins the bundles declare, with what config and assets.
struct PluginBuildOptions: ParsableArguments {
    @Option(name: .customLong("plugin"), help: ArgumentHelp(
        "Declare a plugin, in order, repeatable: NAME or NAME:key=value,key=value (built-ins: \(BuiltinPlugins.registry.names.joined(separator: ", "))).",
        valueName: "name[:key=value,...]"))
    var plugins: [String] = []

    @Option(name: .customLong("plugin-asset"), help: ArgumentHelp(
        "Ship a file (or a directory's files) as plugin NAME's asset under plugins/NAME/ in the bundle, repeatable (drift=DIR: reference .npy inputs, stored as statistics).",
        valueName: "name=path"))
    var assets: [String] = []

    /// What the options declare, checked against the built-in registry and the model.
    struct Resolved {
        var declarations: [Manifest.Plugin]
        var assets: [PayloadFile]
    }

    /// Parses the options, reads the assets and resolves every plugin as a load would: an
    /// unknown plugin, a bad key or value, or a missing asset fails the build.
    func resolve(inputs: [ValueInfo], outputs: [ValueInfo]) throws -> Resolved {
        let registry = BuiltinPlugins.registry
        var declarations: [Manifest.Plugin] = []
        for option in plugins {
            let (name, config) = try Self.parse(option)
            declarations.append(Manifest.Plugin(name: name, stage: try registry.descriptor(named: name).stage.rawValue, config: config.manifestValue))
        }
        var given: [String: [PayloadFile]] = [:]
        var bytes: [String: [UInt8]] = [:]
        for option in assets {
            guard let equals = option.firstIndex(of: "="), equals != option.startIndex, option.index(after: equals) != option.endIndex else {
                throw ValidationError("--plugin-asset '\(option)' must be NAME=PATH")
            }
            let name = String(option[..<equals]), path = String(option[option.index(after: equals)...])
            guard declarations.contains(where: { $0.name == name }) else {
                throw ValidationError("--plugin-asset '\(option)': no --plugin \(name) is declared")
            }
            for file in try Self.assetFiles(at: path, plugin: name) {
                guard bytes[file.path] == nil else { throw ValidationError("--plugin-asset '\(option)': '\(file.path)' is given twice") }
                guard case .file(let source) = file.source, let data = FileManager.default.contents(atPath: source) else {
                    throw ValidationError("--plugin-asset '\(option)': cannot read '\(path)'")
                }
                bytes[file.path] = Array(data)
                given[name, default: []].append(file)
            }
        }
        var files: [PayloadFile] = []
        var shipped: [String: [UInt8]] = [:]
        for declaration in declarations {
            let prefix = PluginRegistry.assetDirectory(of: declaration.name)
            let plugin = given[declaration.name] ?? []
            let assets = Dictionary(uniqueKeysWithValues: plugin.map { (String($0.path.dropFirst(prefix.count)), bytes[$0.path] ?? []) })
            let prepared = try registry.prepareAssets(declaration, assets: assets, inputs: inputs, outputs: outputs)
            // Files shipped as given are streamed from disk; what a build-time step made is written from memory.
            files += prepared == assets ? plugin : prepared.sorted { $0.key < $1.key }.map { PayloadFile(path: prefix + $0.key, bytes: $0.value) }
            for (path, data) in prepared { shipped[prefix + path] = data }
        }
        _ = try registry.resolve(declarations, files: shipped, inputs: inputs, outputs: outputs)
        return Resolved(declarations: declarations, assets: files)
    }

    /// `NAME[:key=value,...]` as the name and its config.
    static func parse(_ option: String) throws -> (String, PluginConfig) {
        let parts = option.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard !name.isEmpty else { throw ValidationError("--plugin '\(option)' must be NAME or NAME:key=value,...") }
        var values: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: ",") {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw ValidationError("--plugin '\(option)': '\(pair)' must be key=value")
                }
                let key = String(pair[..<equals])
                guard values[key] == nil else { throw ValidationError("--plugin '\(option)': key '\(key)' is given twice") }
                values[key] = String(pair[pair.index(after: equals)...])
            }
        }
        return (name, PluginConfig(plugin: name, values: values))
    }

    /// The file at `path`, or every file under it when it is a directory, as bundle files
    /// under `plugins/<plugin>/`.
    static func assetFiles(at path: String, plugin: String) throws -> [PayloadFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("--plugin-asset \(plugin)=\(path): no such file or directory")
        }
        let prefix = PluginRegistry.assetDirectory(of: plugin)
        if isDirectory.boolValue {
            return try PayloadDirectory(scanning: path).files.map { file in
                var file = file
                file.path = prefix + file.path
                return file
            }
        }
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
        return [PayloadFile(path: prefix + URL(fileURLWithPath: path).lastPathComponent, source: .file(path: path), size: size)]
    }
}
