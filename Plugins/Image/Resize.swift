/// Bilinear resizing of interleaved float pixels, with pixel centres aligned as in OpenCV's and
/// PIL's `resize` (`src = (dst + 0.5) × in / out - 0.5`, clamped to the image).
enum Resize {
    /// `pixels` (`width × height × channels`, row by row) resized to `newWidth × newHeight`.
    static func bilinear(_ pixels: [Float], width: Int, height: Int, channels: Int, to newWidth: Int, _ newHeight: Int) -> [Float] {
        if width == newWidth && height == newHeight { return pixels }
        var out = [Float](repeating: 0, count: newWidth * newHeight * channels)
        let xs = (0..<newWidth).map { sample($0, from: width, to: newWidth) }
        for y in 0..<newHeight {
            let (y0, y1, fy) = sample(y, from: height, to: newHeight)
            for x in 0..<newWidth {
                let (x0, x1, fx) = xs[x]
                for c in 0..<channels {
                    func at(_ px: Int, _ py: Int) -> Float { pixels[(py * width + px) * channels + c] }
                    let top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * fx
                    let bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * fx
                    out[(y * newWidth + x) * channels + c] = top + (bottom - top) * fy
                }
            }
        }
        return out
    }

    /// The two source indices around output index `i` and the weight of the second.
    private static func sample(_ i: Int, from size: Int, to newSize: Int) -> (Int, Int, Float) {
        let position = min(max((Float(i) + 0.5) * Float(size) / Float(newSize) - 0.5, 0), Float(size - 1))
        let low = Int(position)
        return (low, min(low + 1, size - 1), position - Float(low))
    }
}
