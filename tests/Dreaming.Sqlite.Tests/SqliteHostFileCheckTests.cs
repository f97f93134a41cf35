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
        SqliteFiles.Execute(file, $"PRAGMA encoding = '{encoding}'; CREATE TABLE host_notes (text TEXT);");
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
        SqliteFiles.Execute(file, $"PRAGMA user_version = {newer}; PRAGMA wal_checkpoint(TRUNCATE);");
        using var host = BuildHost(file);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains($"Cannot open the trace store '{file}': schema version {newer} is newer than this library supports ({SqliteSchema.LatestVersion}); upgrade Dreaming.Sqlite", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_whose_file_another_application_numbered_past_this_librarys_version_fails_to_start_naming_both_causes()
    {
        // The start reads only the header, which cannot tell a newer store from another application's file with a
        // user_version of its own: the message names both, and the first use (which reads the tables) tells which.
        var file = _folder.File("app.db");
        var theirs = SqliteSchema.LatestVersion + 14;
        SqliteFiles.Execute(file, $"CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); PRAGMA user_version = {theirs};");
        SqliteConnection.ClearAllPools();
        using var host = BuildHost(file);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains($"Cannot open the trace store '{file}': schema version {theirs} is newer than this library supports ({SqliteSchema.LatestVersion}); upgrade Dreaming.Sqlite, or, if another application owns this file (its own PRAGMA user_version), give the stores a file of their own.", error.Message, StringComparison.Ordinal);
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

    [Fact]
    public async Task A_host_whose_store_file_header_is_past_its_first_32_bytes_not_a_plain_SQLite_one_starts()
    {
        // SQLCipher's cipher_plaintext_header_size = 32 (as iOS apps use it) leaves the first 32 bytes of the header plain,
        // "SQLite format 3" included, and encrypts the rest: the encoding and user_version fields are then noise, and the
        // start refused such a file half the time as "schema version N is newer than this library supports; upgrade
        // Dreaming.Sqlite". A plain header's bytes 72 to 91 are zero (reserved); this one's are not, so the check passes
        // it, and the first use says what is wrong (or, with SQLCipher and its key, opens it).
        var file = _folder.File("plaintext-header.db");
        using (var store = new SqliteTraceStore(file))
        {
            await store.InitializeAsync();
        }

        SqliteConnection.ClearAllPools();
        var bytes = await File.ReadAllBytesAsync(file);
        for (var i = 32; i < 100; i++)
        {
            bytes[i] = (byte)(0x5A + (i * 37));
        }

        await File.WriteAllBytesAsync(file, bytes);
        using var host = BuildHost(file);

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("Data Source={0};Mode=Memory;Cache=Shared")]
    [InlineData("Data Source=file:{0}?mode=memory&cache=shared")]
    [InlineData("Data Source=file:{0}?vfs=memdb")]
    public async Task A_host_on_a_shared_in_memory_database_named_as_a_UTF16_file_starts_without_reading_the_file(string format)
    {
        // An in-memory database's name is no file, though a file of that name exists.
        var file = _folder.File("named.db");
        SqliteFiles.Execute(file, "PRAGMA encoding = 'UTF-16le'; CREATE TABLE host_notes (text TEXT);");
        using var host = BuildHost(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, file));

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("Data Source=file:{0}")]
    [InlineData("Filename={0};Cache=Shared")]
    [InlineData("DataSource=file://localhost{0}?cache=shared")]
    public async Task A_host_naming_a_UTF16_file_in_another_connection_string_form_fails_to_start_naming_the_file(string format)
    {
        var file = _folder.File("forms.db");
        SqliteFiles.Execute(file, "PRAGMA encoding = 'UTF-16le'; CREATE TABLE host_notes (text TEXT);");
        using var host = BuildHost(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, file));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        // The message names the data source as given (a URI with its parameters), the file's path in it.
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains("': its text encoding is UTF-16le (PRAGMA encoding)", error.Message, StringComparison.Ordinal);
    }

    private static IHost BuildHost(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDreamingAgents(o => o.AgentId = "bot").UseSqliteStore(connectionString);
        return builder.Build();
    }
}
