using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dreaming.Sqlite.Tests;

/// <summary>A Generic Host on a SQLite file the store cannot use (UTF-16, or migrated by a newer build) fails to start,
/// with the message the store's first use would give, instead of failing at the first write, which the background writer
/// makes after the session's caller has moved on; the check reads the file's header only, and opens no connection.</summary>
public sealed class SqliteHostFileCheckTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("UTF-16le")]
    [InlineData("UTF-16be")]
    public async Task A_host_whose_store_file_is_UTF16_fails_to_start_naming_the_encoding_and_the_way_out_and_writes_nothing(string encoding)
    {
        var file = _folder.File("host-made.db");
        Execute(file, $"PRAGMA encoding = '{encoding}'; CREATE TABLE host_notes (text TEXT);");
        var bytes = await File.ReadAllBytesAsync(file);
        using var host = BuildHost(file);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains($"Cannot open the trace store '{file}': its text encoding is {encoding} (PRAGMA encoding)", error.Message, StringComparison.Ordinal);
        Assert.Contains("sqlite3 old.db .dump | sqlite3 new.db", error.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(file));
        Assert.False(File.Exists(file + "-wal"));
    }

    [Fact]
    public async Task A_host_whose_store_file_a_newer_build_migrated_fails_to_start_saying_to_upgrade()
    {
        var file = _folder.File("newer.db");
        using (var store = new SqliteTraceStore(file))
        {
            await store.InitializeAsync();
        }

        // As a newer build leaves it once its last connection has closed: the version in the file's header.
        SqliteConnection.ClearAllPools();
        var newer = SqliteSchema.LatestVersion + 1;
        Execute(file, $"PRAGMA user_version = {newer}; PRAGMA wal_checkpoint(TRUNCATE);");
        using var host = BuildHost(file);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains($"Cannot open the trace store '{file}': schema version {newer} is newer than this library supports ({SqliteSchema.LatestVersion}); upgrade Dreaming.Sqlite.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_whose_store_file_does_not_exist_yet_starts_without_creating_it()
    {
        // The start reads the header of a file that exists; it opens no database, so a host that never uses the store
        // leaves no file behind.
        var file = _folder.File("later.db");
        using var host = BuildHost(file);

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task A_host_whose_store_file_is_a_current_store_starts()
    {
        var file = _folder.File("current.db");
        using (var store = new SqliteTraceStore(file))
        {
            await store.InitializeAsync();
        }

        using var host = BuildHost(file);

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static void Execute(string file, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static IHost BuildHost(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDreamingAgents(o => o.AgentId = "bot").UseSqliteStore(connectionString);
        return builder.Build();
    }
}
