using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Dreaming.Sqlite.Tests.SqliteTraceStoreTests;

namespace Dreaming.Sqlite.Tests;

/// <summary>Where a SQLite trace store lives and how it is set: a plain file path, a connection string (refused naming the
/// setting when it is bad, or when it names a private in-memory database), a shared in-memory database, the busy timeout
/// and synchronous settings, and <c>UseSqliteStore</c>'s registration and its validation at start.</summary>
public sealed class SqliteTraceStoreSettingsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_plain_file_path_is_taken_as_the_data_source()
    {
        var path = _folder.File("plain path; with semicolon.db");
        using var store = new SqliteTraceStore(path);

        await store.WriteAsync(new TraceWriteBatch([Session("s1")], []));

        Assert.Equal(path, store.Location);
        Assert.True(File.Exists(path));
    }

    [Theory]
    [InlineData("", "SqliteTraceStoreOptions.ConnectionString")]
    [InlineData("Data Source=x.db;Bogus Keyword=1", "SqliteTraceStoreOptions.ConnectionString")]
    [InlineData("Cache=Shared", "SqliteTraceStoreOptions.ConnectionString")]
    public void An_invalid_connection_string_is_rejected_naming_the_setting(string connectionString, string setting)
    {
        var error = Assert.Throws<ArgumentException>(() => new SqliteTraceStore(new SqliteTraceStoreOptions { ConnectionString = connectionString }));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Data Source=:memory:")]
    [InlineData(":memory:")]
    [InlineData("Data Source=:memory:;Cache=Shared")]
    [InlineData("Data Source=traces;Mode=Memory")]
    [InlineData("Data Source=file::memory:")]
    [InlineData("Data Source=file:traces?mode=memory")]
    public void A_private_in_memory_database_is_rejected_naming_the_connection_string_and_the_in_memory_stores(string connectionString)
    {
        var error = Assert.Throws<ArgumentException>(() => new SqliteTraceStore(connectionString));

        Assert.Contains("SqliteTraceStoreOptions.ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{connectionString}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(InMemoryTraceStore), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_password_of_a_rejected_in_memory_connection_string_is_not_repeated()
    {
        var error = Assert.Throws<ArgumentException>(() => new SqliteTraceStore("Data Source=:memory:;Password=hunter2"));

        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.Contains(":memory:", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Data Source={0};Mode=Memory;Cache=Shared")]
    [InlineData("Data Source=file:{0}?mode=memory&cache=shared")]
    [InlineData("Data Source=file:{0}?mode=memory;Cache=Shared")]
    [InlineData("Data Source=file::memory:?cache=shared")]
    public async Task A_shared_in_memory_database_reads_what_it_wrote(string connectionString)
    {
        using var store = new SqliteTraceStore(string.Format(CultureInfo.InvariantCulture, connectionString, "traces-" + Guid.NewGuid().ToString("N")));

        await store.WriteAsync(new TraceWriteBatch([Session("s1")], Notes("s1", 1, 2)));

        Assert.Equal(2, (await store.GetSessionAsync("s1"))!.EventCount);
        Assert.Equal(2, (await store.GetEventsAsync("s1")).Count);
    }

    [Fact]
    public void Invalid_settings_are_rejected_naming_each_setting()
    {
        var options = new SqliteTraceStoreOptions { BusyTimeout = TimeSpan.FromSeconds(-1), Synchronous = (SqliteSynchronousMode)7 };

        var error = Assert.Throws<ArgumentException>(() => new SqliteTraceStore(options));

        Assert.Contains("SqliteTraceStoreOptions.BusyTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("SqliteTraceStoreOptions.Synchronous", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Full_synchronous_mode_and_a_zero_busy_timeout_are_accepted()
    {
        using var store = new SqliteTraceStore(new SqliteTraceStoreOptions
        {
            ConnectionString = _folder.File("full.db"),
            Synchronous = SqliteSynchronousMode.Full,
            BusyTimeout = TimeSpan.Zero,
        });

        await store.WriteAsync(new TraceWriteBatch([Session("s1")], Notes("s1", 1, 3)));

        Assert.Equal(3, (await store.GetSessionAsync("s1"))!.EventCount);
    }

    [Fact]
    public async Task UseSqliteStore_replaces_the_registered_store_with_a_singleton()
    {
        var path = _folder.File("di.db");
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore(path, options => options.Synchronous = SqliteSynchronousMode.Full);

        await using (var provider = services.BuildServiceProvider())
        {
            var store = Assert.IsType<SqliteTraceStore>(provider.GetRequiredService<ITraceStore>());
            Assert.Same(store, provider.GetRequiredService<ITraceStore>());
            Assert.Equal(path, store.Location);
            Assert.Single(services, descriptor => descriptor.ServiceType == typeof(ITraceStore));
            await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None);
            await store.InitializeAsync();
        }

        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task UseSqliteStore_validates_the_settings_at_start_naming_the_bad_one()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseSqliteStore(_folder.File("di.db"), options => options.BusyTimeout = TimeSpan.FromDays(-1));
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));

        Assert.Contains("SqliteTraceStoreOptions.BusyTimeout", error.Message, StringComparison.Ordinal);
    }
}
