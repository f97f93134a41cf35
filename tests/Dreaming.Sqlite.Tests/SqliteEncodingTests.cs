using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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

    [Theory]
    [InlineData("Data Source=enc-{0};Mode=Memory;Cache=Shared")]
    [InlineData("Data Source=file:enc-{0}?mode=memory&cache=shared")]
    public async Task A_shared_in_memory_database_its_creator_made_UTF16_is_refused_with_advice_for_an_in_memory_database(string format)
    {
        // The host's connection keeps the database alive, as a host sharing it with the stores would.
        var connectionString = string.Format(CultureInfo.InvariantCulture, format, Guid.NewGuid().ToString("N"));
        using var host = new SqliteConnection(connectionString);
        host.Open();
        using (var command = host.CreateCommand())
        {
            command.CommandText = "PRAGMA encoding = 'UTF-16le'; CREATE TABLE host_notes (text TEXT);";
            command.ExecuteNonQuery();
        }

        using var traces = new SqliteTraceStore(connectionString);
        var error = await Assert.ThrowsAsync<TraceStoreException>(() => traces.QuerySessionsAsync(new SessionQuery()));

        Assert.Contains("its text encoding is UTF-16le", error.Message, StringComparison.Ordinal);
        Assert.Contains("Give the stores an in-memory database of their own, or create this one without PRAGMA encoding", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".dump", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_empty_file_a_host_asked_to_be_UTF16_before_writing_anything_is_made_UTF8_by_the_store_and_keeps_a_NUL()
    {
        // The host's connection set the encoding but wrote nothing (the file has no page yet), and is still open: the
        // setting is that connection's, so the store's connection makes the file, UTF-8.
        var path = _folder.File("empty.db");
        using var host = new SqliteConnection($"Data Source={path};Pooling=False");
        host.Open();
        using (var command = host.CreateCommand())
        {
            command.CommandText = "PRAGMA encoding = 'UTF-16le';";
            command.ExecuteNonQuery();
        }

        Assert.Equal(0, new FileInfo(path).Length);
        var task = "é\0日本 " + new string('x', 700);
        using var traces = new SqliteTraceStore(path);
        await traces.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "s", AgentId = "bot", Task = task, StartedAt = At }], []));

        Assert.Equal(task, (await traces.GetSessionAsync("s"))?.Task);
        Assert.Equal("UTF-8", SqliteFiles.Scalar(path, "PRAGMA encoding"));
    }

    [Fact]
    public async Task A_file_a_host_asked_to_be_UTF16_that_holds_no_table_yet_is_made_UTF8_by_the_store_and_keeps_a_NUL()
    {
        // A header setting wrote the file's first page, but SQLite fixes the text encoding (header byte 56, still 0 here) only
        // with the first table, so the file has none yet: the store's tables make it UTF-8, whatever the host asked.
        var path = _folder.File("header.db");
        SqliteFiles.Execute(path, "PRAGMA encoding = 'UTF-16le'; PRAGMA application_id = 42;");
        Assert.Equal(new byte[4], (await File.ReadAllBytesAsync(path))[56..60]);
        var task = "é\0日本 " + new string('x', 700);

        using var traces = new SqliteTraceStore(path);
        await traces.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "s", AgentId = "bot", Task = task, StartedAt = At }], []));

        Assert.Equal(task, (await traces.GetSessionAsync("s"))?.Task);
        Assert.Equal("UTF-8", SqliteFiles.Scalar(path, "PRAGMA encoding"));
        Assert.Equal(42L, SqliteFiles.Long(path, "PRAGMA application_id"));
    }

    [Fact]
    public async Task A_host_on_a_UTF16_file_is_refused_by_the_stores_it_resolves()
    {
        var path = _folder.File("host.db");
        SqliteFiles.Execute(path, "PRAGMA encoding = 'UTF-16le'; CREATE TABLE host_notes (text TEXT);");
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDreamingAgents(o => o.AgentId = "bot").UseSqliteStore(path);
        using var host = builder.Build();

        foreach (var read in new Func<Task>[]
        {
            () => host.Services.GetRequiredService<ITraceStore>().QuerySessionsAsync(new SessionQuery()),
            () => host.Services.GetRequiredService<IMemoryStore>().GetActiveVersionAsync(MemoryScope.Agent("bot")),
            () => host.Services.GetRequiredService<IDreamRunStore>().InitializeAsync(),
        })
        {
            // Refused when the options are first resolved, as at host start, with the store's own message.
            var error = await Assert.ThrowsAsync<OptionsValidationException>(read);
            Assert.Contains($"'{path}': its text encoding is UTF-16le", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal("UTF-16le", SqliteFiles.Scalar(path, "PRAGMA encoding"));
    }

    private static string Escape(string? text) => text is null
        ? "null"
        : string.Concat(text.Take(12).Select(c => c is < ' ' or > '~' ? "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) : c.ToString())) + (text.Length > 12 ? $"… ({text.Length} chars)" : string.Empty);
}
