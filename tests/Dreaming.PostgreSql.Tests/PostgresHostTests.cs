using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A host built the way an adopting application builds it, on the PostgreSQL stores.</summary>
public sealed class PostgresHostTests : IAsyncLifetime
{
    private readonly string _schema = PostgresTestServer.NewSchema();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => PostgresTestServer.DropSchemaAsync(_schema);

    [Fact]
    public async Task UsePostgresStore_replaces_the_trace_store_with_one_on_the_configured_schema()
    {
        using var host = Build(PostgresTestServer.ConnectionString!, _schema, services => services.AddDreamingAgents(o => o.AgentId = "bot").UseInMemoryStore());
        await host.StartAsync();

        var store = Assert.IsType<PostgresTraceStore>(host.Services.GetRequiredService<ITraceStore>());
        Assert.EndsWith("/" + _schema, store.Location, StringComparison.Ordinal);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("hosted")], []));
        Assert.NotNull(await store.GetSessionAsync("hosted"));
        await host.StopAsync();
    }

    [Fact]
    public void A_missing_connection_string_is_refused_saying_where_a_null_one_comes_from()
    {
        // configuration.GetConnectionString("dreaming") is null when ConnectionStrings:dreaming is not set; the bare
        // "Value cannot be null. (Parameter 'connectionString')" left the adopter to guess why.
        var error = Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddDreamingAgents().UsePostgresStore(null!));

        Assert.Equal("connectionString", error.ParamName);
        Assert.Contains("GetConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddDreamingAgents().UsePostgresStore(" "));
    }

    [Fact]
    public async Task A_provider_disposed_synchronously_closes_the_shared_database()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => o.AgentId = "bot").UsePostgresStore(PostgresTestServer.ConnectionString!, o => o.Schema = _schema);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ITraceStore>().InitializeAsync();

        provider.Dispose();
    }

    [Theory]
    [InlineData("Hots=db", "valid", "PostgresStoreOptions.ConnectionString is not a valid Npgsql connection string")]
    [InlineData("Database=app", "valid", "PostgresStoreOptions.ConnectionString has no Host")]
    [InlineData(null, "Bad-Schema", "PostgresStoreOptions.Schema 'Bad-Schema'")]
    public async Task A_bad_setting_fails_the_host_start_naming_it(string? connectionString, string schema, string expected)
    {
        using var host = Build(connectionString ?? PostgresTestServer.ConnectionString!, schema, services => services.AddDreamingAgents(o => o.AgentId = "bot"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(string connectionString, string schema, Func<IServiceCollection, IDreamingBuilder> dreaming)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        dreaming(builder.Services).UsePostgresStore(connectionString, o => o.Schema = schema);
        return builder.Build();
    }
}
