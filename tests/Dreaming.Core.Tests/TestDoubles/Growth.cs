using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace Dreaming.Tests;

/// <summary>Checks that an operation's cost grows in proportion to its input, in a way a loaded machine does not fail:
/// the same operation on an input of size n and of size 4n, compared with each other rather than with a time limit.</summary>
/// <remarks>
/// <para>The cost is the CPU time of the calling thread, which other processes on the machine do not stretch as they
/// stretch the wall clock (on Linux and macOS; elsewhere the wall clock). Each size is tried several times, in turns, and
/// its cheapest try counts, so a burst of load or a collection falls on both sizes or on neither.</para>
/// <para>Linear work costs 4 times as much on the input 4 times as large (n log n a little more); quadratic work 16
/// times; backtracking far more. <see cref="AssertLinear"/> fails above 8, the middle of 4 and 16 on a log scale, in
/// each of up to three measurements.</para>
/// <para>The operation must run on the calling thread, synchronously: another thread's CPU time is not counted.</para>
/// </remarks>
internal static class Growth
{
    /// <summary>How many times larger the second input is.</summary>
    public const int Factor = 4;

    /// <summary>The most the second input may cost, in multiples of the first, for the work to count as linear.</summary>
    public const double MaxRatio = 8;

    private const int Tries = 5;

    // How many times a measurement over MaxRatio is taken in all before the work counts as not linear.
    private const int Measurements = 3;

    // A try of the smaller input costs at least this much: the operation is repeated within a try until it does, as a
    // cost of microseconds is mostly the clock's own and the call's (and a quadratic operation that cheap would otherwise
    // read as linear against a floor).
    private static readonly TimeSpan MinTry = TimeSpan.FromMilliseconds(1);

    private const int MaxRepeats = 100_000;

    /// <summary>Gets a value indicating whether the cost is the thread's CPU time (otherwise it is the wall clock).</summary>
    public static bool IsThreadCpuTime { get; } = (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && CanReadThreadCpuTime();

    /// <summary>Fails unless the operation on an input <see cref="Factor"/> times larger costs at most
    /// <see cref="MaxRatio"/> times as much.</summary>
    /// <param name="prepare">Makes the operation for an input of the size given (the making is not measured). The
    /// operation returns <see langword="false"/> for a try that does not count, such as one that gave up at a wall-clock
    /// timeout on a loaded machine; it is tried again.</param>
    /// <param name="size">The size of the smaller input.</param>
    /// <param name="what">What is measured, for the failure message.</param>
    /// <param name="output">Where the two costs are written, if anywhere.</param>
    /// <returns>The two costs, for a further check.</returns>
    public static (TimeSpan Small, TimeSpan Large) AssertLinear(Func<int, Func<bool>> prepare, int size, string what, ITestOutputHelper? output = null)
    {
        // A measurement over the limit is taken again, up to Measurements times, and the lowest ratio counts: a burst of
        // load that slows the larger input's tries more than the smaller's (its data leaves the caches shared with other
        // processes sooner) passes in one of them, where quadratic work (16 times) or backtracking fails every one. One
        // measurement of megabyte inputs failed at 10.3 with eight builds running.
        var measures = new List<string>(Measurements);
        (TimeSpan Small, TimeSpan Large) best = default;
        var bestRatio = double.MaxValue;
        for (var i = 0; i < Measurements && bestRatio > MaxRatio; i++)
        {
            var (small, large) = Measure(prepare, size);
            var ratio = large.Ticks / (double)Math.Max(small.Ticks, 1);
            var measured = string.Create(CultureInfo.InvariantCulture, $"{what}: {Factor} times the input cost {ratio:F1} times as much ({small.TotalMilliseconds:F2} ms at {size}, {large.TotalMilliseconds:F2} ms at {size * Factor}, {Unit})");
            output?.WriteLine(measured);
            measures.Add(measured);
            if (ratio < bestRatio)
            {
                (best, bestRatio) = ((small, large), ratio);
            }
        }

        Assert.True(bestRatio <= MaxRatio, $"{string.Join("; ", measures)}; linear is about {Factor}");
        return best;
    }

    /// <summary>Measures the operation at <paramref name="size"/> and <see cref="Factor"/> times it: the cheapest of
    /// several counted tries at each size, taken in turns. An operation whose smaller input costs less than a millisecond
    /// is repeated within each try, the same number of times at both sizes, until it costs that much.</summary>
    /// <param name="prepare">Makes the operation for an input of the size given.</param>
    /// <param name="size">The size of the smaller input.</param>
    /// <returns>The two costs of one operation.</returns>
    public static (TimeSpan Small, TimeSpan Large) Measure(Func<int, Func<bool>> prepare, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Func<bool>[] operations = [prepare(size), prepare(size * Factor)];
        var cheapest = new[] { TimeSpan.MaxValue, TimeSpan.MaxValue };
        var counted = new int[2];
        operations[0](); // the first call compiles what the operation runs
        var before = Now();
        operations[0]();
        var once = Now() - before;
        var repeats = (int)Math.Clamp(Math.Ceiling(MinTry.Ticks / (double)Math.Max(once.Ticks, 1)), 1, MaxRepeats);
        for (var attempt = 0; attempt < Tries * 4 && (counted[0] < Tries || counted[1] < Tries); attempt++)
        {
            for (var i = 0; i < 2; i++)
            {
                before = Now();
                var counts = true;
                for (var r = 0; r < repeats; r++)
                {
                    counts &= operations[i]();
                }

                var cost = Now() - before;
                if (counts)
                {
                    counted[i]++;
                    cheapest[i] = cost < cheapest[i] ? cost : cheapest[i];
                }
            }
        }

        Assert.True(counted[0] > 0 && counted[1] > 0, $"every one of {Tries * 4} tries at {(counted[0] == 0 ? size : size * Factor)} gave up (as at a timeout)");
        return (cheapest[0] / repeats, cheapest[1] / repeats);
    }

    private static string Unit => IsThreadCpuTime ? "CPU time of the thread" : "wall clock";

    private static TimeSpan Now() => IsThreadCpuTime && TryThreadCpuTime(out var cpu) ? cpu : Stopwatch.GetElapsedTime(0);

    // A libc without clock_gettime (or none by that name) leaves the wall clock, rather than failing every test of Growth.
    private static bool CanReadThreadCpuTime()
    {
        try
        {
            return TryThreadCpuTime(out _);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static bool TryThreadCpuTime(out TimeSpan time)
    {
        // CLOCK_THREAD_CPUTIME_ID: 3 on Linux, 16 on macOS.
        if (ClockGetTime(OperatingSystem.IsLinux() ? 3 : 16, out var now) != 0)
        {
            time = default;
            return false;
        }

        time = TimeSpan.FromTicks(((long)now.Seconds * TimeSpan.TicksPerSecond) + ((long)now.Nanoseconds / 100));
        return true;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }
}
