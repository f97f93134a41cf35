namespace Dreaming.Core.Tests.Dreams.Mining;

public sealed class MiningStatisticsTests
{
    // Reference values: the closed-form Wilson bound and exact rational hypergeometric sums, computed independently.
    [Theory]
    [InlineData(5, 10, 0.236593090513)]
    [InlineData(81, 263, 0.255288519878)]
    [InlineData(4, 5, 0.375534629763)]
    [InlineData(10, 10, 0.722467200137)]
    [InlineData(2, 2, 0.342380227507)]
    [InlineData(20, 20, 0.838874841947)]
    [InlineData(0, 10, 0.0)]
    public void Wilson_lower_bound_matches_known_values(int successes, int trials, double expected) =>
        Assert.Equal(expected, MiningStatistics.WilsonLowerBound(successes, trials), 11);

    [Fact]
    public void Wilson_lower_bound_of_no_trials_is_zero() => Assert.Equal(0, MiningStatistics.WilsonLowerBound(0, 0));

    [Theory]
    [InlineData(3, 4, 4, 8, 0.242857142857)] // Fisher's lady tasting tea: 17/70
    [InlineData(4, 5, 4, 10, 0.0238095238095)] // 6/252
    [InlineData(12, 13, 116, 200, 0.00716409152615)]
    [InlineData(1, 10, 12, 24, 0.999966348095)]
    [InlineData(0, 5, 3, 10, 1.0)]
    public void Fisher_one_sided_p_value_matches_exact_sums(int sampleFailed, int sample, int populationFailed, int population, double expected) =>
        Assert.Equal(expected, MiningStatistics.FisherGreaterPValue(sampleFailed, sample, populationFailed, population), 11);

    [Theory]
    [InlineData(60, 100, 300, 1000, 4.63773439136e-11)]
    [InlineData(5, 5, 5, 100_000, 1.2001200078e-23)]
    public void Fisher_p_value_keeps_its_relative_precision_when_tiny(int sampleFailed, int sample, int populationFailed, int population, double expected)
    {
        var actual = MiningStatistics.FisherGreaterPValue(sampleFailed, sample, populationFailed, population);
        Assert.InRange(actual / expected, 1 - 1e-9, 1 + 1e-9);
    }

    [Fact]
    public void Fisher_p_value_far_from_the_mean_does_not_underflow_into_a_false_zero()
    {
        // 10,000 of 80,000 where 24,000 are expected: the first term of the upper tail is below the smallest double.
        Assert.Equal(1.0, MiningStatistics.FisherGreaterPValue(10_000, 80_000, 30_000, 100_000));
        Assert.InRange(MiningStatistics.FisherGreaterPValue(24_100, 80_000, 30_000, 100_000) / 0.0429076296482419, 1 - 1e-9, 1 + 1e-9);
        Assert.Equal(0.0, MiningStatistics.FisherGreaterPValue(30_000, 40_000, 30_000, 100_000));
    }

    [Fact]
    public void Fisher_p_value_of_an_impossible_count_is_zero() => Assert.Equal(0, MiningStatistics.FisherGreaterPValue(6, 5, 10, 20));

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.0)]
    [InlineData(256, 1167.2572785628802)]
    [InlineData(1000, 5912.128178488163)]
    [InlineData(100_000, 1051299.221899122)]
    public void Log_factorial_matches_log_gamma(long n, double expected) =>
        Assert.InRange(MiningStatistics.LogFactorial(n) - expected, -1e-9, 1e-9);
}
