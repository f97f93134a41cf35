using System.Diagnostics;
using System.Globalization;

namespace Dreaming.Benchmarks;

/// <summary>Peak memory of a dream with no model against streaming the same sessions (the baseline), each measured in a
/// fresh process so one measurement cannot inherit another's heap.</summary>
/// <remarks>
/// <para>Run with <c>dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- peak-memory</c>. BenchmarkDotNet
/// reports allocations, not peaks, hence this separate mode.</para>
/// <para>Each child fills an in-memory store (which itself holds every session), forces a full collection, then runs the
/// operation three times while a sampler reads the managed heap size every millisecond. "Extra peak" is the highest heap
/// size seen during the operation minus the heap after the fill: the memory the operation itself needed. The median of the
/// three runs is printed.</para>
/// </remarks>
internal static class DreamPeakMemory
{
    private static readonly int[] s_sizes = [1_000, 10_000, 100_000];

    public static int RunAll()
    {
        Console.WriteLine("| sessions | stream: extra peak (MB) | dream: extra peak (MB) | dream / stream | store after fill (MB) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var size in s_sizes)
        {
            var stream = Child(size, "stream");
            var dream = Child(size, "dream");
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {size:N0} | {stream.Extra:0.0} | {dream.Extra:0.0} | {dream.Extra / Math.Max(stream.Extra, 0.1):0.00} | {dream.Baseline:0} |"));
        }

        return 0;
    }

    public static int RunOne(int sessions, string mode)
    {
        var traces = DreamBenchmarks.Fill(sessions);
        var extras = new List<double>();
        double baseline = 0;
        for (var run = 0; run < 3; run++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            baseline = GC.GetTotalMemory(forceFullCollection: true);
            long peak = 0;
            using var done = new CancellationTokenSource();
            var sampler = new Thread(() =>
            {
                while (!done.IsCancellationRequested)
                {
                    peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                    Thread.Sleep(1);
                }
            }) { IsBackground = true, Priority = ThreadPriority.Highest };
            sampler.Start();
            if (mode == "dream")
            {
                var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore());
                dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bench"), MaxSessions = sessions }).GetAwaiter().GetResult();
            }
            else
            {
                DreamBenchmarks.StreamAll(traces).GetAwaiter().GetResult();
            }

            peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
            done.Cancel();
            sampler.Join();
            extras.Add((peak - baseline) / 1048576.0);
        }

        extras.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{extras[1]:0.00} {baseline / 1048576.0:0.00}"));
        return 0;
    }

    private static (double Extra, double Baseline) Child(int sessions, string mode)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!, ["peak-memory-one", sessions.ToString(CultureInfo.InvariantCulture), mode])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var line = process.StandardOutput.ReadToEnd().Trim().Split('\n')[^1];
        process.WaitForExit();
        var parts = line.Split(' ');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
