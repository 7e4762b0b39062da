public import BaleGraph
import NIOConcurrencyHelpers

/// Runs a graph on the CPU, node by node, with the kernels of ``KernelRegistry``.
///
/// Built once per loaded model; ``run(_:)`` keeps all its state local, so one executor serves
/// concurrent inferences. Intermediate values are released right after their last use.
///
/// Example:
/// ```swift
/// let executor = try Executor(graph: graph)
/// let outputs = try executor.run(["input": Tensor(shape: [1, 4], floats: [5.1, 3.5, 1.4, 0.2])])
/// ```
public final class Executor: Sendable {
    /// The graph being run. Initializers that a kernel's prepared form replaced (e.g. weight
    /// matrices packed for the GEMM micro-kernel, see ``PreparedReplacement``) are left out of
    /// it when no other node reads them, so the weights are held once.
    public let graph: Graph
    /// Worker threads kernels may use.
    public let threads: Int
    /// The most elements any tensor a kernel creates may have: a node whose output would be
    /// larger (a hostile shape, pads or broadcast) fails with an error naming it before anything
    /// is allocated.
    public let maxTensorElements: Int
    private let steps: [Step]
    private let slotCount: Int
    private let inputSlots: [(info: ValueInfo, slot: Int)]
    private let outputSlots: [(name: String, slot: Int)]
    private let constants: [(slot: Int, tensor: Tensor)]
    /// The reusable buffer planned for each value slot (see ``Workspace``), or `nil`.
    private let buffers: [Int?]
    /// Number of planned buffers.
    private let bufferCount: Int
    /// Workspaces of finished inferences, for the next ones.
    private let idleWorkspaces = NIOLockedValueBox<[Workspace]>([])

    /// One node, resolved: its kernel, where its inputs and outputs live, what to free after.
    /// A class, so walking the steps on every run retains one reference per step rather than
    /// copying each node's strings, arrays and attributes.
    private final class Step: Sendable {
        let binding: NodeBinding
        let kernel: KernelFunction
        let inputs: [Int?]
        let outputs: [Int?]
        let release: [Int]

        init(binding: NodeBinding, kernel: @escaping KernelFunction, inputs: [Int?], outputs: [Int?], release: [Int] = []) {
            (self.binding, self.kernel, self.inputs, self.outputs, self.release) = (binding, kernel, inputs, outputs, release)
        }

        /// The node.
        var node: Node { binding.node }

        /// The same step, freeing `slots` after it runs and writing its outputs into `buffers`.
        func planned(release slots: [Int], buffers: [Int?]) -> Step {
            let bound = NodeBinding(
                node: node, threads: binding.threads, prepared: binding.prepared, outputBuffers: buffers,
                maxElements: binding.maxElements)
            return Step(binding: bound, kernel: kernel, inputs: inputs, outputs: outputs, release: slots)
        }
    }

    /// Resolves every node's kernel and value slots.
    /// - Parameters:
    ///   - threads: worker threads kernels may use.
    ///   - maxTensorBytes: caps each tensor a kernel creates at this many bytes, counted at 4
    ///     bytes an element (e.g. the model's memory limit); `nil`: 2³¹ - 1 elements.
    /// - Throws: a ``RuntimeError`` listing every operator without a kernel, or naming the
    ///   first node that uses a value nothing defines.
    public init(graph: Graph, threads: Int = 1, maxTensorBytes: UInt64? = nil) throws(RuntimeError) {
        var graph = graph
        self.threads = max(1, threads)
        let maxTensorElements = maxTensorBytes.map { Int(min($0 / 4, UInt64(KernelContext.maxElementCount))) }
            ?? KernelContext.maxElementCount
        self.maxTensorElements = maxTensorElements

        var missing: [String: [String]] = [:]
        for node in graph.nodes where KernelRegistry.kernel(domain: node.domain, opType: node.opType) == nil {
            missing[KernelRegistry.key(domain: node.domain, opType: node.opType), default: []].append(node.name)
        }
        if !missing.isEmpty {
            let list = missing.keys.sorted().map { "\($0) (nodes \(missing[$0]!.joined(separator: ", ")))" }
            throw RuntimeError("no kernel for: \(list.joined(separator: "; "))")
        }

        var slots: [String: Int] = [:]
        func slot(_ name: String) -> Int {
            if let existing = slots[name] { return existing }
            slots[name] = slots.count
            return slots.count - 1
        }
        let initializerSlots = graph.initializers.keys.sorted().map { ($0, slot($0)) }
        inputSlots = graph.inputs.map { ($0, slot($0.name)) }
        var defined = Set(slots.keys)
        var resolved: [Step] = []
        // Initializers whose every reader has been resolved and none kept them (a prepared form
        // replaced them) are freed at once, so load never holds those weights and their packed
        // forms all together.
        var unresolvedReads: [String: Int] = [:]
        for node in graph.nodes {
            for name in node.inputs where graph.initializers[name] != nil { unresolvedReads[name, default: 0] += 1 }
        }
        var keptInitializers = Set(graph.outputs.map(\.name))
        for node in graph.nodes {
            var inputs: [Int?] = []
            for name in node.inputs {
                if name.isEmpty { inputs.append(nil); continue }
                guard defined.contains(name) else {
                    throw RuntimeError("node '\(node.name)' (\(node.opType)) uses '\(name)', which no graph input, initializer or earlier node defines")
                }
                inputs.append(slots[name])
            }
            let outputs = node.outputs.map { $0.isEmpty ? nil : slot($0) }
            node.outputs.filter { !$0.isEmpty }.forEach { defined.insert($0) }
            let key = KernelRegistry.key(domain: node.domain, opType: node.opType)
            let isInitializer = node.inputs.map { graph.initializers[$0] != nil }
            var constants = node.inputs.map { graph.initializers[$0] }
            // Constants no other node reads leave the graph while the node is prepared, so the
            // preparer holds their only reference and may reuse their storage; it hands back
            // what it does not take.
            for name in node.inputs where unresolvedReads[name] == 1 && !keptInitializers.contains(name) {
                graph.initializers[name] = nil
            }
            let prepared = KernelRegistry.preparers[key]?(node, &constants)
            for (name, tensor) in zip(node.inputs, constants) where tensor != nil && graph.initializers[name] == nil {
                graph.initializers[name] = tensor
            }
            for index in (prepared as? any PreparedReplacement)?.replacedInputs ?? []
            where index < inputs.count && isInitializer[index] {
                inputs[index] = nil
            }
            for (index, name) in node.inputs.enumerated() where unresolvedReads[name] != nil {
                if inputs[index] != nil { keptInitializers.insert(name) }
                unresolvedReads[name]! -= 1
                if unresolvedReads[name] == 0, !keptInitializers.contains(name) { graph.initializers[name] = nil }
            }
            resolved.append(Step(
                binding: NodeBinding(node: node, threads: self.threads, prepared: prepared, maxElements: maxTensorElements),
                kernel: KernelRegistry.all[key]!,
                inputs: inputs, outputs: outputs))
        }
        var outputs: [(String, Int)] = []
        for output in graph.outputs {
            guard defined.contains(output.name) else { throw RuntimeError("graph output '\(output.name)' is not produced by any node") }
            outputs.append((output.name, slots[output.name]!))
        }
        outputSlots = outputs

        constants = initializerSlots.compactMap { name, slot in graph.initializers[name].map { (slot, $0) } }
        self.graph = graph

        // Release each intermediate after its last use; never graph outputs or initializers.
        let kept = Set(outputs.map(\.1) + constants.map(\.slot))
        var lastUse: [Int: Int] = [:]
        for (index, step) in resolved.enumerated() {
            for case let input? in step.inputs { lastUse[input] = index }
            for case let output? in step.outputs where lastUse[output] == nil { lastUse[output] = index }
        }
        var released: [Int: [Int]] = [:]
        for (slot, index) in lastUse where !kept.contains(slot) { released[index, default: []].append(slot) }
        for (index, slots) in released { released[index] = slots.sorted() }
        var names = [String](repeating: "", count: slots.count)
        for (name, slot) in slots { names[slot] = name }
        let plan = BufferPlan(
            outputs: resolved.map(\.outputs), released: released, kept: kept, types: names.map { graph.valueTypes[$0] })
        for index in resolved.indices {
            let step = resolved[index]
            resolved[index] = step.planned(
                release: released[index] ?? [], buffers: step.outputs.map { $0.flatMap { plan.buffers[$0] } })
        }
        steps = resolved
        slotCount = slots.count
        (buffers, bufferCount) = (plan.buffers, plan.count)
    }

    /// Idle workspaces kept between inferences: more concurrent inferences than this allocate
    /// their intermediates afresh.
    private static let idleWorkspaceLimit = 8

    /// Runs the graph on `feeds` (one tensor per graph input, by name).
    /// - Returns: every graph output by name.
    public func run(_ feeds: [String: Tensor]) throws(RuntimeError) -> [String: Tensor] {
        try run(feeds, observe: nil)
    }

    /// Runs the graph, showing every value a node produces to `observe` (for shape inference).
    func run(_ feeds: [String: Tensor], observe: ((String, Tensor) -> Void)?) throws(RuntimeError) -> [String: Tensor] {
        var values = [Tensor?](repeating: nil, count: slotCount)
        for (slot, tensor) in constants { values[slot] = tensor }
        try bindInputs(feeds, into: &values)
        let workspace = idleWorkspaces.withLockedValue { $0.popLast() } ?? Workspace(buffers: bufferCount)
        defer { idleWorkspaces.withLockedValue { if $0.count < Self.idleWorkspaceLimit { $0.append(workspace) } } }
        for step in steps {
            let inputs = step.inputs.map { $0.flatMap { values[$0] } }
            let context = KernelContext(step.binding, inputs: inputs, workspace: workspace)
            let results = try step.kernel(context)
            for (index, slot) in step.outputs.enumerated() {
                guard let slot else { continue }
                guard index < results.count else {
                    throw context.error("produced \(results.count) outputs, the node declares \(step.outputs.count)")
                }
                values[slot] = results[index]
                observe?(step.node.outputs[index], results[index])
            }
            for slot in step.release {
                if let buffer = buffers[slot], case .f32(let elements)? = values[slot]?.storage {
                    values[slot] = nil
                    workspace.recycle(elements, into: buffer)
                } else {
                    values[slot] = nil
                }
            }
        }
        var outputs: [String: Tensor] = [:]
        for (name, slot) in outputSlots { outputs[name] = values[slot] }
        return outputs
    }

    /// Checks feeds against the declared inputs (names, types, fixed and symbolic dimensions).
    private func bindInputs(_ feeds: [String: Tensor], into values: inout [Tensor?]) throws(RuntimeError) {
        let declared = Set(inputSlots.map(\.info.name))
        if let unknown = feeds.keys.sorted().first(where: { !declared.contains($0) }) {
            throw RuntimeError("unknown input '\(unknown)'; the model's inputs are: \(inputSlots.map(\.info.name).joined(separator: ", "))")
        }
        var symbols: [String: Int] = [:]
        for (info, slot) in inputSlots {
            guard let tensor = feeds[info.name] else { throw RuntimeError("missing input '\(info.name)' (\(info.type))") }
            guard tensor.dtype == info.type.dtype else {
                throw RuntimeError("input '\(info.name)': expected \(info.type.dtype), got \(tensor.dtype)")
            }
            if let dims = info.type.shape {
                let problem = InputShape.mismatch(tensor.shape, dims, symbols: &symbols)
                if let problem { throw RuntimeError("input '\(info.name)': expected shape \(info.type), got \(tensor.shape): \(problem)") }
            }
            values[slot] = tensor
        }
    }
}

/// Matching concrete input shapes against declared ones.
enum InputShape {
    /// Why `shape` does not fit `dims` (binding symbolic names consistently), or `nil`.
    static func mismatch(_ shape: [Int], _ dims: [Dim], symbols: inout [String: Int]) -> String? {
        guard shape.count == dims.count else { return "rank \(shape.count), expected \(dims.count)" }
        for (axis, (size, dim)) in zip(shape, dims).enumerated() {
            switch dim {
            case .fixed(let expected) where expected != size:
                return "dimension \(axis) is \(size), expected \(expected)"
            case .symbolic(let name) where !name.isEmpty:
                if let bound = symbols[name], bound != size {
                    return "dimension \(axis) ('\(name)') is \(size), but '\(name)' is \(bound) elsewhere"
                }
                symbols[name] = size
            default:
                continue
            }
        }
        return nil
    }
}
