import BaleBundle
import BalePlugins
@testable import BaleWasm
import Testing
import WAT

/// Hostile and broken modules (written here in WebAssembly text): each is stopped with a clear
/// error and the runtime stays usable.
@Suite struct WasmSandboxTests {
    /// The exports every module needs, around `body` (functions, data) and with `memory` pages,
    /// with the ABI version section.
    static func module(_ body: String, imports: String = "", memory: String = "1") throws -> [UInt8] {
        versioned(try wat2wasm("""
            (module
              \(imports)
              (memory (export "memory") \(memory))
              (func (export "bale_alloc") (param i32) (result i32) (i32.const 1024))
              \(body)
            )
            """))
    }

    /// `module` with a custom section `bale_abi_version` holding `version` appended.
    static func versioned(_ module: [UInt8], _ version: String = "1") -> [UInt8] {
        let name = Array("bale_abi_version".utf8), payload = Array(version.utf8)
        return module + [0, UInt8(1 + name.count + payload.count), UInt8(name.count)] + name + payload
    }

    /// Returns the input as it came (a kind-1 buffer is a valid output), or loops forever when
    /// its first content byte is 1.
    static let echoOrLoop = """
        (func (export "bale_preprocess") (param $p i32) (param $n i32) (result i64)
          (if (i32.eq (i32.load8_u (i32.add (local.get $p) (i32.const 4))) (i32.const 1))
            (then (loop $forever (br $forever))))
          (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $n))))
        """

    static func sandbox(_ bytes: [UInt8], stage: PluginStage = .preprocess, grants: [String] = [], limits: WasmLimits = .default) throws(WasmError) -> WasmSandbox {
        try WasmSandbox(bytes, plugin: "hostile", stage: stage, config: PluginConfig(plugin: "hostile"), grants: grants, limits: limits)
    }

    static func refusal(_ bytes: [UInt8], stage: PluginStage = .preprocess, grants: [String] = [], limits: WasmLimits = .default) -> String {
        do {
            _ = try sandbox(bytes, stage: stage, grants: grants, limits: limits)
            return "loaded"
        } catch {
            return error.description
        }
    }

    static func buffer(_ content: [UInt8]) -> [UInt8] { WasmPayload.encode(.bytes(content)) }

    @Test func anEndlessLoopRunsOutOfFuelAndTheNextCallWorks() throws {
        let sandbox = try Self.sandbox(try Self.module(Self.echoOrLoop), limits: WasmLimits(memoryPages: 16, fuel: 5_000_000))
        let looped = #expect(throws: WasmError.self) { _ = try sandbox.call(Self.buffer([1])) }
        #expect(looped?.description.contains("ran out of fuel") == true, "\(String(describing: looped))")
        #expect(try sandbox.call(Self.buffer([2, 3])) == Self.buffer([2, 3]))
    }

    @Test func memoryCannotGrowPastTheCap() throws {
        // Grows one page at a time until refused, then returns memory.size as its output's length.
        let grab = try Self.module("""
            (func (export "bale_preprocess") (param i32 i32) (result i64)
              (loop $more (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
              (i64.extend_i32_u (memory.size)))
            """)
        let sandbox = try Self.sandbox(grab, limits: WasmLimits(memoryPages: 8, fuel: 1_000_000))
        // Its output is memory.size bytes at offset 0: the pages it reached.
        #expect(try sandbox.call(Self.buffer([])).count == 8)
        let start = try Self.module("(func (export \"bale_preprocess\") (param i32 i32) (result i64) (i64.const 0))", memory: "300")
        #expect(Self.refusal(start).contains("more memory at start than its limit of 256 pages"), "\(Self.refusal(start))")
    }

    @Test func outOfBoundsAccessTrapsCleanly() throws {
        let wild = try Self.module("""
            (func (export "bale_preprocess") (param i32 i32) (result i64)
              (drop (i32.load (i32.const 0xFFFFFFF0))) (i64.const 0))
            """)
        let sandbox = try Self.sandbox(wild)
        let error = #expect(throws: WasmError.self) { _ = try sandbox.call(Self.buffer([1])) }
        #expect(error?.description == "bale_preprocess trapped: out of bounds memory access")
        #expect(error?.trapped == true)
    }

    @Test func aResultOutsideMemoryIsRefused() throws {
        let liar = try Self.module("(func (export \"bale_preprocess\") (param i32 i32) (result i64) (i64.const 0x0000FFF0_00100000))")
        let error = #expect(throws: WasmError.self) { _ = try Self.sandbox(liar).call(Self.buffer([1])) }
        #expect(error?.description.contains("past the end of its 65536-byte memory") == true, "\(String(describing: error))")
    }

    @Test func importsBeyondTheSandboxAreRefusedByName() throws {
        let wasi = try Self.module(Self.echoOrLoop, imports: "(import \"wasi_snapshot_preview1\" \"fd_write\" (func (param i32 i32 i32 i32) (result i32)))")
        #expect(Self.refusal(wasi) == "imports 'wasi_snapshot_preview1.fd_write', which the sandbox does not offer (it offers bale.error, bale.log)")
        let clock = try Self.module(Self.echoOrLoop, imports: "(import \"bale\" \"now_ns\" (func (result i64)))")
        #expect(Self.refusal(clock).contains("needs the manifest to grant 'clock'"))
        #expect(Self.refusal(clock, grants: ["clock"]) == "loaded")
        let memory = Self.versioned(try wat2wasm("(module (import \"env\" \"memory\" (memory 1)))"))
        #expect(Self.refusal(memory).hasPrefix("imports 'env.memory'"))
        let mistyped = try Self.module(Self.echoOrLoop, imports: "(import \"bale\" \"log\" (func (param i64)))")
        #expect(Self.refusal(mistyped).hasPrefix("cannot be instantiated"), "\(Self.refusal(mistyped))")
    }

    @Test func missingExportsAndOtherVersionsAreRefused() throws {
        #expect(Self.refusal(try Self.module("")) .contains("does not export the function 'bale_preprocess'"))
        #expect(Self.refusal(try Self.module(Self.echoOrLoop), stage: .monitor).contains("'bale_monitor'"))
        let echo = try wat2wasm("(module (memory (export \"memory\") 1) (func (export \"bale_alloc\") (param i32) (result i32) (i32.const 0)) \(Self.echoOrLoop))")
        #expect(Self.refusal(Self.versioned(echo, "2")) == "speaks plugin ABI version 2; this runtime speaks version 1")
        #expect(Self.refusal(echo).hasPrefix("has no 'bale_abi_version' custom section"))
        #expect(Self.refusal(Self.versioned(echo)) == "loaded")
        #expect(Self.refusal([0, 0x61, 0x73, 0x6D, 2, 0, 0, 0]).hasPrefix("is not a valid WebAssembly module"))
        #expect(Self.refusal(Array("not wasm".utf8)).hasPrefix("is not a valid WebAssembly module"))
    }

    @Test func hostCallsAreBudgetedAndMessagesKeptToOneLine() throws {
        let chatty = try Self.module("""
            (data (i32.const 16) "line one\\nline two\\07")
            (func (export "bale_monitor") (param i32 i32) (result i32) (local $i i32)
              (loop $more
                (call $log (i32.const 1) (i32.const 16) (i32.const 18))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br_if $more (i32.lt_u (local.get $i) (i32.load8_u (local.get 0)))))
              (call $error (i32.const 16) (i32.const 18)) (i32.const 1))
            """, imports: "(import \"bale\" \"log\" (func $log (param i32 i32 i32))) (import \"bale\" \"error\" (func $error (param i32 i32)))")
        let sandbox = try Self.sandbox(chatty, stage: .monitor)
        // 3 logs, then the error: its first line is the message.
        let few = #expect(throws: WasmError.self) { _ = try sandbox.call([3]) }
        #expect(few?.description == "line one")
        // 255 logs a call is within the budget; a module logging in a loop past 1000 is stopped.
        let flood = try Self.module("""
            (func (export "bale_monitor") (param i32 i32) (result i32)
              (loop $forever (call $log (i32.const 1) (i32.const 0) (i32.const 4)) (br $forever)) (i32.const 0))
            """, imports: "(import \"bale\" \"log\" (func $log (param i32 i32 i32)))")
        let stopped = #expect(throws: WasmError.self) { _ = try Self.sandbox(flood, stage: .monitor).call([]) }
        #expect(stopped?.description == "bale.log was called more than 1000 times or with more than 1 MiB in one call")
        #expect(printable("a\u{7}b\nc", limit: 10) == "a?b?c")
        #expect(printable("ééé", limit: 5) == "éé")
    }

    @Test func aModuleFailureCarriesItsMessage() throws {
        let refuses = try Self.module("""
            (data (i32.const 16) "no thanks")
            (func (export "bale_monitor") (param i32 i32) (result i32)
              (call $error (i32.const 16) (i32.const 9)) (i32.const 3))
            """, imports: "(import \"bale\" \"error\" (func $error (param i32 i32)))")
        let sandbox = try Self.sandbox(refuses, stage: .monitor)
        let error = #expect(throws: WasmError.self) { _ = try sandbox.call(WasmPayload.encode(.bytes([]))) }
        #expect(error?.description == "no thanks")
        #expect(error?.trapped == false)
        let wild = try Self.module("""
            (func (export "bale_monitor") (param i32 i32) (result i32)
              (call $error (i32.const 0xFFFFFF00) (i32.const 4096)) (i32.const 1))
            """, imports: "(import \"bale\" \"error\" (func $error (param i32 i32)))")
        let outside = #expect(throws: WasmError.self) { _ = try Self.sandbox(wild, stage: .monitor).call([]) }
        #expect(outside?.description.contains("outside the module's memory") == true, "\(String(describing: outside))")
    }
}
