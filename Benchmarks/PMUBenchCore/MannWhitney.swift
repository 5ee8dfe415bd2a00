import Foundation

/// The Mann–Whitney U test (Wilcoxon rank-sum), as Google Benchmark's
/// compare.py uses it to say whether two sets of measurements differ: no
/// assumption of normality, ties given their mean rank, the two-sided p-value
/// from the normal approximation with the tie correction.
public enum MannWhitney {
    /// The two-sided p-value that `first` and `second` come from the same
    /// distribution; nil with fewer than 2 values on either side.
    public static func pValue(_ first: [Double], _ second: [Double]) -> Double? {
        let n1 = Double(first.count)
        let n2 = Double(second.count)
        guard first.count >= 2, second.count >= 2 else { return nil }
        let pooled = (first.map { ($0, 0) } + second.map { ($0, 1) }).sorted { $0.0 < $1.0 }
        var rankSumFirst = 0.0
        var tieTerm = 0.0
        var index = 0
        while index < pooled.count {
            var end = index
            while end + 1 < pooled.count && pooled[end + 1].0 == pooled[index].0 { end += 1 }
            let rank = Double(index + end + 2) / 2   // ranks are 1-based
            let ties = Double(end - index + 1)
            if ties > 1 { tieTerm += ties * ties * ties - ties }
            for position in index...end where pooled[position].1 == 0 { rankSumFirst += rank }
            index = end + 1
        }
        let u = rankSumFirst - n1 * (n1 + 1) / 2
        let mean = n1 * n2 / 2
        let n = n1 + n2
        let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return 1 }
        // Continuity correction toward the mean.
        let z = (abs(u - mean) - 0.5) / variance.squareRoot()
        return Swift.max(0, Swift.min(1, 2 * (1 - standardNormalCDF(Swift.max(z, 0)))))
    }

    /// Φ(x), from erfc (no Foundation needed).
    static func standardNormalCDF(_ x: Double) -> Double {
        0.5 * erfcApproximation(-x / 2.0.squareRoot())
    }

    /// erfc(x) to about 1e-7 (Numerical Recipes' Chebyshev fit).
    static func erfcApproximation(_ x: Double) -> Double {
        let z = abs(x)
        let t = 1 / (1 + 0.5 * z)
        let polynomial = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
            + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
            + t * (-0.82215223 + t * 0.17087277))))))))
        let result = t * exp(polynomial)
        return x >= 0 ? result : 2 - result
    }
}
