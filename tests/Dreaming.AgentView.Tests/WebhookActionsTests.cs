using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dreaming.AgentView.Tests;

/// <summary>Replay, replay every dead letter, enable and disable an endpoint from the view: what they change in the
/// outbox, the antiforgery and name checks they share with the memory review, read-only, and the log.</summary>
public sealed class WebhookActionsTests
{
    [Fact]
    public async Task Replaying_a_dead_letter_puts_it_back_in_line_and_redirects_to_it()
    {
        var logs = new TestWebhooks.RecordingLogs();
        await using var host = await AgentViewHost.StartAsync(services: services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddSingleton<ILoggerProvider>(logs);
        });
        var dead = await host.Outbox().SeedAsync("dead");
        Assert.Equal((WebhookDeliveryState.Dead, 1), (dead.State, dead.Attempts));

        using var response = await host.PostFormAsync("/dreaming/webhooks", "webhook-replay");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/dreaming/webhooks/deliveries/" + dead.Id, response.Headers.Location?.OriginalString);
        var replayed = (await host.Outbox().GetAsync(dead.Id))!;
        Assert.Equal((WebhookDeliveryState.Pending, 0), (replayed.State, replayed.Attempts));
        var entry = Assert.Single(logs.Entries, e => e.Category == "Dreaming.AgentView");
        Assert.Equal((LogLevel.Information, $"alice replayed webhook delivery {dead.Id} (session.failed to endpoint ops) from the agent view."), (entry.Level, entry.Message));

        var page = await host.PageAsync("/dreaming/webhooks/deliveries/" + dead.Id);
        Assert.Equal("pending", page.QuerySelectorAll("dl.facts dd")[1].TextContent);
    }

    [Fact]
    public async Task Replaying_every_dead_letter_replays_them_all_and_says_how_many()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        var first = await host.Outbox().SeedAsync("dead");
        var second = await host.Outbox().SeedAsync("dead", "audit");
        var delivered = await host.Outbox().SeedAsync("delivered");

        using var response = await host.PostFormAsync("/dreaming/webhooks", "webhook-replay-dead");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var location = response.Headers.Location?.OriginalString ?? string.Empty;
        Assert.StartsWith("/dreaming/webhooks?replayed=", location, StringComparison.Ordinal);
        Assert.Equal([WebhookDeliveryState.Pending, WebhookDeliveryState.Pending, WebhookDeliveryState.Delivered], [(await host.Outbox().GetAsync(first.Id))!.State, (await host.Outbox().GetAsync(second.Id))!.State, (await host.Outbox().GetAsync(delivered.Id))!.State]);
        var page = await host.PageAsync(location);
        Assert.Matches(@"^2 dead letters were put back in line at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, due at once\.$", page.QuerySelector("p.notice")?.TextContent);
        Assert.Null(page.QuerySelector("form.webhook-replay-dead"));

        // Given twice, or on a read-only view (which issues none), the same notice is refused too.
        using var client = host.Client();
        using var twice = await client.GetAsync(new Uri(location + "&" + location[(location.IndexOf('?', StringComparison.Ordinal) + 1)..], UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
        await using var readOnly = await AgentViewHost.StartAsync(options => options.ReadOnly = true, TestWebhooks.AddEndpoints);
        using var readOnlyClient = readOnly.Client();
        using var refused = await readOnlyClient.GetAsync(new Uri(location, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [Fact]
    public async Task A_replay_notice_read_by_an_instance_without_the_keys_that_protected_it_says_so_and_that_the_replay_was_made()
    {
        // Two instances of one app whose data protection keys are not shared (or one restarted with keys kept in memory).
        await using var first = await AgentViewHost.StartAsync(services: services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddDataProtection().UseEphemeralDataProtectionProvider();
        });
        await using var second = await AgentViewHost.StartAsync(services: services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddDataProtection().UseEphemeralDataProtectionProvider();
        });
        await first.Outbox().SeedAsync("dead");
        using var replayed = await first.PostFormAsync("/dreaming/webhooks", "webhook-replay-dead");
        var location = replayed.Headers.Location?.OriginalString ?? string.Empty;
        Assert.Equal("1 dead letter was put back in line", (await first.PageAsync(location)).QuerySelector("p.notice")?.TextContent[..34]);
        using var client = second.Client();

        using var response = await client.GetAsync(new Uri(location, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var given = location[(location.IndexOf('=', StringComparison.Ordinal) + 1)..];
        Assert.Equal($"replayed '{Uri.UnescapeDataString(given)}' is not a notice this server can read: only the replay of every dead letter links to one, and only a server with the data protection keys that protected it reads it (not one that does not share the app's keys, nor one restarted without keeping them). If you came here from that replay, it was made: the webhooks page, opened without the notice, shows where the deliveries stand.", await TestWebhooks.ErrorAsync(response));
    }

    [Theory]
    [InlineData("5000")]
    [InlineData("2")]
    [InlineData("CfDJ8forged")]
    public async Task A_replay_notice_the_view_did_not_issue_is_a_400_naming_it_not_a_claim_on_the_page(string replayed)
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        using var client = host.Client();

        using var response = await client.GetAsync(new Uri("/dreaming/webhooks?replayed=" + replayed, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"replayed '{replayed}' is not a notice this server can read: only the replay of every dead letter links to one, and only a server with the data protection keys that protected it reads it (not one that does not share the app's keys, nor one restarted without keeping them). If you came here from that replay, it was made: the webhooks page, opened without the notice, shows where the deliveries stand.", await TestWebhooks.ErrorAsync(response));
    }

    [Fact]
    public async Task Enabling_a_disabled_endpoint_resets_it_and_disabling_records_who_and_why()
    {
        var logs = new TestWebhooks.RecordingLogs();
        await using var host = await AgentViewHost.StartAsync(services: services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddSingleton<ILoggerProvider>(logs);
        });
        await host.Outbox().SeedAsync("dead");
        await host.Outbox().SetEndpointDisabledAsync("ops", "too many failures", TestWebhooks.At);

        using (var enabled = await host.PostFormAsync("/dreaming/webhooks", "webhook-enable", "/ops/enable"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, enabled.StatusCode);
            Assert.Equal("/dreaming/webhooks", enabled.Headers.Location?.OriginalString);
        }

        var state = await host.Outbox().GetEndpointAsync("ops");
        Assert.Equal((false, 0), (state.IsDisabled, state.ConsecutiveFailures));

        using (var disabled = await host.PostFormAsync("/dreaming/webhooks", "webhook-disable", "/ops/disable", reason: "receiver <b>migrating</b>", user: "bob"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, disabled.StatusCode);
        }

        Assert.Equal("disabled in the agent view by bob: receiver <b>migrating</b>", (await host.Outbox().GetEndpointAsync("ops")).DisabledReason);
        Assert.Equal(
            ["alice enabled webhook endpoint ops from the agent view.", "bob disabled webhook endpoint ops from the agent view: disabled in the agent view by bob: receiver <b>migrating</b>."],
            logs.Entries.Where(e => e.Category == "Dreaming.AgentView").Select(e => e.Message).ToArray());
        var page = await host.PageAsync("/dreaming/webhooks");
        var cell = page.QuerySelector("section#endpoints tbody tr td:nth-child(5)")!.TextContent;
        Assert.True(cell.StartsWith("disabled since ", StringComparison.Ordinal) && cell.EndsWith(": disabled in the agent view by bob: receiver <b>migrating</b>", StringComparison.Ordinal), cell);
        Assert.Empty(page.QuerySelectorAll("main b"));
    }

    [Fact]
    public async Task A_disable_reason_is_kept_on_one_line_and_a_long_one_or_a_second_disable_changes_nothing()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);

        using var tooLong = await host.PostFormAsync("/dreaming/webhooks", "webhook-disable", "/ops/disable", reason: new string('r', 4001));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("The reason for disabling 'ops' is 4001 characters long; at most 4000 are kept.", await TestWebhooks.ErrorAsync(tooLong));
        Assert.False((await host.Outbox().GetEndpointAsync("ops")).IsDisabled);

        using var first = await host.PostFormAsync("/dreaming/webhooks", "webhook-disable", "/ops/disable", reason: " line one\r\nFAKE log line\u001b[2J\t ");
        Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);
        Assert.Equal("disabled in the agent view by alice: line one  FAKE log line [2J", (await host.Outbox().GetEndpointAsync("ops")).DisabledReason);

        // A second form still open elsewhere: the endpoint stays disabled with the first reason.
        using var second = await host.PostFormAsync("/dreaming/webhooks", "webhook-disable", "/audit/disable", reason: "later", user: "bob", postTo: "/dreaming/webhooks/endpoints/ops/disable");
        Assert.Equal(HttpStatusCode.SeeOther, second.StatusCode);
        Assert.Equal("disabled in the agent view by alice: line one  FAKE log line [2J", (await host.Outbox().GetEndpointAsync("ops")).DisabledReason);
    }

    [Fact]
    public async Task A_disable_reason_with_a_unicode_line_break_or_a_bidirectional_control_is_stored_and_logged_on_one_line()
    {
        var logs = new TestWebhooks.RecordingLogs();
        await using var host = await AgentViewHost.StartAsync(services: services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddSingleton<ILoggerProvider>(logs);
        });

        using var disabled = await host.PostFormAsync("/dreaming/webhooks", "webhook-disable", "/ops/disable", reason: "line one\u2028bob enabled ops\u2029\u202Eeno");

        Assert.Equal(HttpStatusCode.SeeOther, disabled.StatusCode);
        Assert.Equal("disabled in the agent view by alice: line one bob enabled ops  eno", (await host.Outbox().GetEndpointAsync("ops")).DisabledReason);
        Assert.DoesNotContain(logs.Entries, e => e.Message.AsSpan().ContainsAny("\u2028\u2029\u202E"));
    }

    [Fact]
    public async Task A_post_without_the_token_is_a_400_and_changes_nothing()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        var dead = await host.Outbox().SeedAsync("dead");

        using var missing = await host.PostFormAsync("/dreaming/webhooks", "webhook-replay", withToken: false);
        using var bare = host.Client();
        using var notAForm = await bare.PostAsync(new Uri("/dreaming/webhooks/replay-dead", UriKind.Relative), new StringContent("{}"));

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest], [missing.StatusCode, notAForm.StatusCode]);
        Assert.Equal($"The replay of '{dead.Id}' was refused: its form's antiforgery token is missing or not valid for you. Reload the webhooks page and try again.", await TestWebhooks.ErrorAsync(missing));
        Assert.Equal("The replay of every dead letter must be posted from its form.", await TestWebhooks.ErrorAsync(notAForm));
        Assert.Equal(WebhookDeliveryState.Dead, (await host.Outbox().GetAsync(dead.Id))!.State);
    }

    [Fact]
    public async Task A_user_without_a_name_sees_no_forms_and_is_refused_with_403()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.AllowAnonymous = true, TestWebhooks.AddEndpoints);
        var dead = await host.Outbox().SeedAsync("dead");

        var page = await host.PageAsync("/dreaming/webhooks", user: null);
        Assert.Empty(page.QuerySelectorAll("main form"));
        Assert.StartsWith("Replays and endpoint changes are logged with the user's name", page.QuerySelector("p.no-review")?.TextContent, StringComparison.Ordinal);
        using var client = host.Client(user: null);
        using var refused = await client.PostAsync(new Uri($"/dreaming/webhooks/deliveries/{dead.Id}/replay", UriKind.Relative), new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal($"The replay of '{dead.Id}' was refused: each change is logged with the user's name, and the signed-in user has none (no name claim). Sign in as a named user.", await TestWebhooks.ErrorAsync(refused));
        Assert.Equal(WebhookDeliveryState.Dead, (await host.Outbox().GetAsync(dead.Id))!.State);
    }

    [Fact]
    public async Task ReadOnly_shows_no_forms_and_refuses_every_action_with_403()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.ReadOnly = true, TestWebhooks.AddEndpoints);
        var dead = await host.Outbox().SeedAsync("dead");
        await host.Outbox().SetEndpointDisabledAsync("ops", "gone", TestWebhooks.At);

        var page = await host.PageAsync("/dreaming/webhooks");
        var delivery = await host.PageAsync("/dreaming/webhooks/deliveries/" + dead.Id);
        Assert.Empty(page.QuerySelectorAll("main form"));
        Assert.Empty(delivery.QuerySelectorAll("main form"));
        Assert.Null(page.QuerySelector("p.no-review"));

        using var client = host.Client();
        foreach (var path in new[] { $"deliveries/{dead.Id}/replay", "replay-dead", "endpoints/ops/enable", "endpoints/ops/disable" })
        {
            using var post = await client.PostAsync(new Uri("/dreaming/webhooks/" + path, UriKind.Relative), new FormUrlEncodedContent([]));
            Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
            Assert.StartsWith("The agent view is read-only: webhook deliveries cannot be replayed and endpoints cannot be enabled or disabled from it (", await TestWebhooks.ErrorAsync(post), StringComparison.Ordinal);
        }

        Assert.Equal(WebhookDeliveryState.Dead, (await host.Outbox().GetAsync(dead.Id))!.State);
        Assert.True((await host.Outbox().GetEndpointAsync("ops")).IsDisabled);
    }

    [Fact]
    public async Task Replaying_an_unknown_delivery_is_a_404_naming_it()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        await host.Outbox().SeedAsync("dead");

        using var response = await host.PostFormAsync("/dreaming/webhooks", "webhook-replay", postTo: "/dreaming/webhooks/deliveries/whd-gone%3F/replay");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("No webhook delivery 'whd-gone?'.", await TestWebhooks.ErrorAsync(response));
    }

    [Fact]
    public async Task The_views_policy_guards_the_webhook_posts_too()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.AuthorizationPolicy = "admins", TestWebhooks.AddEndpoints);
        var dead = await host.Outbox().SeedAsync("dead");

        using var notAdmin = host.Client("alice");
        using var forbidden = await notAdmin.PostAsync(new Uri("/dreaming/webhooks/replay-dead", UriKind.Relative), new FormUrlEncodedContent([]));
        using var anonymous = host.Client(user: null);
        using var challenged = await anonymous.PostAsync(new Uri($"/dreaming/webhooks/deliveries/{dead.Id}/replay", UriKind.Relative), new FormUrlEncodedContent([]));

        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized], [forbidden.StatusCode, challenged.StatusCode]);
        Assert.Equal(WebhookDeliveryState.Dead, (await host.Outbox().GetAsync(dead.Id))!.State);
    }
}
