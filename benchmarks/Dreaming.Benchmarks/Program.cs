using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Dreaming.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
