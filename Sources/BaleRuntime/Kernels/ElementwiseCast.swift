import BaleGraph

extension Elementwise {
    // MARK: - Cast

    /// Element types Cast converts to, by ONNX `TensorProto.DataType` number.
    private static let castTargets: [Int: DType] = [1: .f32, 2: .u8, 3: .i8, 6: .i32, 7: .i64, 9: .bool, 10: .f16]

    /// Cast: the input converted to the type numbered by attribute `to`.
    ///
    /// Float to integer truncates toward zero and saturates at the target's bounds (NaN becomes
    /// 0), so no value traps; integer to narrower integer wraps, as NumPy's `astype` does; any
    /// nonzero value (NaN included) becomes `true`.
    static func cast(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.input(0)
        guard let code = try context.optionalInt("to") else { throw context.error("missing attribute 'to'") }
        guard let target = castTargets[code] else {
            throw context.error("unsupported target type \(code) (expected 1, 2, 3, 6, 7, 9 or 10)")
        }
        return [Tensor(shape: x.shape, storage: converted(x, to: target))]
    }

    /// The elements of `x` as `target`.
    private static func converted(_ x: Tensor, to target: DType) -> TensorStorage {
        if x.dtype == target { return x.storage }
        if let v = x.int64s {
            return switch target {
            case .f32: .f32(v.map { Float($0) })
            case .f16: .f16(v.map { Float16(Float($0)).bitPattern })
            case .i8: .i8(v.map { Int8(truncatingIfNeeded: $0) })
            case .u8: .u8(v.map { UInt8(truncatingIfNeeded: $0) })
            case .i32: .i32(v.map { Int32(truncatingIfNeeded: $0) })
            case .i64: .i64(v)
            case .bool: .bool(v.map { $0 != 0 })
            }
        }
        let v = x.asFloats
        return switch target {
        case .f32: .f32(v)
        case .f16: .f16(v.map { Float16($0).bitPattern })
        case .i8: .i8(v.map(truncated))
        case .u8: .u8(v.map(truncated))
        case .i32: .i32(v.map(truncated))
        case .i64: .i64(v.map(truncated))
        case .bool: .bool(v.map { $0 != 0 })
        }
    }

    /// `x` truncated toward zero, saturated to `T`'s range, NaN as 0.
    private static func truncated<T: FixedWidthInteger>(_ x: Float) -> T {
        if x.isNaN { return 0 }
        // Float(T.min) is exact (0 or a power of two); Float(T.max) is exact or rounds up to 2^31 or 2^63,
        // so every x strictly between them truncates into range.
        if x <= Float(T.min) { return .min }
        if x >= Float(T.max) { return .max }
        return T(x)
    }
}
