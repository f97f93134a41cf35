using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.AgentView.Tests;

/// <summary>The replay notice's lifetime, on the app's clock.</summary>
public sealed class WebhookNoticeExpiryTests
{
    [Fact]
    public async Task A_replay_notice_past_its_lifetime_shows_no_count_and_says_it_expired()
    {
        var time = new FakeTimeProvider(TestWebhooks.At);
        await using var host = await AgentViewHost.StartAsync(services: services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddSingleton<TimeProvider>(time);
        });
        await host.Outbox().SeedAsync("dead");
        using var response = await host.PostFormAsync("/dreaming/webhooks", "webhook-replay-dead");
        var location = response.Headers.Location!.OriginalString;

        time.Advance(TimeSpan.FromMinutes(15));
        var fresh = await host.PageAsync(location);
        Assert.Equal("1 dead letter was put back in line at 2026-11-02 08:00:00 UTC, due at once.", fresh.QuerySelector("p.notice")?.TextContent);

        time.Advance(TimeSpan.FromSeconds(1));
        using var client = host.Client();
        using var stale = await client.GetAsync(new Uri(location, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        var page = await AgentViewHost.ParseAsync(await stale.Content.ReadAsStringAsync());
        Assert.Null(page.QuerySelector("p.notice"));
        Assert.Equal("The notice of the replay of every dead letter made at 2026-11-02 08:00:00 UTC has expired (a notice is shown for 15 minutes): the sections below show where the deliveries stand now.", page.QuerySelector("p.notice-expired")?.TextContent);
    }

    [Fact]
    public async Task A_replay_notice_dated_later_than_the_servers_clock_is_not_shown_beyond_a_minute_of_skew()
    {
        // The replay made at 09:00 on the clock of the instance that made it; read where the clock says 08:00 (another
        // instance's clock behind, or a clock set back): its count would otherwise show for an hour and 15 minutes.
        var time = new SettableTime(TestWebhooks.At.AddHours(1));
        await using var host = await AgentViewHost.StartAsync(services: services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddSingleton<TimeProvider>(time);
        });
        await host.Outbox().SeedAsync("dead");
        using var response = await host.PostFormAsync("/dreaming/webhooks", "webhook-replay-dead");
        var location = response.Headers.Location!.OriginalString;

        time.Now = TestWebhooks.At.AddHours(1).AddMinutes(-1);
        var skewed = await host.PageAsync(location);
        Assert.Equal("1 dead letter was put back in line at 2026-11-02 09:00:00 UTC, due at once.", skewed.QuerySelector("p.notice")?.TextContent);

        time.Now = TestWebhooks.At;
        var page = await host.PageAsync(location);
        Assert.Null(page.QuerySelector("p.notice"));
        Assert.Equal("The notice of the replay of every dead letter dated 2026-11-02 09:00:00 UTC is not shown: that is later than this server's clock (2026-11-02 08:00:00 UTC) by more than a minute, as a clock set back or another instance's clock behind reads it. The sections below show where the deliveries stand now.", page.QuerySelector("p.notice-expired")?.TextContent);
    }
}
