using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>What <c>UsePostgresStore</c> registers for webhooks, and which publisher the other stores get to write their
/// rows in their own transactions.</summary>
public sealed class PostgresWebhookRegistrationTests
{
    private const string Url = "https://hooks.example.com/dreaming";

    [Fact]
    public async Task UsePostgresStore_replaces_the_outbox_and_gives_the_stores_on_its_database_the_publisher()
    {
        await using var provider = Provider(services => services.AddDreamingAgents().UsePostgresStore(PostgresTestServer.ConnectionString!).AddWebhooks(Endpoint));
        var database = provider.GetRequiredService<PostgresDatabase>();
        await using var elsewhere = new PostgresDatabase(PostgresTestServer.NewOptions("other_schema"));

        var outbox = Assert.IsType<PostgresWebhookOutboxStore>(provider.GetRequiredService<IWebhookOutboxStore>());

        Assert.Same(database, outbox.Database);
        Assert.Same(provider.GetRequiredService<WebhookPublisher>(), PostgresDreamingBuilderExtensions.SameDatabaseWebhooks(provider, database));
        Assert.Null(PostgresDreamingBuilderExtensions.SameDatabaseWebhooks(provider, elsewhere));
        Assert.True(PostgresDreamingBuilderExtensions.HasWebhookEndpoints(provider));
    }

    [Fact]
    public async Task Without_endpoints_or_with_another_outbox_no_store_writes_webhook_rows()
    {
        await using var noEndpoints = Provider(services => services.AddDreamingAgents().UsePostgresStore(PostgresTestServer.ConnectionString!).AddWebhooks(_ => { }));
        await using var otherOutbox = Provider(services =>
        {
            services.AddDreamingAgents().UsePostgresStore(PostgresTestServer.ConnectionString!).AddWebhooks(Endpoint);
            services.AddSingleton<IWebhookOutboxStore, InMemoryWebhookOutboxStore>();
        });

        Assert.Null(PostgresDreamingBuilderExtensions.SameDatabaseWebhooks(noEndpoints, noEndpoints.GetRequiredService<PostgresDatabase>()));
        Assert.False(PostgresDreamingBuilderExtensions.HasWebhookEndpoints(noEndpoints));
        Assert.Null(PostgresDreamingBuilderExtensions.SameDatabaseWebhooks(otherOutbox, otherOutbox.GetRequiredService<PostgresDatabase>()));
    }

    private static void Endpoint(WebhookOptions options)
    {
        var endpoint = new WebhookEndpoint { Id = "ci", Url = Url };
        endpoint.Secrets.Add(WebhookSecret.Generate());
        options.Endpoints.Add(endpoint);
    }

    private static ServiceProvider Provider(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        configure(services);
        return services.BuildServiceProvider();
    }
}
