using System.Runtime.CompilerServices;
using Xunit.Sdk;

namespace Dreaming.Tests;

/// <summary><see cref="Growth"/> fails on work that grows faster than its input and passes work that grows with it: a check
/// of the timing tests that use it, which pass only as long as it can fail.</summary>
public sealed class GrowthTests
{
    [Fact]
    public void It_measures_the_threads_cpu_time_on_linux() =>
        Assert.Equal(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), Growth.IsThreadCpuTime);

    [Fact]
    public void Quadratic_work_fails()
    {
        // Every pair of characters: 1.1 million steps at 1,500 (about a millisecond), 18 million at 6,000.
        var error = Assert.ThrowsAny<XunitException>(() => Growth.AssertLinear(n => Pairs(new string('a', n)), 1_500, "pairs"));

        Assert.Contains("pairs: 4 times the input cost", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Message.Split("pairs: 4 times the input cost").Length - 1);
    }

    [Fact]
    public void A_measurement_over_the_limit_is_taken_again_and_a_linear_one_after_it_passes()
    {
        // The first measurement's larger input costs 16 times its work (a burst of load on it alone); the next is linear.
        var prepared = 0;
        Growth.AssertLinear(
            n =>
            {
                var first = ++prepared <= 2;
                var sum = Sum(new string('a', n));
                return first && n > 10_000 ? () => Enumerable.Range(0, 16).All(_ => sum()) : sum;
            },
            10_000,
            "a sum after a burst");

        Assert.Equal(4, prepared);
    }

    [Fact]
    public void Quadratic_work_of_microseconds_fails()
    {
        // 5,000 steps at 100 (a few microseconds, once read as a tenth of a millisecond), 80,000 at 400; compiled optimized
        // at once, as a library's hot method is by the time it is measured (code on its way up from tier 0 makes the small
        // input's steps dearer than the large one's, which the closure's own loop would show here).
        var error = Assert.ThrowsAny<XunitException>(() => Growth.AssertLinear(n => OptimizedPairs(new string('a', n)), 100, "cheap pairs"));

        Assert.Contains("cheap pairs: 4 times the input cost", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Linear_work_of_microseconds_passes() => Growth.AssertLinear(n => Sum(new string('a', n)), 1_000, "a cheap sum");

    [Fact]
    public void Linear_work_passes()
    {
        var (small, large) = Growth.AssertLinear(n => Sum(new string('a', n)), 1_000_000, "a sum");

        Assert.True(large > small, $"{large} for 4 times the input of {small}");
    }

    [Fact]
    public void A_try_that_gives_up_is_not_counted_and_one_that_never_counts_fails()
    {
        Growth.Measure(
            n =>
            {
                // Gives up on its third call, which falls in the first try (the two calls before it size the tries).
                var tries = 0;
                return () => ++tries != 3;
            },
            1);
        var error = Assert.ThrowsAny<XunitException>(() => Growth.Measure(_ => () => false, 1));

        Assert.Contains("gave up", error.Message, StringComparison.Ordinal);
    }

    private static Func<bool> Pairs(string text) => () =>
    {
        var same = 0L;
        for (var i = 0; i < text.Length; i++)
        {
            for (var j = 0; j < i; j++)
            {
                same += text[i] ^ text[j] ^ j;
            }
        }

        return same != -1;
    };

    private static Func<bool> OptimizedPairs(string text) => () => CountPairs(text) != -1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long CountPairs(string text)
    {
        var same = 0L;
        for (var i = 0; i < text.Length; i++)
        {
            for (var j = 0; j < i; j++)
            {
                same += text[i] ^ text[j] ^ j;
            }
        }

        return same;
    }

    private static Func<bool> Sum(string text) => () =>
    {
        var sum = 0L;
        for (var i = 0; i < text.Length; i++)
        {
            sum += text[i] ^ i;
        }

        return sum != -1;
    };
}
