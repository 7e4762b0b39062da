import BaleBundle

/// Reference statistics of one model input, feature by feature (a feature is one element of a
/// sample: 784 for a 28×28 image): count, mean, standard deviation, and a histogram of `bins`
/// equal-width bins between the feature's reference minimum and maximum.
struct FeatureStatistics: Equatable {
    /// Samples the statistics were taken from.
    var count: Int
    /// Bins per feature.
    var bins: Int
    var mean: [Double]
    var std: [Double]
    var min: [Double]
    var max: [Double]
    /// Counts, `bins` a feature, feature after feature.
    var histogram: [Int]

    /// Features a sample has.
    var features: Int { mean.count }

    /// The statistics of `samples` (each `features` values, back to back).
    init(samples: [Float], features: Int, bins: Int) {
        let count = features == 0 ? 0 : samples.count / features
        self.count = count
        self.bins = bins
        var sum = [Double](repeating: 0, count: features), squares = sum
        var low = [Double](repeating: .infinity, count: features), high = [Double](repeating: -.infinity, count: features)
        for (index, value) in samples.enumerated() {
            let feature = index % features, x = Double(value)
            sum[feature] += x
            squares[feature] += x * x
            low[feature] = Swift.min(low[feature], x)
            high[feature] = Swift.max(high[feature], x)
        }
        let n = Double(Swift.max(count, 1))
        mean = sum.map { $0 / n }
        std = zip(squares, mean).map { Swift.max(0, $0 / n - $1 * $1).squareRoot() }
        min = low
        max = high
        histogram = [Int](repeating: 0, count: features * bins)
        for (index, value) in samples.enumerated() {
            let feature = index % features
            histogram[feature * bins + bin(of: value, feature: feature)] += 1
        }
    }

    /// The bin `value` of `feature` falls in; values outside the reference range go to the end
    /// bins. A feature constant in the reference gets bins 1 wide centred on its value.
    func bin(of value: Float, feature: Int) -> Int {
        var low = min[feature], width = (max[feature] - low) / Double(bins)
        if width <= 0 {
            width = 1 / Double(bins)
            low -= 0.5
        }
        let position = ((Double(value) - low) / width).rounded(.down)
        guard position.isFinite else { return 0 }
        return Int(Swift.min(Swift.max(position, 0), Double(bins - 1)))
    }
}

extension FeatureStatistics {
    /// The JSON form stored in `plugins/drift/reference.json`.
    var json: JSONValue {
        func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number($0) }) }
        return .object([
            "count": .number(Double(count)), "bins": .number(Double(bins)),
            "mean": numbers(mean), "std": numbers(std), "min": numbers(min), "max": numbers(max),
            "histogram": .array(histogram.map { .number(Double($0)) }),
        ])
    }

    /// Reads the JSON form, or returns `nil` when it is malformed.
    init?(json: JSONValue) {
        func numbers(_ key: String) -> [Double]? {
            guard case .array(let items)? = json[key] else { return nil }
            let values = items.compactMap(\.numberValue)
            return values.count == items.count ? values : nil
        }
        guard let count = json["count"]?.numberValue, let bins = json["bins"]?.numberValue, bins >= 1,
              let mean = numbers("mean"), let std = numbers("std"), let min = numbers("min"), let max = numbers("max"),
              let histogram = numbers("histogram"),
              [std.count, min.count, max.count].allSatisfy({ $0 == mean.count }), histogram.count == mean.count * Int(bins)
        else { return nil }
        self.count = Int(count)
        self.bins = Int(bins)
        self.mean = mean
        self.std = std
        self.min = min
        self.max = max
        self.histogram = histogram.map { Int($0) }
    }
}
