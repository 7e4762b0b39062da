public import BaleGraph
import NIOConcurrencyHelpers

/// What a kernel gets: the node being run, its input tensors and attribute accessors.
///
/// Accessors throw a ``RuntimeError`` naming the node and the attribute when a value has the
/// wrong type, so kernels never trap on bad models.
public struct KernelContext: Sendable {
    /// The node, its prepared form, threads and planned outputs: one reference, so passing a
    /// context around costs a retain rather than one per field of the node.
    let binding: NodeBinding
    /// Input tensors in the node's input order; `nil` where an optional input is omitted.
    public let inputs: [Tensor?]
    /// The running inference's reusable buffers, when the executor runs the kernel.
    let workspace: Workspace?

    /// The node being executed.
    public var node: Node { binding.node }
    /// Worker threads the kernel may use (1 = run on the caller's thread).
    public var threads: Int { binding.threads }
    /// What the op's ``KernelPreparer`` made from the node's constant inputs when the model was
    /// loaded (e.g. weights packed for the GEMM micro-kernel), or `nil`.
    public var prepared: (any Sendable)? { binding.prepared }

    /// Creates a context.
    public init(node: Node, inputs: [Tensor?], threads: Int = 1, prepared: (any Sendable)? = nil) {
        self.init(NodeBinding(node: node, threads: threads, prepared: prepared), inputs: inputs, workspace: nil)
    }

    /// Creates a context for a node bound by the executor, whose outputs may reuse `workspace`.
    init(_ binding: NodeBinding, inputs: [Tensor?], workspace: Workspace?) {
        self.binding = binding
        self.inputs = inputs
        self.workspace = workspace
    }

    /// Where output `index` should be written: its planned buffer when the executor has one.
    func output(_ index: Int = 0) -> OutputBuffer {
        guard let workspace, index < binding.outputBuffers.count, let buffer = binding.outputBuffers[index] else {
            return .fresh
        }
        return OutputBuffer(workspace: workspace, buffer: buffer)
    }

    /// The plan `make` derives from input `shapes` (e.g. a broadcast walk), computed once for
    /// these shapes and reused by the node's later runs; shapes rarely change between inferences.
    func plan<Plan: Sendable>(for shapes: [[Int]], _ make: () throws(RuntimeError) -> Plan) throws(RuntimeError) -> Plan {
        if let plan = binding.cachedPlan(for: shapes) as? Plan { return plan }
        let plan = try make()
        binding.cache(plan, for: shapes)
        return plan
    }

    // MARK: - Errors

    /// An error prefixed with the node's name and op, e.g. `node 'conv1' (Conv): ...`.
    public func error(_ message: String) -> RuntimeError {
        RuntimeError("node '\(node.name)' (\(node.opType)): \(message)")
    }

    // MARK: - Inputs

    /// Input `index`, which must be present.
    public func input(_ index: Int) throws(RuntimeError) -> Tensor {
        guard index < inputs.count, let tensor = inputs[index] else {
            throw error("missing required input \(index)")
        }
        return tensor
    }

    /// Input `index`, or `nil` when omitted.
    public func optionalInput(_ index: Int) -> Tensor? {
        index < inputs.count ? inputs[index] : nil
    }

    /// Input `index` as f32 elements, which must be an f32 tensor.
    public func floatInput(_ index: Int) throws(RuntimeError) -> Tensor {
        let tensor = try input(index)
        guard tensor.dtype == .f32 else { throw error("input \(index) must be f32, got \(tensor.dtype)") }
        return tensor
    }

    /// Input `index` read as a list of integers (e.g. a shape or axes tensor).
    public func intsInput(_ index: Int) throws(RuntimeError) -> [Int]? {
        guard let tensor = optionalInput(index) else { return nil }
        guard let values = tensor.int64s else { throw error("input \(index) must be an integer tensor, got \(tensor.dtype)") }
        return values.map { Int($0) }
    }

    // MARK: - Attributes

    /// An integer attribute, or `defaultValue` when absent.
    public func int(_ name: String, _ defaultValue: Int) throws(RuntimeError) -> Int {
        try optionalInt(name) ?? defaultValue
    }

    /// An integer attribute, or `nil` when absent.
    public func optionalInt(_ name: String) throws(RuntimeError) -> Int? {
        switch node.attributes[name] {
        case nil: return nil
        case .int(let v)?: return v
        default: throw error("attribute '\(name)' must be an int")
        }
    }

    /// A float attribute, or `defaultValue` when absent.
    public func float(_ name: String, _ defaultValue: Float) throws(RuntimeError) -> Float {
        switch node.attributes[name] {
        case nil: return defaultValue
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: throw error("attribute '\(name)' must be a float")
        }
    }

    /// A string attribute, or `defaultValue` when absent.
    public func string(_ name: String, _ defaultValue: String) throws(RuntimeError) -> String {
        switch node.attributes[name] {
        case nil: return defaultValue
        case .string(let v)?: return v
        default: throw error("attribute '\(name)' must be a string")
        }
    }

    /// An integer-list attribute, or `nil` when absent.
    public func ints(_ name: String) throws(RuntimeError) -> [Int]? {
        switch node.attributes[name] {
        case nil: return nil
        case .ints(let v)?: return v
        default: throw error("attribute '\(name)' must be a list of ints")
        }
    }

    /// A float-list attribute, or `nil` when absent.
    public func floats(_ name: String) throws(RuntimeError) -> [Float]? {
        switch node.attributes[name] {
        case nil: return nil
        case .floats(let v)?: return v
        default: throw error("attribute '\(name)' must be a list of floats")
        }
    }

    /// A tensor attribute, or `nil` when absent.
    public func tensor(_ name: String) throws(RuntimeError) -> Tensor? {
        switch node.attributes[name] {
        case nil: return nil
        case .tensor(let v)?: return v
        default: throw error("attribute '\(name)' must be a tensor")
        }
    }

    /// Normalises a possibly negative `axis` for a tensor of `rank`, or throws naming `what`.
    public func axis(_ axis: Int, rank: Int, _ what: String = "axis") throws(RuntimeError) -> Int {
        let normalised = axis < 0 ? axis + rank : axis
        guard (0..<max(rank, 1)).contains(normalised) else {
            throw error("\(what) \(axis) is out of range for rank \(rank)")
        }
        return normalised
    }
}

/// A kernel: computes a node's outputs from its inputs.
public typealias KernelFunction = @Sendable (KernelContext) throws(RuntimeError) -> [Tensor]

/// A prepared form that fully replaces some constant inputs of its node (e.g. weights packed for
/// the GEMM micro-kernel replace the weight matrix). The executor then passes `nil` at those
/// positions and drops the original tensors when no other node reads them, so the weights are
/// held once; the kernel must take what it needs (shapes included) from the prepared form.
public protocol PreparedReplacement: Sendable {
    /// The node input positions this prepared form replaces.
    var replacedInputs: [Int] { get }
}

/// Prepares a node once at load time from its constant inputs (the node's initializers at their
/// input positions, `nil` elsewhere); the result reaches every run as ``KernelContext/prepared``.
/// Returns `nil` when there is nothing to prepare; the kernel must work without it.
///
/// A preparer whose result replaces an input (``PreparedReplacement``) may take that input's
/// tensor, setting its position to `nil`, to build the prepared form in the same storage: the
/// executor hands over the constants no other node reads as their only reference, and keeps
/// whatever the preparer leaves.
public typealias KernelPreparer = @Sendable (Node, inout [Tensor?]) -> (any Sendable)?

/// A node as the executor runs it: the node, the threads its kernel may use, its prepared form,
/// the planned buffer of each output, and the last shape-derived plan its kernel cached.
final class NodeBinding: Sendable {
    /// The node.
    let node: Node
    /// Worker threads the kernel may use.
    let threads: Int
    /// The kernel preparer's result, or `nil`.
    let prepared: (any Sendable)?
    /// The planned buffer of each output (see ``Workspace``); empty outside an executor.
    let outputBuffers: [Int?]
    /// The most elements one tensor the kernel creates may have (``KernelContext/checkedCount(_:of:)``).
    let maxElements: Int
    /// The most recent plan and the input shapes it was made for.
    private let lastPlan = NIOLockedValueBox<(shapes: [[Int]], plan: any Sendable)?>(nil)

    /// Binds `node`.
    init(
        node: Node, threads: Int, prepared: (any Sendable)?, outputBuffers: [Int?] = [],
        maxElements: Int = KernelContext.maxElementCount
    ) {
        (self.node, self.threads, self.prepared, self.outputBuffers) = (node, max(1, threads), prepared, outputBuffers)
        self.maxElements = maxElements
    }

    /// The cached plan when it was made for `shapes`.
    func cachedPlan(for shapes: [[Int]]) -> (any Sendable)? {
        lastPlan.withLockedValue { $0?.shapes == shapes ? $0?.plan : nil }
    }

    /// Caches `plan` as the one for `shapes`.
    func cache(_ plan: any Sendable, for shapes: [[Int]]) {
        lastPlan.withLockedValue { $0 = (shapes, plan) }
    }
}
