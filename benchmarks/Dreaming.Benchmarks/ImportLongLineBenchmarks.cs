using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Dreaming;

namespace Dreaming.Benchmarks;

/// <summary>Importing 16 MB of JSON Lines as one line or as 16 lines of 1 MB, against parsing the same lines with System.Text.Json alone.</summary>
/// <remarks>
/// Each line is a session with one user message of (16 MB / lines) of text. The importer reads the stream 64 KB at a
/// time, so the one long line takes 256 reads; its end is searched for once, so both shapes should cost about the same.
/// </remarks>
[MemoryDiagnoser]
public class ImportLongLineBenchmarks
{
    private const int TotalBytes = 16 * 1024 * 1024;

    private byte[] _file = [];
    private byte[][] _lines = [];

    /// <summary>Gets or sets the number of lines the 16 MB are cut into.</summary>
    [Params(1, 16)]
    public int Lines { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var content = new string('a', (TotalBytes / Lines) - 64);
        _lines = [.. Enumerable.Range(0, Lines).Select(i => Encoding.UTF8.GetBytes($$"""{"id":"long-{{i}}","messages":[{"role":"user","content":"{{content}}"}]}"""))];
        using var file = new MemoryStream();
        foreach (var line in _lines)
        {
            file.Write(line);
            file.WriteByte((byte)'\n');
        }

        _file = file.ToArray();
    }

    [Benchmark(Baseline = true, Description = "System.Text.Json: parse each line")]
    public int ParseOnly()
    {
        var total = 0;
        foreach (var line in _lines)
        {
            using var document = JsonDocument.Parse(line);
            total += document.RootElement.GetProperty("messages").GetArrayLength();
        }

        return total;
    }

    [Benchmark(Description = "SessionImporter into the in-memory store")]
    public async Task<int> Import()
    {
        var importer = new SessionImporter(new InMemoryTraceStore());
        using var stream = new MemoryStream(_file, writable: false);
        var result = await importer.ImportAsync(stream, "long.jsonl").ConfigureAwait(false);
        return result.Imported;
    }
}
