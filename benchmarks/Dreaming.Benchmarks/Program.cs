using System.Globalization;
using BenchmarkDotNet.Running;
using Dreaming.Benchmarks;

// dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- --filter '*'
// dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- peak-memory
return args switch
{
    ["peak-memory"] => DreamPeakMemory.RunAll(),
    ["peak-memory-one", var sessions, var mode] => DreamPeakMemory.RunOne(int.Parse(sessions, CultureInfo.InvariantCulture), mode),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return 0;
}
