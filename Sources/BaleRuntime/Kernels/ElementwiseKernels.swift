import BaleGraph

extension KernelRegistry {
    /// Elementwise kernels, by operator key.
    static let elementwiseKernels: [String: KernelFunction] = [
        "Add": Elementwise.arithmetic(.add, variadic: false),
        "Sub": Elementwise.arithmetic(.sub, variadic: false),
        "Mul": Elementwise.arithmetic(.mul, variadic: false),
        "Div": Elementwise.arithmetic(.div, variadic: false),
        "Sum": Elementwise.arithmetic(.add, variadic: true),
        "Max": Elementwise.arithmetic(.max, variadic: true),
        "Min": Elementwise.arithmetic(.min, variadic: true),
        "Pow": Elementwise.pow,
        "Equal": Elementwise.equal,
        "Sqrt": Elementwise.unary(.sqrt),
        "Exp": Elementwise.unary(.exp),
        "Erf": Elementwise.unary(.erf),
        "Relu": Elementwise.unary(.activation(.relu)),
        "Sigmoid": Elementwise.unary(.activation(.sigmoid)),
        "Tanh": Elementwise.unary(.activation(.tanh)),
        "LeakyRelu": Elementwise.unary(reading: Elementwise.leakyRelu),
        "Gelu": Elementwise.unary(reading: Elementwise.gelu),
        "Clip": Elementwise.clip,
        "Cast": Elementwise.cast,
        "Where": Elementwise.where,
        "Expand": Elementwise.expand,
        "Identity": Elementwise.identity,
        "Dropout": Elementwise.dropout,
    ]
}

/// The elementwise kernels: one output element from the input elements at the same (broadcast)
/// position. Entry points are listed in ``KernelRegistry/elementwiseKernels``.
enum Elementwise {
    // MARK: - Selection and shape

    /// Where: `condition ? X : Y` elementwise with broadcasting; X and Y of any one type.
    static func `where`(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let condition = try context.input(0)
        let x = try context.input(1)
        let y = try context.input(2)
        guard case .bool(let c) = condition.storage else {
            throw context.error("condition must be bool, got \(condition.dtype)")
        }
        let plan = try BroadcastPlan([condition.shape, x.shape, y.shape], context)
        let storage: TensorStorage
        switch (x.storage, y.storage) {
        case (.f32(let a), .f32(let b)): storage = .f32(plan.map(c, a, b) { $0 ? $1 : $2 })
        case (.f16(let a), .f16(let b)): storage = .f16(plan.map(c, a, b) { $0 ? $1 : $2 })
        case (.i8(let a), .i8(let b)): storage = .i8(plan.map(c, a, b) { $0 ? $1 : $2 })
        case (.u8(let a), .u8(let b)): storage = .u8(plan.map(c, a, b) { $0 ? $1 : $2 })
        case (.i32(let a), .i32(let b)): storage = .i32(plan.map(c, a, b) { $0 ? $1 : $2 })
        case (.i64(let a), .i64(let b)): storage = .i64(plan.map(c, a, b) { $0 ? $1 : $2 })
        case (.bool(let a), .bool(let b)): storage = .bool(plan.map(c, a, b) { $0 ? $1 : $2 })
        default: throw context.error("X and Y must have the same type, got \(x.dtype) and \(y.dtype)")
        }
        return [Tensor(shape: plan.shape, storage: storage)]
    }

    /// Expand: the input broadcast together with the shape in input 1 (bidirectionally, so the
    /// output may keep an input dimension where `shape` has 1).
    static func expand(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.input(0)
        _ = try context.input(1)
        let shape = try context.intsInput(1) ?? []
        guard shape.allSatisfy({ $0 >= 0 }) else { throw context.error("shape \(shape) has a negative dimension") }
        let plan = try BroadcastPlan([x.shape, shape], context)
        let storage: TensorStorage
        switch x.storage {
        case .f32(let v): storage = .f32(plan.expand(v))
        case .f16(let v): storage = .f16(plan.expand(v))
        case .i8(let v): storage = .i8(plan.expand(v))
        case .u8(let v): storage = .u8(plan.expand(v))
        case .i32(let v): storage = .i32(plan.expand(v))
        case .i64(let v): storage = .i64(plan.expand(v))
        case .bool(let v): storage = .bool(plan.expand(v))
        }
        return [Tensor(shape: plan.shape, storage: storage)]
    }

    // MARK: - Pass-through

    /// Identity: the input, unchanged.
    static func identity(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        [try context.input(0)]
    }

    /// Dropout at inference: output = data, plus an all-true bool mask when the node asks for
    /// the second output. `training_mode` = true is refused: Bale only runs inference.
    static func dropout(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let data = try context.input(0)
        if let mode = context.optionalInput(2), mode.int64s?.contains(where: { $0 != 0 }) ?? true {
            throw context.error("training_mode = true is not supported: Bale runs inference only")
        }
        guard context.node.outputs.count > 1, !context.node.outputs[1].isEmpty else { return [data] }
        return [data, Tensor(shape: data.shape, storage: .bool(.init(repeating: true, count: data.count)))]
    }
}
