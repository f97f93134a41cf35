using System.Globalization;

namespace Dreaming.Sqlite.Tests;

/// <summary>A database file made with <c>PRAGMA encoding = 'UTF-16le'</c> (or big-endian), as a host that creates its own
/// file could make it, is refused by every store with a message naming the file and the encoding: the stores bind a string
/// holding a NUL as its UTF-8 bytes cast to TEXT, which SQLite reads back wrong in such a file.</summary>
public sealed class SqliteEncodingTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("UTF-16le")]
    [InlineData("UTF-16be")]
    public async Task A_UTF16_file_is_refused_naming_the_file_and_the_encoding_and_is_unchanged(string encoding)
    {
        var path = _folder.File("host.db");
        SqliteFiles.Execute(path, $"PRAGMA encoding = '{encoding}'; CREATE TABLE host_notes (text TEXT); INSERT INTO host_notes VALUES ('mine');");
        Assert.Equal(encoding, SqliteFiles.Scalar(path, "PRAGMA encoding"));
        var before = await File.ReadAllBytesAsync(path);
        var task = "é\0日本 " + new string('x', 700);

        using var traces = new SqliteTraceStore(path);
        var thrown = await Record.ExceptionAsync(() => traces.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "s", AgentId = "bot", Task = task, StartedAt = At }], [])));
        var readBack = thrown is null ? (await traces.GetSessionAsync("s"))?.Task : null;

        Assert.True(thrown is TraceStoreException, $"{thrown?.GetType().Name}; the task came back {(readBack == task ? "whole" : "as " + Escape(readBack))}");
        var error = Assert.IsType<TraceStoreException>(thrown);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"its text encoding is {encoding}", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
        using var memory = new SqliteMemoryStore(path);
        Assert.IsType<TraceStoreException>(await Record.ExceptionAsync(() => memory.GetActiveVersionAsync(MemoryScope.Agent("bot"))));
    }

    [Fact]
    public async Task A_UTF8_file_of_the_host_opens_and_keeps_a_NUL()
    {
        var path = _folder.File("host.db");
        SqliteFiles.Execute(path, "PRAGMA encoding = 'UTF-8'; CREATE TABLE host_notes (text TEXT);");
        var task = "é\0日本 " + new string('x', 700);

        using var traces = new SqliteTraceStore(path);
        await traces.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "s", AgentId = "bot", Task = task, StartedAt = At }], []));

        Assert.Equal(task, (await traces.GetSessionAsync("s"))?.Task);
    }

    private static string Escape(string? text) => text is null
        ? "null"
        : string.Concat(text.Take(12).Select(c => c is < ' ' or > '~' ? "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) : c.ToString())) + (text.Length > 12 ? $"… ({text.Length} chars)" : string.Empty);
}
