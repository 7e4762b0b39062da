import BaleBundle
import BaleGraph
import BalePlugins
import Testing

@Suite struct RegistryTests {
    func resolve(_ declaration: Manifest.Plugin, files: [String: [UInt8]] = [:]) throws -> [ResolvedPlugin] {
        try testRegistry().resolve([declaration], files: files, inputs: inputs, outputs: outputs)
    }

    @Test func unknownPluginFailsTheLoadNamingItAndTheKnownOnes() {
        let error = #expect(throws: PluginError.self) { try resolve(Manifest.Plugin(name: "nope", stage: "preprocess")) }
        #expect(error?.message.hasPrefix("plugin 'nope': is not a known plugin (known: fail-monitor, fail-post") == true)
    }

    @Test func unknownKeyFailsNamingThePluginAndTheKey() {
        let error = #expect(throws: PluginError.self) {
            try resolve(Manifest.Plugin(name: "scaled", stage: "postprocess", config: ["factr": .string("2")]))
        }
        #expect(error?.message == "plugin 'scaled': key 'factr': is not a known key (accepted: factor)")
    }

    @Test func badValueFailsNamingThePluginAndTheKey() {
        let error = #expect(throws: PluginError.self) {
            try resolve(Manifest.Plugin(name: "scaled", stage: "postprocess", config: ["factor": .string("two")]))
        }
        #expect(error?.message.hasPrefix("plugin 'scaled': key 'factor': \"two\" must be a number") == true)
    }

    @Test func declaredStageMustMatchThePlugin() {
        let error = #expect(throws: PluginError.self) { try resolve(Manifest.Plugin(name: "sum", stage: "preprocess")) }
        #expect(error?.message == "plugin 'sum': is a postprocess plugin, but the manifest declares it as 'preprocess'")
    }

    @Test func numbersAndBooleansInTheManifestAreReadAsText() throws {
        let config = try PluginConfig(plugin: "p", manifest: ["k": .number(3), "on": .bool(true)])
        #expect(config.values == ["k": "3", "on": "true"])
        #expect(try config.int("k", in: 1...5) == 3)
        #expect(throws: PluginError.self) { try PluginConfig(plugin: "p", manifest: ["k": .array([])]) }
    }

    @Test func eachPluginGetsOnlyItsOwnAssets() throws {
        let seen = Recording()
        var registry = PluginRegistry()
        registry.register(.monitor("a") { context in
            #expect(context.assets == ["labels.txt": [1], "sub/x.bin": [2]])
            #expect(throws: PluginError.self) { try context.asset("missing.txt", key: "labels") }
            return seen
        })
        let files: [String: [UInt8]] = ["plugins/a/labels.txt": [1], "plugins/a/sub/x.bin": [2], "plugins/ab/other": [3], "graph.json": [4]]
        let resolved = try registry.resolve([Manifest.Plugin(name: "a", stage: "monitor")], files: files, inputs: inputs, outputs: outputs)
        #expect(resolved.map(\.stage) == [.monitor])
    }

    @Test func contextShapesAFlatListToTheInput() throws {
        let context = PluginContext(name: "p", config: PluginConfig(plugin: "p"), inputs: inputs, outputs: outputs)
        #expect(try context.shape(of: inputs[0], holding: 6) == [3, 2])
        let error = #expect(throws: PluginError.self) { try context.shape(of: inputs[0], holding: 5) }
        #expect(error?.message.contains("5 values do not fill input 'x'") == true)
    }

    @Test func payloadDetectsJSONAndKeepsOtherBytes() {
        #expect(Payload(detecting: Array(" [1, 2]\n".utf8)) == .json(.array([.number(1), .number(2)])))
        #expect(Payload(detecting: Array("{\"data\": [1]}".utf8)) == .json(.object(["data": .array([.number(1)])])))
        #expect(Payload(detecting: [0x89, 0x50]) == .bytes([0x89, 0x50]))
        #expect(Payload(detecting: Array("[not json".utf8)) == .bytes(Array("[not json".utf8)))
    }
}
