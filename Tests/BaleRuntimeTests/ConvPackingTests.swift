import BaleGraph
import BaleRuntime
import Testing

// MARK: - Support

/// A Conv whose im2col product runs in the C kernels (more than one input channel per group, not
/// a plain 1×1): the window shapes each packing path of `sconv.c` must get right.
struct ConvPackingCase: Sendable, CustomTestStringConvertible {
    var name: String
    /// X `[N, C, (H,) W]` and W `[M, C/group, (kH,) kW]`.
    var x: [Int], w: [Int]
    var strides: [Int]? = nil
    var dilations: [Int]? = nil
    var pads: [Int]? = nil
    var group = 1
    var testDescription: String { name }

    static let all = [
        // Unit strides: the wide-position product (B in place on AVX-512, packed elsewhere).
        ConvPackingCase(name: "3×3 padded, the CNN fixture's first layer", x: [2, 3, 16, 16], w: [8, 3, 3, 3], pads: [1, 1, 1, 1]),
        ConvPackingCase(name: "3×3 unpadded, 13 filters", x: [1, 4, 9, 11], w: [13, 4, 3, 3]),
        ConvPackingCase(name: "asymmetric pads, dilation 2", x: [1, 3, 10, 12], w: [5, 3, 3, 2], dilations: [2, 2], pads: [2, 0, 1, 3]),
        ConvPackingCase(name: "1×1 with padding", x: [1, 5, 6, 7], w: [4, 5, 1, 1], pads: [1, 1, 1, 1]),
        ConvPackingCase(name: "depth past one block (k = 450)", x: [1, 50, 6, 6], w: [3, 50, 3, 3], pads: [1, 1, 1, 1]),
        ConvPackingCase(name: "rows past one block (m = 100)", x: [1, 2, 5, 5], w: [100, 2, 3, 3], pads: [1, 1, 1, 1]),
        ConvPackingCase(name: "1-D", x: [2, 3, 40], w: [6, 3, 5], pads: [2, 2]),
        ConvPackingCase(name: "groups", x: [1, 4, 7, 7], w: [6, 2, 3, 3], pads: [1, 1, 1, 1], group: 2),
        // Other strides: positions packed run by run.
        ConvPackingCase(name: "stride 2", x: [1, 3, 11, 13], w: [7, 3, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
        ConvPackingCase(name: "stride 2×1, dilation 2", x: [1, 2, 12, 9], w: [4, 2, 2, 3], strides: [2, 1], dilations: [1, 2]),
        ConvPackingCase(name: "1-D stride 3", x: [1, 4, 50], w: [5, 4, 4], strides: [3], pads: [0, 2]),
    ]

    /// The node's attributes.
    var attributes: [String: Attribute] {
        var result: [String: Attribute] = ["group": .int(group)]
        if let strides { result["strides"] = .ints(strides) }
        if let dilations { result["dilations"] = .ints(dilations) }
        if let pads { result["pads"] = .ints(pads) }
        return result
    }

    /// The Conv inputs: X, W and B.
    var inputs: [Tensor] {
        [
            KernelHarness.pattern(x, seed: 1, modulus: 17), KernelHarness.pattern(w, seed: 3, modulus: 11),
            KernelHarness.pattern([w[0]], seed: 5),
        ]
    }

    /// The convolution by its definition, one output at a time (height 1 for 1-D).
    func reference() -> [Float] {
        let values = inputs.map { $0.floats ?? [] }
        let (xs, ws, bias) = (values[0], values[1], values[2])
        let spatial = x.count - 2
        let (inH, inW) = spatial == 1 ? (1, x[2]) : (x[2], x[3])
        let (kH, kW) = spatial == 1 ? (1, w[2]) : (w[2], w[3])
        let s = strides ?? Array(repeating: 1, count: spatial), d = dilations ?? Array(repeating: 1, count: spatial)
        let p = pads ?? Array(repeating: 0, count: 2 * spatial)
        let (sH, sW, dH, dW) = spatial == 1 ? (1, s[0], 1, d[0]) : (s[0], s[1], d[0], d[1])
        let (pTop, pLeft, pBottom, pRight) = spatial == 1 ? (0, p[0], 0, p[1]) : (p[0], p[1], p[2], p[3])
        let outH = (inH + pTop + pBottom - (kH - 1) * dH - 1) / sH + 1
        let outW = (inW + pLeft + pRight - (kW - 1) * dW - 1) / sW + 1
        let (filters, channels) = (w[0], w[1])
        var y: [Float] = []
        for item in 0..<x[0] {
            for filter in 0..<filters {
                let firstChannel = filter / (filters / group) * channels
                for oh in 0..<outH {
                    for ow in 0..<outW {
                        var sum = Double(bias[filter])
                        for c in 0..<channels {
                            for ki in 0..<kH {
                                for kj in 0..<kW {
                                    let (ih, iw) = (oh * sH - pTop + ki * dH, ow * sW - pLeft + kj * dW)
                                    guard (0..<inH).contains(ih), (0..<inW).contains(iw) else { continue }
                                    let input = xs[((item * x[1] + firstChannel + c) * inH + ih) * inW + iw]
                                    sum += Double(input) * Double(ws[((filter * channels + c) * kH + ki) * kW + kj])
                                }
                            }
                        }
                        y.append(Float(sum))
                    }
                }
            }
        }
        return y
    }
}

// MARK: - Tests

/// The C Conv product (im2col packed straight from the image, or read in place) against the
/// convolution's definition, for every micro-kernel variant. Serialized: each test sets the
/// process-wide default variant.
@Suite(.serialized) struct ConvPackingTests {
    @Test(arguments: GemmKernel.Variant.supported, ConvPackingCase.all)
    func variantMatchesDefinition(variant: GemmKernel.Variant, shape: ConvPackingCase) throws {
        #expect(GemmKernel.setDefault(variant))
        defer { GemmKernel.setDefault(nil) }
        for threads in [1, 2] {
            let node = Node(
                name: "n", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["y"], attributes: shape.attributes)
            let kernel = try #require(KernelRegistry.kernel(domain: "", opType: "Conv"))
            let y = try #require(try kernel(KernelContext(node: node, inputs: shape.inputs, threads: threads)).first?.floats)
            expectClose(y, shape.reference())
        }
    }
}
