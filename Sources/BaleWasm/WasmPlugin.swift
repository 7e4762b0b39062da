public import BaleBundle
import BaleGraph
public import BalePlugins
public import Logging

/// Runs the WebAssembly plugins a bundle carries (manifest entries with a `module`), each in its
/// own sandbox (``WasmLimits``); `BuiltinPlugins.registry` sets it as the registry's module
/// loader. The ABI is `docs/wasm-plugins.md`.
public struct WasmPluginLoader: PluginModuleLoader {
    private let logger: Logger

    /// A loader logging what modules say through `bale.log` to `logger`.
    public init(logger: Logger = Logger(label: "bale.plugins")) { self.logger = logger }

    /// Checks `module` in a sandbox with the declaration's grants and limits, runs its
    /// `bale_init` with the config, and wraps it for `stage`.
    /// - Throws: a ``PluginError`` naming the plugin and saying what is wrong.
    public func plugin(module: [UInt8], declaration: Manifest.Plugin, stage: PluginStage, context: PluginContext) throws -> PluginInstance {
        for (key, value) in context.config.values where key.contains("=") || key.contains(where: \.isNewline) || value.contains(where: \.isNewline) {
            throw PluginError(plugin: context.name, key: printable(key, limit: 100), "keys of a WebAssembly plugin must not hold '=' or a line break, nor values a line break")
        }
        let sandbox: WasmSandbox
        do {
            sandbox = try WasmSandbox(
                module, plugin: context.name, stage: stage, config: context.config, grants: declaration.grants ?? [],
                limits: WasmLimits(declaration.limits), logger: logger)
        } catch {
            throw PluginError(plugin: context.name, "module \(declaration.module ?? ""): \(error)")
        }
        let plugin = WasmPlugin(sandbox: sandbox, context: context)
        return switch stage {
        case .preprocess: .preprocess(plugin)
        case .postprocess: .postprocess(plugin)
        case .monitor: .monitor(plugin)
        }
    }

    /// The stages a module has entry functions for (`bale build --plugin-wasm` without `:stage`).
    /// - Throws: a ``PluginError`` naming `plugin` when `module` is not WebAssembly.
    public static func stages(of module: [UInt8], plugin: String) throws(PluginError) -> [PluginStage] {
        do {
            return try WasmSandbox.stages(in: module)
        } catch {
            throw PluginError(plugin: plugin, "\(error)")
        }
    }
}

/// A WebAssembly plugin behind the same stage protocols as the native ones.
struct WasmPlugin: PreprocessPlugin, PostprocessPlugin, MonitorPlugin {
    let sandbox: WasmSandbox
    let context: PluginContext

    func preprocess(_ payload: Payload) throws -> Payload {
        let output = try run(payload)
        guard case .tensors(let tensors) = output else { return output }
        return .tensors(try modelInputs(tensors))
    }

    func postprocess(_ payload: Payload) throws -> Payload { try run(payload) }

    func observe(_ record: InferenceRecord) throws {
        do {
            _ = try sandbox.call(WasmPayload.encode(record))
        } catch {
            throw PluginError(plugin: context.name, "\(error)")
        }
    }

    /// The payload the module makes of `payload`.
    private func run(_ payload: Payload) throws(PluginError) -> Payload {
        do {
            return try WasmPayload.decode(try sandbox.call(WasmPayload.encode(payload)))
        } catch let error as WasmPayloadError {
            throw PluginError(plugin: context.name, "\(WasmSandbox.entry(of: sandbox.stage)): \(error)")
        } catch {
            throw PluginError(plugin: context.name, "\(error)")
        }
    }

    /// Preprocess output named for the model: an unnamed tensor is the model's only input, and a
    /// tensor for an input takes that input's shape (values that cannot fill it are an error).
    private func modelInputs(_ tensors: [String: Tensor]) throws(PluginError) -> [String: Tensor] {
        var named: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            let input = name.isEmpty ? try context.singleInput() : context.inputs.first { $0.name == name }
            guard let input else {
                named[name] = tensor
                continue
            }
            guard named[input.name] == nil else {
                throw PluginError(plugin: context.name, "\(WasmSandbox.entry(of: .preprocess)) gives input '\(input.name)' twice (by name and unnamed)")
            }
            named[input.name] = Tensor(shape: try context.shape(of: input, holding: tensor.count), storage: tensor.storage)
        }
        return named
    }
}
