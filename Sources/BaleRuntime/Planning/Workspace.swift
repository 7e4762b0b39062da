/// The reusable f32 buffers of one inference at a time: the element arrays of dead intermediate
/// values, each kept in the buffer the executor's liveness plan gave the value, for the next value
/// planned into that buffer (later in the same inference or in the next one).
///
/// A buffer is handed out for any output that fits its capacity (see ``BufferPlan``), so a model
/// with static shapes allocates no intermediate f32 memory once it has run once. The executor keeps
/// idle workspaces between inferences, one per concurrent inference.
///
/// Not thread-safe: one inference uses it at a time, from the thread running the graph (kernels
/// fill the buffers from their worker threads, but take and return them on the calling thread).
final class Workspace: @unchecked Sendable {
    private var buffers: [[Float]]

    /// A workspace of `count` empty buffers.
    init(buffers count: Int) {
        buffers = Array(repeating: [], count: count)
    }

    /// The array kept in `buffer`, moved out (the buffer is left empty) and resized in place to
    /// `count` elements (new elements are zero), when its capacity holds `count`; else `nil`.
    func take(_ buffer: Int, count: Int) -> [Float]? {
        guard count > 0, buffers[buffer].capacity >= count else { return nil }
        var taken: [Float] = []
        swap(&taken, &buffers[buffer])
        if taken.count > count {
            taken.removeLast(taken.count - count)
        } else if taken.count < count {
            taken.append(contentsOf: repeatElement(0, count: count - taken.count))
        }
        return taken
    }

    /// Keeps `elements` (a dead value's storage) in `buffer`. If something else still shares the
    /// array, the next writer copies it first (copy-on-write), so sharing is never unsafe.
    func recycle(_ elements: [Float], into buffer: Int) {
        buffers[buffer] = elements
    }
}

/// Where a kernel writes one output's f32 elements: the buffer the executor planned for it (reused
/// from a dead value of the same size when there is one), or a new array.
struct OutputBuffer {
    /// The inference's workspace, when the kernel runs inside the executor.
    let workspace: Workspace?
    /// The planned buffer, when the output has one.
    let buffer: Int?

    /// An output with no planned buffer: every call makes a new array.
    static let fresh = OutputBuffer(workspace: nil, buffer: nil)

    /// An array of `count` elements written by `fill`, which must initialise every element.
    /// Elements of types other than `Float` always go into a new array.
    @inline(__always)
    func make<Element>(count: Int, _ fill: (UnsafeMutableBufferPointer<Element>) -> Void) -> [Element] {
        if Element.self == Float.self, let workspace, let buffer, var reused = workspace.take(buffer, count: count) {
            reused.withUnsafeMutableBufferPointer { elements in
                elements.withMemoryRebound(to: Element.self) { fill($0) }
            }
            return unsafeBitCast(reused, to: [Element].self)
        }
        return .uninitialized(count: count, fill)
    }
}
