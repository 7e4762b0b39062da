/// Elementary functions written as branch-free arithmetic, so loops over them vectorise (unlike
/// calls into libm).
enum FastMath {
    /// The error function, within 2e-7 of libm's `erff` (checked over a dense grid and a sweep of
    /// bit patterns); ±0, ±∞ and NaN map to ±0, ±1 and NaN.
    ///
    /// `x · P(x²) / Q(x²)` on `x` clamped to [-4, 4] (beyond which `erf` rounds to ±1), evaluated
    /// in `Double` so rounding adds nothing to the approximation's own 1.1e-7. Coefficients from
    /// Eigen's `generic_fast_erf_float` (MPL 2.0).
    @inline(__always)
    static func erf(_ value: Float) -> Float {
        let clamped = value > 4 ? 4 : value < -4 ? -4 : value
        let x = Double(clamped)
        let t = x * x
        var p = -2.72614225801306e-10
        p = p * t + 2.77068142495902e-08
        p = p * t - 2.10102402082508e-06
        p = p * t - 5.69250639462346e-05
        p = p * t - 7.34990630326855e-04
        p = p * t - 2.95459980854025e-03
        p = p * t - 1.60960333262415e-02
        var q = -1.45660718464996e-05
        q = q * t - 2.13374055278905e-04
        q = q * t - 1.68282697438203e-03
        q = q * t - 7.37332916720468e-03
        q = q * t - 1.42647390514189e-02
        let result = Float(x * p / q)
        return result > 1 ? 1 : result < -1 ? -1 : result
    }
}
