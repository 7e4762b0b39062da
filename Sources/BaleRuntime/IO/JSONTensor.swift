public import BaleBundle
public import BaleGraph

/// Tensors as JSON values, for small inputs and outputs on the command line.
///
/// A tensor is either nested arrays (`[[1, 2], [3, 4]]`, shape from the nesting; a bare number
/// is a scalar) or an object `{"shape": [2, 2], "data": [1, 2, 3, 4]}`. Outputs are written as
/// `{"dtype": "f32", "shape": [...], "data": [...]}` with flat data.
public enum JSONTensor {
    /// Decodes `value` into a tensor of `dtype`; `name` is used in errors.
    public static func decode(_ value: JSONValue, dtype: DType, name: String) throws(RuntimeError) -> Tensor {
        var shape: [Int] = []
        var flat: [JSONValue] = []
        if case .object(let object) = value {
            guard case .array(let dims)? = object["shape"], case .array(let data)? = object["data"] else {
                throw RuntimeError("input '\(name)': an object must have \"shape\" (array) and \"data\" (array)")
            }
            for dim in dims {
                guard case .number(let n) = dim, n >= 0, n == n.rounded(), n < 1e15 else {
                    throw RuntimeError("input '\(name)': \"shape\" must hold non-negative whole numbers")
                }
                shape.append(Int(n))
            }
            flat = data
        } else {
            try flatten(value, depth: 0, shape: &shape, into: &flat, name: name)
        }
        guard let count = Shapes.count(shape), count == flat.count else {
            throw RuntimeError("input '\(name)': \(flat.count) values do not fill shape \(shape)")
        }
        return Tensor(shape: shape, storage: try storage(flat, dtype: dtype, name: name))
    }

    /// Encodes a tensor as `{"dtype", "shape", "data"}`.
    public static func encode(_ tensor: Tensor) -> JSONValue {
        let data: [JSONValue]
        switch tensor.storage {
        case .bool(let values): data = values.map { .bool($0) }
        case .i64(let values): data = values.map { .number(Double($0)) }
        default: data = tensor.asFloats.map { $0.isFinite ? .number(Double($0)) : .string("\($0)") }
        }
        return .object([
            "dtype": .string(tensor.dtype.rawValue),
            "shape": .array(tensor.shape.map { .number(Double($0)) }),
            "data": .array(data),
        ])
    }

    /// Walks nested arrays depth-first, fixing the shape from the first path down and refusing
    /// any array or leaf that disagrees with it.
    private static func flatten(_ value: JSONValue, depth: Int, shape: inout [Int], into flat: inout [JSONValue], name: String) throws(RuntimeError) {
        guard depth < 32 else { throw RuntimeError("input '\(name)': arrays nested deeper than 32 levels") }
        let leafDepthKnown = !flat.isEmpty || shape.count > depth
        guard case .array(let items) = value else {
            guard !leafDepthKnown || depth == shape.count else { throw RuntimeError("input '\(name)': ragged nested arrays") }
            flat.append(value)
            return
        }
        if depth == shape.count {
            guard flat.isEmpty else { throw RuntimeError("input '\(name)': ragged nested arrays") }
            shape.append(items.count)
        } else if shape[depth] != items.count {
            throw RuntimeError("input '\(name)': ragged nested arrays (\(items.count) items where \(shape[depth]) were expected)")
        }
        for item in items { try flatten(item, depth: depth + 1, shape: &shape, into: &flat, name: name) }
    }

    private static func storage(_ values: [JSONValue], dtype: DType, name: String) throws(RuntimeError) -> TensorStorage {
        var numbers: [Double] = []
        numbers.reserveCapacity(values.count)
        for value in values {
            switch value {
            case .number(let n): numbers.append(n)
            case .bool(let b): numbers.append(b ? 1 : 0)
            default: throw RuntimeError("input '\(name)': every element must be a number or a boolean")
            }
        }
        func integers<T: FixedWidthInteger>(_: T.Type) throws(RuntimeError) -> [T] {
            var out: [T] = []
            for n in numbers {
                guard n == n.rounded(), let v = T(exactly: n) else {
                    throw RuntimeError("input '\(name)': \(n) is not a valid \(dtype) value")
                }
                out.append(v)
            }
            return out
        }
        switch dtype {
        case .f32: return .f32(numbers.map { Float($0) })
        case .f16: return .f16(numbers.map { Float16(Float($0)).bitPattern })
        case .i8: return .i8(try integers(Int8.self))
        case .u8: return .u8(try integers(UInt8.self))
        case .i32: return .i32(try integers(Int32.self))
        case .i64: return .i64(try integers(Int64.self))
        case .bool: return .bool(numbers.map { $0 != 0 })
        }
    }
}
