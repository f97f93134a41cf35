using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Dreaming;

namespace Dreaming.Benchmarks;

/// <summary>Importing the τ-bench airline file (200 sessions), against parsing the same file with System.Text.Json alone.</summary>
/// <remarks>Reads <c>../shared/data/tau-bench-airline/gpt-4o-airline.json</c> beside the repository; when it is absent the
/// benchmark says so and measures nothing. Sessions per second = 200 / mean time.</remarks>
[MemoryDiagnoser]
public class ImportBenchmarks
{
    private static readonly SessionImportOptions s_options = new() { MessagesField = "traj", TaskField = "info.task.instruction" };
    private byte[] _file = [];

    public static string? DataPath()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Dreaming.Core.sln")))
            {
                var path = Path.GetFullPath(Path.Combine(folder.FullName, "..", "shared", "data", "tau-bench-airline", "gpt-4o-airline.json"));
                return File.Exists(path) ? path : null;
            }
        }

        return null;
    }

    [GlobalSetup]
    public void Setup()
    {
        var path = DataPath();
        if (path is null)
        {
            Console.WriteLine("ImportBenchmarks: ../shared/data/tau-bench-airline/gpt-4o-airline.json is absent beside the repository; nothing to measure.");
            return;
        }

        _file = File.ReadAllBytes(path);
    }

    [Benchmark(Baseline = true, Description = "System.Text.Json: parse the file")]
    public int ParseOnly()
    {
        using var document = JsonDocument.Parse(_file.Length == 0 ? "[]"u8.ToArray() : _file);
        return document.RootElement.GetArrayLength();
    }

    [Benchmark(Description = "SessionImporter into the in-memory store")]
    public async Task<int> Import()
    {
        if (_file.Length == 0)
        {
            return 0;
        }

        var importer = new SessionImporter(new InMemoryTraceStore());
        using var stream = new MemoryStream(_file, writable: false);
        var result = await importer.ImportAsync(stream, "gpt-4o-airline.json", s_options).ConfigureAwait(false);
        return result.Imported;
    }
}
