using System.Globalization;
using BenchmarkDotNet.Running;
using Dreaming.Benchmarks;

// dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- --filter '*'
// dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- peak-memory
// dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- purge [sessions] [events]
// dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- scale [--sessions N] [--db PATH]
// dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- auto-prepare [sessions] [rounds]
// dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- run-result-lock [rounds]
return args switch
{
    ["peak-memory"] => DreamPeakMemory.RunAll(),
    ["purge"] => await PurgeStall.RunAsync(50_000, 10),
    ["purge", var sessions] => await PurgeStall.RunAsync(int.Parse(sessions, CultureInfo.InvariantCulture), 10),
    ["purge", var sessions, var events] => await PurgeStall.RunAsync(int.Parse(sessions, CultureInfo.InvariantCulture), int.Parse(events, CultureInfo.InvariantCulture)),
    ["scale", .. var rest] => await ScaleRead.RunAsync(rest),
    ["auto-prepare"] => await PostgresAutoPrepare.RunAsync(300, 8),
    ["auto-prepare", var sessions, var rounds] => await PostgresAutoPrepare.RunAsync(int.Parse(sessions, CultureInfo.InvariantCulture), int.Parse(rounds, CultureInfo.InvariantCulture)),
    ["run-result-lock"] => await PostgresRunResultLock.RunAsync(9),
    ["run-result-lock", var rounds] => await PostgresRunResultLock.RunAsync(int.Parse(rounds, CultureInfo.InvariantCulture)),
    ["peak-memory-one", var sessions, var mode] => DreamPeakMemory.RunOne(int.Parse(sessions, CultureInfo.InvariantCulture), mode),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return 0;
}
