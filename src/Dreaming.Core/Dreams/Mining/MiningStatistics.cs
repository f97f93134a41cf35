namespace Dreaming;

/// <summary>The small-sample statistics the miner ranks findings by: the Wilson score interval and Fisher's exact test.</summary>
internal static class MiningStatistics
{
    /// <summary>The two-sided 95% normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    private const int LogFactorialTableSize = 256;

    // Exact sums of logarithms for small arguments, where Stirling's series is least accurate.
    private static readonly double[] s_logFactorials = BuildLogFactorials();

    /// <summary>Returns the lower bound of the Wilson score interval of <paramref name="successes"/> in <paramref name="trials"/>.</summary>
    /// <remarks>Unlike the plain ratio, the bound stays low when the count is small: 2 of 2 gives 0.34, 20 of 20 gives 0.84.</remarks>
    public static double WilsonLowerBound(long successes, long trials, double z = Z95)
    {
        if (trials <= 0)
        {
            return 0;
        }

        var n = (double)trials;
        var p = successes / n;
        var z2 = z * z;
        var centre = p + (z2 / (2 * n));
        var margin = z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n)));
        return Math.Max(0, (centre - margin) / (1 + (z2 / n)));
    }

    /// <summary>
    /// Returns the one-sided p-value of Fisher's exact test that a pattern is over-represented among failed sessions:
    /// the probability, with no association, that <paramref name="sample"/> sessions drawn from <paramref name="population"/>
    /// (of which <paramref name="populationFailed"/> failed) hold <paramref name="sampleFailed"/> or more failures.
    /// </summary>
    public static double FisherGreaterPValue(long sampleFailed, long sample, long populationFailed, long population)
    {
        var populationSucceeded = population - populationFailed;
        var lowest = Math.Max(0, sample - populationSucceeded);
        var highest = Math.Min(sample, populationFailed);
        if (sampleFailed <= lowest)
        {
            return 1;
        }

        if (sampleFailed > highest)
        {
            return 0;
        }

        // Sum the smaller tail, starting next to the mean where the terms are largest, with the ratio of consecutive terms;
        // starting far out would begin with a term that underflows to 0 and make every later term 0 as well.
        var mean = (double)sample * populationFailed / population;
        if (sampleFailed > mean)
        {
            return Math.Min(1, SumTail(sampleFailed, highest, +1, sample, populationFailed, population));
        }

        return Math.Clamp(1 - SumTail(sampleFailed - 1, lowest, -1, sample, populationFailed, population), 0, 1);
    }

    private static double SumTail(long from, long to, int step, long sample, long populationFailed, long population)
    {
        var populationSucceeded = population - populationFailed;
        var term = Math.Exp(LogChoose(populationFailed, from) + LogChoose(populationSucceeded, sample - from) - LogChoose(population, sample));
        var sum = term;
        for (var k = from; k != to; k += step)
        {
            var ratio = step > 0
                ? (double)(populationFailed - k) * (sample - k) / ((k + 1.0) * (populationSucceeded - sample + k + 1.0))
                : k * (double)(populationSucceeded - sample + k) / ((populationFailed - k + 1.0) * (sample - k + 1.0));
            term *= ratio;
            sum += term;
            if (ratio < 1 && term < sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }

    /// <summary>Returns ln(n!).</summary>
    public static double LogFactorial(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n < LogFactorialTableSize)
        {
            return s_logFactorials[n];
        }

        // Stirling's series; at n >= 256 the first omitted term is below 1e-20.
        var x = (double)n;
        var inverse = 1 / x;
        var inverse2 = inverse * inverse;
        var series = inverse * ((1.0 / 12) - (inverse2 * ((1.0 / 360) - (inverse2 * ((1.0 / 1260) - (inverse2 / 1680))))));
        return (x * Math.Log(x)) - x + (0.5 * Math.Log(2 * Math.PI * x)) + series;
    }

    private static double LogChoose(long n, long k) => LogFactorial(n) - LogFactorial(k) - LogFactorial(n - k);

    private static double[] BuildLogFactorials()
    {
        var table = new double[LogFactorialTableSize];
        for (var i = 2; i < table.Length; i++)
        {
            table[i] = table[i - 1] + Math.Log(i);
        }

        return table;
    }
}
