import ArgumentParser
import BaleBundle
import BaleGraph
import BalePlugins
import BaleWasm
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

    @Option(name: .customLong("plugin-wasm"), help: ArgumentHelp(
        "Ship a WebAssembly plugin, repeatable: its module goes to plugins/NAME/plugin.wasm and runs sandboxed on every target (docs/wasm-plugins.md). STAGE (preprocess, postprocess, monitor) is needed only when the module has entries for several. Give its config and place in the chain with --plugin NAME:key=value; without one it runs after the other plugins of its stage.",
        valueName: "name=path.wasm[:stage]"))
    var wasm: [String] = []

    @Option(name: .customLong("plugin-grant"), help: ArgumentHelp(
        "Let WebAssembly plugin NAME use GRANT, repeatable (clock: bale.now_ns, a monotonic clock). Without grants a module can only compute and log.",
        valueName: "name=grant"))
    var grants: [String] = []

    @Option(name: .customLong("plugin-limit"), help: ArgumentHelp(
        "Sandbox limits of WebAssembly plugin NAME instead of the defaults (memory-pages=256, i.e. 16 MiB; fuel=1000000000 per call, about one unit per instruction); at most 4096 pages and 10^11 fuel.",
        valueName: "name:memory-pages=N,fuel=N"))
    var limits: [String] = []

    /// The name of a plugin's WebAssembly module in the bundle, under `plugins/<name>/`.
    static let moduleFile = "plugin.wasm"

    /// What the options declare, checked against the built-in registry and the model.
    struct Resolved {
        var declarations: [Manifest.Plugin]
        var assets: [PayloadFile]
    }

    /// Parses the options, reads the assets and resolves every plugin as a load would: an
    /// unknown plugin, a bad key or value, or a missing asset fails the build.
    func resolve(inputs: [ValueInfo], outputs: [ValueInfo]) throws -> Resolved {
        let registry = BuiltinPlugins.registry
        let modules = try wasmModules()
        var declarations: [Manifest.Plugin] = []
        for option in plugins {
            let (name, config) = try Self.parse(option)
            guard !declarations.contains(where: { $0.name == name }) else { throw ValidationError("--plugin '\(option)': plugin '\(name)' is declared twice") }
            if var module = modules.first(where: { $0.declaration.name == name })?.declaration {
                module.config = config.manifestValue
                declarations.append(module)
            } else {
                declarations.append(Manifest.Plugin(name: name, stage: try registry.descriptor(named: name).stage.rawValue, config: config.manifestValue))
            }
        }
        for module in modules where !declarations.contains(where: { $0.name == module.declaration.name }) {
            declarations.append(module.declaration)
        }
        var given: [String: [PayloadFile]] = [:]
        var bytes: [String: [UInt8]] = [:]
        for module in modules {
            given[module.declaration.name] = [module.file]
            bytes[module.file.path] = module.bytes
        }
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

    /// A WebAssembly plugin of `--plugin-wasm`: its declaration, its module file and bytes.
    struct WasmModule {
        var declaration: Manifest.Plugin
        var file: PayloadFile
        var bytes: [UInt8]
    }

    /// The `--plugin-wasm` modules, read and with their stage, grants and limits.
    func wasmModules() throws -> [WasmModule] {
        var modules: [WasmModule] = []
        for option in wasm {
            guard let equals = option.firstIndex(of: "="), equals != option.startIndex, option.index(after: equals) != option.endIndex else {
                throw ValidationError("--plugin-wasm '\(option)' must be NAME=PATH.wasm or NAME=PATH.wasm:STAGE")
            }
            let name = String(option[..<equals])
            var path = String(option[option.index(after: equals)...])
            var stage: PluginStage?
            if let colon = path.lastIndex(of: ":"), let named = PluginStage(rawValue: String(path[path.index(after: colon)...])) {
                stage = named
                path = String(path[..<colon])
            }
            guard Manifest.isName(name) else { throw ValidationError("--plugin-wasm '\(option)': '\(name)' is not a valid plugin name (A-Z a-z 0-9 . _ -)") }
            guard !modules.contains(where: { $0.declaration.name == name }) else { throw ValidationError("--plugin-wasm '\(option)': plugin '\(name)' is given twice") }
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("--plugin-wasm '\(option)': cannot read '\(path)'") }
            let bytes = Array(data)
            let stages = try WasmPluginLoader.stages(of: bytes, plugin: name)
            if let stage {
                guard stages.contains(stage) else {
                    throw ValidationError("--plugin-wasm '\(option)': the module has no \(stage) entry (bale_\(stage)); it has \(stages.isEmpty ? "none" : stages.map(\.rawValue).joined(separator: ", "))")
                }
            } else {
                guard stages.count == 1 else {
                    throw ValidationError("--plugin-wasm '\(option)': the module has entries for \(stages.isEmpty ? "no stage (bale_preprocess, bale_postprocess or bale_monitor)" : stages.map(\.rawValue).joined(separator: " and ")); add :STAGE")
                }
                stage = stages[0]
            }
            let file = PayloadFile(path: PluginRegistry.assetDirectory(of: name) + Self.moduleFile, source: .file(path: path), size: UInt64(bytes.count))
            let declaration = Manifest.Plugin(
                name: name, stage: stage!.rawValue, module: file.path, grants: try grants(of: name), limits: try limits(of: name))
            modules.append(WasmModule(declaration: declaration, file: file, bytes: bytes))
        }
        for (options, separator, form) in [(grants, "=", "--plugin-grant NAME=GRANT"), (limits, ":", "--plugin-limit NAME:key=value")] {
            for option in options {
                let name = String(option.prefix { $0 != "=" && $0 != ":" })
                guard option.dropFirst(name.count).hasPrefix(separator) else { throw ValidationError("'\(option)' must be \(form)") }
                guard modules.contains(where: { $0.declaration.name == name }) else {
                    throw ValidationError("'\(option)': no --plugin-wasm \(name) is given (grants and limits are for WebAssembly plugins)")
                }
            }
        }
        return modules
    }

    /// The `--plugin-grant` grants of plugin `name`, or `nil` without any.
    private func grants(of name: String) throws -> [String]? {
        var granted: [String] = []
        for option in grants where option.hasPrefix(name + "=") {
            let grant = String(option.dropFirst(name.count + 1))
            guard Manifest.moduleGrants.contains(grant) else {
                throw ValidationError("--plugin-grant '\(option)': '\(grant)' is not a grant (known: \(Manifest.moduleGrants.sorted().joined(separator: ", ")))")
            }
            if !granted.contains(grant) { granted.append(grant) }
        }
        return granted.isEmpty ? nil : granted.sorted()
    }

    /// The `--plugin-limit` limits of plugin `name`, or `nil` without any.
    private func limits(of name: String) throws -> Manifest.ModuleLimits? {
        var limits: Manifest.ModuleLimits?
        for option in self.limits where option.hasPrefix(name + ":") {
            var set = limits ?? Manifest.ModuleLimits()
            for pair in option.dropFirst(name.count + 1).split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                let maxima = Manifest.moduleLimitMaxima
                switch (parts.first, parts.count == 2 ? parts[1] : nil) {
                case ("memory-pages", let text?):
                    guard let pages = Int(text), (1...(maxima.memoryPages ?? 0)).contains(pages) else {
                        throw ValidationError("--plugin-limit '\(option)': memory-pages must be a whole number from 1 to \(maxima.memoryPages ?? 0)")
                    }
                    set.memoryPages = pages
                case ("fuel", let text?):
                    guard let fuel = UInt64(text), (1...(maxima.fuel ?? 0)).contains(fuel) else {
                        throw ValidationError("--plugin-limit '\(option)': fuel must be a whole number from 1 to \(maxima.fuel ?? 0)")
                    }
                    set.fuel = fuel
                default:
                    throw ValidationError("--plugin-limit '\(option)': '\(pair)' must be memory-pages=N or fuel=N")
                }
            }
            limits = set
        }
        return limits
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
