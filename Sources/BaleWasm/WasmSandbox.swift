public import BaleBundle
import BalePlugins
import Logging
import NIOConcurrencyHelpers
// `Store.resourceLimiter` (the memory cap) is WasmKit SPI in 0.4.2; it is the only way to refuse
// a `memory.grow` past the cap, so the sandbox uses it.
@_spi(Fuzzing) import WasmKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The limits of a WebAssembly plugin's sandbox.
public struct WasmLimits: Sendable, Hashable {
    /// The most 64 KiB pages its memory may grow to (default 256, 16 MiB).
    public var memoryPages: Int
    /// The most fuel one call may burn, about one unit per WebAssembly instruction (default 10^9).
    public var fuel: UInt64

    /// The runtime's defaults.
    public static let `default` = WasmLimits(memoryPages: 256, fuel: 1_000_000_000)

    /// Limits of `memoryPages` pages and `fuel` per call.
    public init(memoryPages: Int, fuel: UInt64) {
        self.memoryPages = memoryPages
        self.fuel = fuel
    }

    /// The defaults with what `limits` (from a manifest) sets instead.
    public init(_ limits: Manifest.ModuleLimits?) {
        self.init(memoryPages: limits?.memoryPages ?? Self.default.memoryPages, fuel: limits?.fuel ?? Self.default.fuel)
    }
}

/// A plugin's WebAssembly module in its sandbox: parsed, its imports and exports checked, and a
/// pool of instances, each used by one call at a time (a module's instance keeps its memory
/// between calls; a call that traps throws its instance away). A monitor's calls take turns on
/// one instance, so that it can keep counts.
///
/// The sandbox offers the host functions of `docs/wasm-plugins.md` and nothing else: no files,
/// network or clock (the clock only with the `clock` grant). Memory is capped at
/// ``WasmLimits/memoryPages``; each call gets ``WasmLimits/fuel``.
final class WasmSandbox: Sendable {
    /// The ABI version this host speaks.
    static let abiVersion: Int32 = 1

    let plugin: String
    let stage: PluginStage
    let limits: WasmLimits
    private let module: Module
    private let clock: Bool
    private let config: [UInt8]
    private let logger: Logger
    private let idle = NIOLockedValueBox<[WasmInstance]>([])
    private let monitorTurn = NIOLock()
    /// Idle instances kept for reuse; more concurrent calls make instances that go afterwards
    /// (each may hold up to ``WasmLimits/memoryPages`` of memory).
    static let idleLimit = 8

    /// One engine for every module: fuel metering on, software bounds checks (no signal
    /// handlers, no 4 GiB address-space reservation per instance on small devices).
    private static let engine = Engine(configuration: EngineConfiguration(memoryBoundsChecking: .software, fuelMetering: true))

    /// Parses and checks `bytes` for plugin `plugin` in `stage`, and makes its first instance
    /// (which runs the module's `bale_init` with `config`).
    /// - Throws: a ``WasmError`` naming what is wrong: not WebAssembly, another or no ABI version,
    ///   an import the sandbox does not offer, a missing export, a trap or a refusal in `bale_init`.
    init(
        _ bytes: [UInt8], plugin: String, stage: PluginStage, config: PluginConfig, grants: [String], limits: WasmLimits,
        logger: Logger = Logger(label: "bale.plugins")
    ) throws(WasmError) {
        do {
            module = try parseWasm(bytes: bytes)
        } catch {
            throw WasmError("is not a valid WebAssembly module: \(printable("\(error)", limit: 300))")
        }
        self.plugin = plugin
        self.stage = stage
        self.limits = limits
        self.logger = logger
        clock = grants.contains("clock")
        self.config = Array(config.values.keys.sorted().map { "\($0)=\(config.values[$0]!)\n" }.joined().utf8)
        try checkVersion()
        try checkImports()
        try checkExports()
        let first = try makeInstance()
        idle.withLockedValue { $0.append(first) }
    }

    /// The name of the custom section holding a module's ABI version as ASCII digits.
    static let versionSection = "bale_abi_version"

    /// Requires the custom section `bale_abi_version` to say this host's version.
    private func checkVersion() throws(WasmError) {
        guard let section = module.customSections.first(where: { $0.name == Self.versionSection }) else {
            throw WasmError("has no '\(Self.versionSection)' custom section (the plugin ABI version it speaks; this runtime speaks \(Self.abiVersion))")
        }
        let text = String(decoding: section.bytes.prefix(16), as: UTF8.self)
        guard text == "\(Self.abiVersion)" else {
            let digits = !text.isEmpty && text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
            throw WasmError("speaks plugin ABI version \(digits ? text : "(not a number)"); this runtime speaks version \(Self.abiVersion)")
        }
    }

    /// The host functions a module may import, with their types.
    private var offered: [String: FunctionType] {
        var functions: [String: FunctionType] = [
            "log": FunctionType(parameters: [.i32, .i32, .i32]),
            "error": FunctionType(parameters: [.i32, .i32]),
        ]
        if clock { functions["now_ns"] = FunctionType(parameters: [], results: [.i64]) }
        return functions
    }

    /// Refuses any import but the offered `bale` functions, naming it.
    private func checkImports() throws(WasmError) {
        let offered = offered
        for entry in module.imports {
            let name = printable("\(entry.module).\(entry.name)", limit: 200)
            guard entry.module == "bale", case .function = entry.descriptor, offered[entry.name] != nil else {
                if entry.module == "bale", entry.name == "now_ns" {
                    throw WasmError("imports bale.now_ns, which needs the manifest to grant 'clock' (bale build --plugin-grant \(plugin)=clock)")
                }
                let list = offered.keys.sorted().map { "bale.\($0)" }.joined(separator: ", ")
                throw WasmError("imports '\(name)', which the sandbox does not offer (it offers \(list))")
            }
        }
    }

    /// Requires the memory, `bale_alloc` and this stage's entry function.
    private func checkExports() throws(WasmError) {
        var functions: Set<String> = []
        var memory = false
        for export in module.exports {
            switch export.descriptor {
            case .function: functions.insert(export.name)
            case .memory: if export.name == "memory" { memory = true }
            default: break
            }
        }
        guard memory else { throw WasmError("does not export its memory as 'memory'") }
        for required in ["bale_alloc", Self.entry(of: stage)] where !functions.contains(required) {
            throw WasmError("does not export the function '\(required)' (a \(stage) module needs bale_alloc and \(Self.entry(of: stage)))")
        }
    }

    /// The entry function of `stage`: `bale_preprocess`, `bale_postprocess` or `bale_monitor`.
    static func entry(of stage: PluginStage) -> String { "bale_\(stage.rawValue)" }

    /// The stages `bytes` has entry functions for, in stage order (for `bale build` to pick one).
    static func stages(in bytes: [UInt8]) throws(WasmError) -> [PluginStage] {
        let module: Module
        do {
            module = try parseWasm(bytes: bytes)
        } catch {
            throw WasmError("is not a valid WebAssembly module: \(printable("\(error)", limit: 300))")
        }
        let names = Set(module.exports.compactMap { if case .function = $0.descriptor { $0.name } else { nil } })
        return PluginStage.allCases.filter { names.contains(entry(of: $0)) }
    }

    // MARK: - Calls

    /// Runs the stage's entry function on `input` and returns the output buffer it points at
    /// (preprocess and postprocess) or nothing (monitor).
    /// - Throws: a ``WasmError``: a trap (out of fuel, out-of-bounds access, …), the module's own
    ///   failure with its message, or a result outside its memory.
    func call(_ input: [UInt8]) throws(WasmError) -> [UInt8] {
        // A monitor keeps its counts in one instance: its calls take turns.
        guard stage == .monitor else { return try callPooled(input) }
        monitorTurn.lock()
        defer { monitorTurn.unlock() }
        return try callPooled(input)
    }

    /// ``call(_:)`` on an idle instance of the pool, or a new one.
    private func callPooled(_ input: [UInt8]) throws(WasmError) -> [UInt8] {
        let instance = try take()
        do {
            let output = try instance.call(Self.entry(of: stage), input: input, returnsBuffer: stage != .monitor, fuel: limits.fuel)
            giveBack(instance)
            return output
        } catch {
            // A module that failed cleanly keeps its instance; one that trapped may have left its
            // memory half-updated, so its instance goes.
            if !error.trapped { giveBack(instance) }
            throw error
        }
    }

    /// Keeps `instance` for the next call, unless enough are idle.
    private func giveBack(_ instance: WasmInstance) {
        idle.withLockedValue { if $0.count < Self.idleLimit { $0.append(instance) } }
    }

    /// An idle instance, or a new one.
    private func take() throws(WasmError) -> WasmInstance {
        if let instance = idle.withLockedValue({ $0.popLast() }) { return instance }
        return try makeInstance()
    }

    /// A new instance: instantiated with the host functions, its `bale_init` (when exported)
    /// run with the config.
    private func makeInstance() throws(WasmError) -> WasmInstance {
        let instance = try WasmInstance(module: module, engine: Self.engine, limits: limits, clock: clock, plugin: plugin, logger: logger)
        if instance.exports("bale_init") {
            _ = try instance.call("bale_init", input: config, returnsBuffer: false, fuel: limits.fuel)
        }
        return instance
    }
}

/// One instance of a module with its store; used by one thread at a time (the sandbox's pool
/// hands it out), hence `@unchecked Sendable`.
final class WasmInstance: @unchecked Sendable {
    private let store: Store
    private let instance: Instance
    private let memory: Memory
    private let alloc: Function
    /// The message the module gave through `bale.error` during the current call.
    private let failure: FailureBox

    /// What the module said during the current call, and how much host work it asked for.
    private final class FailureBox: @unchecked Sendable {
        var message: String?
        var hostCalls = 0
        var hostBytes = 0

        /// Counts one `bale.log` or `bale.error` of `bytes`; traps the call past 1000 of them or
        /// 1 MiB of text (host work the module's fuel does not pay for).
        func charge(_ bytes: Int, function: String) throws {
            hostCalls += 1
            hostBytes += bytes
            guard hostCalls <= 1000, hostBytes <= 1 << 20 else {
                throw WasmError("\(function) was called more than 1000 times or with more than 1 MiB in one call", trapped: true)
            }
        }
    }

    init(module: Module, engine: Engine, limits: WasmLimits, clock: Bool, plugin: String, logger: Logger) throws(WasmError) {
        store = Store(engine: engine)
        store.resourceLimiter = PageLimiter(pages: limits.memoryPages)
        failure = FailureBox()
        let failure = failure
        var imports = Imports()
        imports.define(module: "bale", name: "log", Function(store: store, parameters: [.i32, .i32, .i32]) { caller, arguments in
            let text = try WasmInstance.string(caller, arguments[1], arguments[2], function: "bale.log", charging: failure)
            let level: Logger.Level = switch arguments[0].i32 {
            case 0: .debug
            case 1: .info
            case 2: .warning
            default: .error
            }
            logger.log(level: level, "\(printable(text, limit: 1 << 16))", metadata: ["plugin": "\(plugin)"])
            return []
        })
        imports.define(module: "bale", name: "error", Function(store: store, parameters: [.i32, .i32]) { caller, arguments in
            failure.message = try WasmInstance.string(caller, arguments[0], arguments[1], function: "bale.error", charging: failure)
            return []
        })
        if clock {
            imports.define(module: "bale", name: "now_ns", Function(store: store, parameters: [], results: [.i64]) { _, _ in
                var time = timespec()
                clock_gettime(CLOCK_MONOTONIC, &time)
                return [.i64(UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec))]
            })
        }
        store.fuel = Fuel(remaining: limits.fuel)
        do {
            instance = try module.instantiate(store: store, imports: imports)
        } catch {
            throw WasmError(instantiating: error, pages: limits.memoryPages)
        }
        guard let memory = instance.exports[memory: "memory"], let alloc = instance.exports[function: "bale_alloc"] else {
            throw WasmError("does not export 'memory' and 'bale_alloc'")
        }
        self.memory = memory
        self.alloc = alloc
    }

    /// Whether the module exports function `name`.
    func exports(_ name: String) -> Bool { instance.exports[function: name] != nil }

    /// Places `input` with `bale_alloc`, calls `function(ptr, len)` and returns its output
    /// buffer (an i64 `ptr << 32 | len`; negative is a failure) or, for `returnsBuffer: false`,
    /// checks its i32 status (non-zero is a failure).
    func call(_ function: String, input: [UInt8], returnsBuffer: Bool, fuel: UInt64) throws(WasmError) -> [UInt8] {
        (failure.message, failure.hostCalls, failure.hostBytes) = (nil, 0, 0)
        store.fuel = Fuel(remaining: fuel)
        guard input.count <= Int(Int32.max) else { throw WasmError("input of \(input.count) bytes is over 2 GiB") }
        let placed = try invoke("bale_alloc", [.i32(UInt32(input.count))])
        guard placed.count == 1, case .i32(let pointer) = placed[0] else { throw WasmError("bale_alloc must return one i32") }
        guard pointer != 0 || input.isEmpty, Int(pointer) + input.count <= memory.byteCount else {
            throw WasmError("bale_alloc(\(input.count)) returned \(pointer), not room for the input in its \(memory.byteCount)-byte memory")
        }
        if !input.isEmpty {
            memory.withUnsafeMutableBufferPointer(offset: UInt(pointer), count: input.count) { $0.copyBytes(from: input) }
        }
        let results = try invoke(function, [.i32(pointer), .i32(UInt32(input.count))])
        if returnsBuffer {
            guard results.count == 1, case .i64(let raw) = results[0] else { throw WasmError("\(function) must return one i64") }
            let result = Int64(bitPattern: raw)
            guard result >= 0 else { throw failed(function, code: result) }
            let (start, count) = (Int(result >> 32), Int(result & 0xFFFF_FFFF))
            guard start + count <= memory.byteCount else {
                throw WasmError("\(function) returned \(count) bytes at \(start), past the end of its \(memory.byteCount)-byte memory")
            }
            guard count > 0 else { return [] }
            return memory.withUnsafeBufferPointer(offset: UInt(start), count: count) { Array($0) }
        }
        guard results.count == 1, case .i32(let status) = results[0] else { throw WasmError("\(function) must return one i32") }
        guard status == 0 else { throw failed(function, code: Int64(Int32(bitPattern: status))) }
        return []
    }

    /// The module's failure: its `bale.error` message, else its code.
    private func failed(_ function: String, code: Int64) -> WasmError {
        guard let message = failure.message.map({ printable(String($0.prefix { !$0.isNewline }), limit: 1024) }), !message.isEmpty else {
            return WasmError("\(function) failed with code \(code) and no message")
        }
        return WasmError(message)
    }

    /// Calls export `name`, turning traps into a ``WasmError`` that says so.
    private func invoke(_ name: String, _ arguments: [Value]) throws(WasmError) -> [Value] {
        guard let function = instance.exports[function: name] else { throw WasmError("does not export the function '\(name)'") }
        do {
            return try function.invoke(arguments)
        } catch let error as WasmError {
            throw error
        } catch {
            throw WasmError(trap: error, in: name)
        }
    }

    /// The UTF-8 text at `pointer`/`length` in the caller's memory (at most 64 KiB of it), charged
    /// to the call's host budget.
    private static func string(
        _ caller: borrowing Caller, _ pointer: Value, _ length: Value, function: String, charging budget: FailureBox
    ) throws -> String {
        guard case .i32(let start) = pointer, case .i32(let count) = length,
            let memory = caller.instance?.exports[memory: "memory"], Int(start) + Int(count) <= memory.byteCount
        else {
            throw WasmError("\(function) was given a buffer outside the module's memory", trapped: true)
        }
        let shown = min(Int(count), 1 << 16)
        try budget.charge(shown, function: function)
        guard shown > 0 else { return "" }
        return memory.withUnsafeBufferPointer(offset: UInt(start), count: shown) { String(decoding: $0, as: UTF8.self) }
    }
}

/// Refuses memory past a number of pages.
private final class PageLimiter: ResourceLimiter {
    let bytes: Int

    init(pages: Int) { bytes = min(max(pages, 0), 65536) * 65536 }

    func limitMemoryGrowth(to desired: Int) throws -> Bool { desired <= bytes }
    func limitTableGrowth(to desired: Int) throws -> Bool { desired <= 1 << 16 }
}

/// What went wrong in a WebAssembly plugin's sandbox, in one line.
struct WasmError: Error, Sendable, CustomStringConvertible {
    let description: String
    /// Whether the module trapped (so its instance must not be used again).
    let trapped: Bool

    init(_ description: String, trapped: Bool = false) {
        self.description = description
        self.trapped = trapped
    }

    /// A trap in `function`, said plainly.
    init(trap error: any Error, in function: String) {
        var reason = "\(error)"
        if reason.hasPrefix("Trap: ") { reason = String(reason.dropFirst(6)) }
        reason = printable(String(reason.prefix { !$0.isNewline }), limit: 300)
        if reason == "out of fuel" {
            self.init("\(function) ran out of fuel (an endless loop, or more work than limits.fuel allows one call)", trapped: true)
        } else {
            self.init("\(function) trapped: \(reason)", trapped: true)
        }
    }

    /// A failed instantiation (a start function's trap included), said plainly.
    init(instantiating error: any Error, pages: Int) {
        let trap = WasmError(trap: error, in: "instantiating")
        if trap.description.contains("initial memory size") {
            self.init("asks for more memory at start than its limit of \(pages) pages (\(pages * 64) KiB)")
        } else if trap.description.contains("out of fuel") {
            self.init("its start function \(trap.description.dropFirst("instantiating ".count))", trapped: true)
        } else {
            self.init("cannot be instantiated: \(trap.description.dropFirst("instantiating trapped: ".count))")
        }
    }
}

/// `text` on one line and at most `limit` UTF-8 bytes (cut at a character), control characters
/// replaced by `?`: what a module says goes into one-line errors and logs.
func printable(_ text: String, limit: Int) -> String {
    var result = ""
    var bytes = 0
    for scalar in text.unicodeScalars {
        let shown: Unicode.Scalar = scalar.properties.generalCategory == .control || scalar.properties.isNoncharacterCodePoint ? "?" : scalar
        bytes += shown.utf8.count
        guard bytes <= limit else { break }
        result.unicodeScalars.append(shown)
    }
    return result
}
