using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Dreaming;

namespace Dreaming.Benchmarks;

/// <summary>
/// Importing 16 MB of sessions as one session or as 16 sessions of 1 MB, as JSON Lines or as a JSON array, against parsing
/// the same sessions with System.Text.Json alone.
/// </summary>
/// <remarks>
/// Each session has one user message of (16 MB / sessions) of text. The importer reads the stream 64 KB at a time, so the
/// one long session takes 256 reads; a line's end is searched for once, and an unfinished array element is parsed again
/// only when the unread bytes have doubled, so both shapes should cost about the same.
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

    /// <summary>Gets or sets the file's shape: <c>jsonl</c> (a session a line) or <c>array</c> (one JSON array).</summary>
    [Params("jsonl", "array")]
    public string Format { get; set; } = "jsonl";

    [GlobalSetup]
    public void Setup()
    {
        var content = new string('a', (TotalBytes / Lines) - 64);
        _lines = [.. Enumerable.Range(0, Lines).Select(i => Encoding.UTF8.GetBytes($$"""{"id":"long-{{i}}","messages":[{"role":"user","content":"{{content}}"}]}"""))];
        var array = Format == "array";
        using var file = new MemoryStream();
        if (array)
        {
            file.WriteByte((byte)'[');
        }

        for (var i = 0; i < _lines.Length; i++)
        {
            file.Write(_lines[i]);
            file.WriteByte(array && i < _lines.Length - 1 ? (byte)',' : (byte)'\n');
        }

        if (array)
        {
            file.WriteByte((byte)']');
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
        var result = await importer.ImportAsync(stream, Format == "array" ? "long.json" : "long.jsonl").ConfigureAwait(false);
        return result.Imported;
    }
}
