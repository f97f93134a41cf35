using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>Which event types the app's endpoints subscribe to: an event no endpoint wants is never written to the outbox,
/// so the page says which those are rather than leave "no delivery" to read as "nothing happened".</summary>
public sealed class WebhookEventTypesTests
{
    [Fact]
    public async Task The_page_names_the_event_types_no_endpoint_subscribes_to_as_not_written()
    {
        await using var host = await AgentViewHost.StartAsync(services: services =>
        {
            services.AddDreamingAgents().AddWebhooks(options =>
            {
                var ci = new WebhookEndpoint { Id = "ci", Url = "https://ci.example.com/hooks" };
                ci.Secrets.Add(TestWebhooks.OpsSecret);
                ci.Events.Add("outcome.*");
                ci.Events.Add(WebhookEventTypes.DreamCompleted);
                options.Endpoints.Add(ci);
                var chat = new WebhookEndpoint { Id = "chat", Url = "https://chat.example.com/in", Enabled = false };
                chat.Secrets.Add(TestWebhooks.AuditSecret);
                chat.Events.Add(WebhookEventTypes.SessionFailed);
                chat.Events.Add(WebhookEventTypes.DreamCompleted);
                options.Endpoints.Add(chat);
            });
            TestWebhooks.WithoutDispatcherLoop(services);
        });

        var page = await host.PageAsync("/dreaming/webhooks");

        var rows = page.Rows("section#event-types table.event-types");
        Assert.Equal(WebhookEventTypes.All, rows.Select(r => r[0]).ToArray());
        Assert.Equal(["none: not written to the outbox"], rows.Single(r => r[0] == WebhookEventTypes.SessionCompleted)[1..]);
        Assert.Equal(["chat (disabled in configuration: its deliveries become dead letters)"], rows.Single(r => r[0] == WebhookEventTypes.SessionFailed)[1..]);
        Assert.Equal(["ci"], rows.Single(r => r[0] == WebhookEventTypes.OutcomeSatisfied)[1..]);
        Assert.Equal(["ci, chat (disabled in configuration: its deliveries become dead letters)"], rows.Single(r => r[0] == WebhookEventTypes.DreamCompleted)[1..]);
        Assert.Equal(12, rows.Count(r => r[1] == "none: not written to the outbox"));
        Assert.Equal("An event of a type no endpoint of this app subscribes to is not written to the outbox, nor counted: that no delivery of such a type is listed below says nothing about whether one happened.", page.QuerySelector("section#event-types p")?.TextContent);
    }
}
