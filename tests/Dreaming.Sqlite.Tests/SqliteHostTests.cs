using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dreaming.Sqlite.Tests;

/// <summary>A host built the way an adopting application builds it, on a SQLite file.</summary>
public sealed class SqliteHostTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Store_options_bound_from_configuration_apply_and_a_bad_one_fails_the_start_naming_it()
    {
        var file = _folder.File("bound.db");
        using (var host = BoundHost(file, "Full", "00:00:02"))
        {
            await host.StartAsync();
            var options = host.Services.GetRequiredService<IOptions<SqliteTraceStoreOptions>>().Value;
            Assert.Equal("Data Source=" + file, options.ConnectionString);
            Assert.Equal(SqliteSynchronousMode.Full, options.Synchronous);
            Assert.Equal(TimeSpan.FromSeconds(2), options.BusyTimeout);
            await host.StopAsync();
        }

        using var bad = BoundHost(file, "Full", "-00:00:01");
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => bad.StartAsync());
        Assert.Contains("SqliteTraceStoreOptions.BusyTimeout must be between 0 and", error.Message, StringComparison.Ordinal);
    }

    private static IHost BoundHost(string file, string synchronous, string busyTimeout)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dreaming:Sqlite:ConnectionString"] = "Data Source=" + file,
            ["Dreaming:Sqlite:Synchronous"] = synchronous,
            ["Dreaming:Sqlite:BusyTimeout"] = busyTimeout,
        });
        var sqlite = builder.Configuration.GetSection("Dreaming:Sqlite");
        builder.Services.AddDreamingAgents().UseSqliteStore(sqlite["ConnectionString"] ?? "Data Source=dreaming.db", o => sqlite.Bind(o));
        return builder.Build();
    }

    [Fact]
    public async Task A_host_stopped_with_a_short_shutdown_timeout_writes_every_accepted_event_before_the_file_closes()
    {
        var file = _folder.File("host.db");
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(100));
        builder.Services.AddDreamingAgents(o => o.AgentId = "bot")
            .AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate())
            .UseSqliteStore(file)
            .AddWebhookEndpoint("chat", "https://chat.example.com/hook", WebhookSecret.Generate())
            .AddDreamSchedule("bot", "0 3 * * *")
            .AddOrchestrator();
        string open, done;
        using (var host = builder.Build())
        {
            await host.StartAsync();
            var sessions = host.Services.GetRequiredService<IAgentSessionFactory>();
            var s1 = sessions.StartSession("bot", "one");
            done = s1.Id;
            await s1.RecordAsync(new NoteEvent { SessionId = s1.Id, Text = "a" });
            await s1.CompleteAsync(SessionStatus.Completed, SessionOutcome.Succeeded());
            // A session still open at the stop: its events are queued, not yet written.
            var s2 = sessions.StartSession("bot", "two");
            open = s2.Id;
            for (var i = 0; i < 100; i++)
            {
                await s2.RecordAsync(new NoteEvent { SessionId = s2.Id, Text = "n" + i });
            }

            await host.StopAsync();
        }

        using var store = new SqliteTraceStore(new SqliteTraceStoreOptions { ConnectionString = file });
        Assert.Single(await store.GetEventsAsync(done));
        Assert.Equal(100, (await store.GetEventsAsync(open)).Count);

        // The completed session's end went to both endpoints through the file's outbox.
        using var outbox = new SqliteWebhookOutboxStore(new SqliteTraceStoreOptions { ConnectionString = file });
        Assert.Equal(["chat", "ci"], (await outbox.ListAsync()).Select(d => d.EndpointId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_host_whose_store_file_is_in_a_missing_folder_fails_to_start_naming_the_path_and_creates_nothing()
    {
        var folder = Path.Combine(_folder.Path, "data");
        var file = Path.Combine(folder, "dreaming.db");
        using var host = BuildHost(file);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains($"SqliteTraceStoreOptions.ConnectionString names the trace store '{file}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"the folder '{folder}' does not exist. Create it first.", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task A_host_whose_store_file_names_a_folder_fails_to_start()
    {
        using var host = BuildHost(_folder.Path);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains($"'{_folder.Path}', which cannot be opened: it is a folder, not a file.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Data Source={0};Mode=ReadOnly", "Mode=ReadOnly")]
    [InlineData("Data Source={0};Mode=ReadWrite", "Mode=ReadWrite")]
    [InlineData("Data Source=file:{0}?mode=ro", "mode=ro")]
    [InlineData("Data Source=file://{0}?cache=shared&mode=rw", "mode=rw")]
    [InlineData("Data Source=file:{0}?cache=shared;Mode=ReadOnly", "Mode=ReadOnly")]
    public async Task A_host_opening_a_missing_store_file_without_creating_it_fails_to_start_naming_the_path(string format, string mode)
    {
        var file = Path.Combine(_folder.Path, "missing.db");
        using var host = BuildHost(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, file));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("SqliteTraceStoreOptions.ConnectionString names the trace store", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{file}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist, and ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{mode} opens an existing file only (SQLite does not create it)", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
    }

    [Theory]
    [InlineData("?cache=shared")]
    // SQLite reads URI parameters case-sensitively: VFS=memdb is ignored, so this is a file, not the memdb VFS.
    [InlineData("?VFS=memdb")]
    public async Task A_host_whose_store_file_uri_is_in_a_missing_folder_fails_to_start(string query)
    {
        var folder = Path.Combine(_folder.Path, "data");
        using var host = BuildHost($"Data Source=file:{Path.Combine(folder, "dreaming.db")}{query}");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains($"the folder '{folder}' does not exist. Create it first.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_opening_an_existing_store_file_read_write_without_create_starts()
    {
        var file = _folder.File("existing.db");
        using (var store = new SqliteTraceStore(file))
        {
            await store.InitializeAsync();
        }

        using var host = BuildHost($"Data Source=file:{file}?mode=rw");
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    // SQLite reads a URI's parameter names case-sensitively: MODE=ro is ignored and the missing file is created, so the
    // start must not refuse it (the check matched the name case-insensitively and did); MODE=memory is a file too.
    [Theory]
    [InlineData("?MODE=ro")]
    [InlineData("?Mode=rw&cache=shared")]
    [InlineData("?MODE=memory")]
    public async Task A_host_on_a_missing_file_uri_whose_mode_parameter_sqlite_ignores_starts_and_creates_the_file(string query)
    {
        var file = _folder.File("created.db");
        using var host = BuildHost($"Data Source=file:{file}{query}");
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var session = host.Services.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "one");
        await session.RecordAsync(new NoteEvent { SessionId = session.Id, Text = "a" });
        await session.CompleteAsync(SessionStatus.Completed).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Single(await host.Services.GetRequiredService<ITraceStore>().GetEventsAsync(session.Id));
        Assert.True(File.Exists(file));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    // SQLite reads a URI's values case-sensitively too, and percent-decoded: mode=RO is no access mode (SQLite refuses to
    // open the database, even an existing file), mode=%72o is mode=ro. The check said mode=RO opens an existing file only
    // (and let an existing file pass), and did not read mode=%72o.
    [Fact]
    public async Task A_host_on_a_file_uri_whose_mode_sqlite_does_not_know_fails_to_start_saying_so()
    {
        var file = _folder.File("existing-ro.db");
        using (var store = new SqliteTraceStore(file))
        {
            await store.InitializeAsync();
        }

        var connectionString = $"Data Source=file:{file}?mode=RO";
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(connectionString))
        {
            Assert.Contains("no such access mode: RO", Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(connection.Open).Message, StringComparison.Ordinal);
        }

        using var host = BuildHost(connectionString);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("the URI's mode=RO is not an access mode SQLite knows, so SQLite refuses to open it.", error.Message, StringComparison.Ordinal);

        var missing = _folder.File("missing-encoded.db");
        using var encoded = BuildHost($"Data Source=file:{missing}?mode=%72o");
        error = await Assert.ThrowsAsync<OptionsValidationException>(() => encoded.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("the URI's mode=ro opens an existing file only (SQLite does not create it)", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(missing));
    }

    // Microsoft.Data.Sqlite's builder refuses the character in every form (a plain path, a quoted value, a URI), which
    // the validation reports as an invalid connection string: never an ArgumentException out of the validator.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_data_source_holding_a_nul_character_is_a_validation_failure_naming_the_setting(int form)
    {
        var connectionString = form switch { 0 => "dream\0ing.db", 1 => "Data Source='dream\0ing.db'", _ => "Data Source=file:dream\0ing.db?mode=ro" };
        using var host = BuildHost(connectionString);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("SqliteTraceStoreOptions.ConnectionString is not a valid SQLite connection string", error.Message, StringComparison.Ordinal);
        Assert.Equal("options", Assert.Throws<ArgumentException>(() => new SqliteTraceStore(connectionString)).ParamName);
    }

    [Theory]
    [InlineData("Data Source=host-start-shared;Mode=Memory;Cache=Shared")]
    [InlineData("Data Source=file:host-start-uri?mode=memory&cache=shared")]
    // SQLite's memdb VFS: the path only names the database shared in memory, so its folder need not exist (the check of a
    // file: URI's folder refused it).
    [InlineData("Data Source=file:/no-such-folder-host-start/memdb.db?vfs=memdb")]
    public async Task A_host_on_a_shared_in_memory_database_starts_and_records(string connectionString)
    {
        using var host = BuildHost(connectionString);
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var session = host.Services.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "one");
        await session.RecordAsync(new NoteEvent { SessionId = session.Id, Text = "a" });
        await session.CompleteAsync(SessionStatus.Completed).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Single(await host.Services.GetRequiredService<ITraceStore>().GetEventsAsync(session.Id));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static IHost BuildHost(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDreamingAgents(o => o.AgentId = "bot").UseSqliteStore(connectionString);
        return builder.Build();
    }
}
