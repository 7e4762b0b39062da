import BaleBundle
import BaleRuntime

/// What `bale bench` prints: the figures of one benchmark, as text or as one JSON object.
struct BenchReport {
    var manifest: Manifest
    var batch: Int
    var threads: Int
    var result: BenchmarkResult
    var peakRSS: UInt64

    /// Samples per second: inferences per second × batch.
    var samplesPerSecond: Double { result.inferencesPerSecond * Double(batch) }

    /// A few readable lines.
    var text: String {
        let ms = { (value: Double) in String(printf: "%.3f", value) }
        return """
            model \(manifest.name) \(manifest.version) (\(manifest.target.profile)), batch \(batch), \(threads) thread\(threads == 1 ? "" : "s")
            timed inferences: \(result.iterations)
            latency (ms, nearest rank): median \(ms(result.medianMilliseconds)), p90 \(ms(result.percentile(90))), p99 \(ms(result.percentile(99)))
            throughput: \(String(printf: "%.1f", result.inferencesPerSecond)) inferences/s × batch \(batch) = \(String(printf: "%.1f", samplesPerSecond)) samples/s
            peak RSS: \(formatBytes(peakRSS)) (\(peakRSS) bytes)
            """
    }

    /// One canonical JSON object; `throughput_per_s` is in samples per second.
    var json: String {
        let object: JSONValue = .object([
            "model": .object([
                "name": .string(manifest.name), "version": .string(manifest.version), "profile": .string(manifest.target.profile),
            ]),
            "batch": .number(Double(batch)),
            "threads": .number(Double(threads)),
            "iterations": .number(Double(result.iterations)),
            "median_ms": .number(result.medianMilliseconds),
            "p90_ms": .number(result.percentile(90)),
            "p99_ms": .number(result.percentile(99)),
            "inferences_per_s": .number(result.inferencesPerSecond),
            "throughput_per_s": .number(samplesPerSecond),
            "peak_rss_bytes": .number(Double(peakRSS)),
            "percentile_method": .string("nearest-rank"),
        ])
        return String(decoding: object.canonicalBytes, as: UTF8.self)
    }
}
