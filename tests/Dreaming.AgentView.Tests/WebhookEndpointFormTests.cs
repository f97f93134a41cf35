using System.Net;
using AngleSharp.Html.Dom;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>Which endpoints the view's enable and disable forms may name.</summary>
public sealed class WebhookEndpointFormTests
{
    [Fact]
    public async Task An_endpoint_the_page_showed_can_be_disabled_after_newer_deliveries_push_its_own_off_the_page()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.PageSize = 1, TestWebhooks.AddEndpoints);
        // Delivered: a delivery counts no failure of the endpoint, so only the listed deliveries name it.
        await host.Outbox().SeedAsync("delivered", "gone-endpoint");
        using var client = host.Client();
        using var get = await client.GetAsync(new Uri("/dreaming/webhooks", UriKind.Relative));
        var document = await AgentViewHost.ParseAsync(await get.Content.ReadAsStringAsync());
        var form = document.QuerySelectorAll("form.webhook-disable").OfType<IHtmlFormElement>().Single(f => f.Action.EndsWith("/gone-endpoint/disable", StringComparison.Ordinal));

        // Meanwhile a newer delivery (to another endpoint) takes the only row of the page's delivered ones.
        await host.Outbox().SeedAsync("delivered", "ops", minutes: 5);
        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value")!)).ToList();
        fields.Add(new("reason", "removed"));
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(form.GetAttribute("action")!, UriKind.Relative)) { Content = new FormUrlEncodedContent(fields) };
        post.Headers.Add("Cookie", string.Join("; ", get.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
        using var response = await client.SendAsync(post);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.True((await host.Outbox().GetEndpointAsync("gone-endpoint")).IsDisabled);
    }

    [Fact]
    public async Task The_404_of_an_endpoint_disabled_then_enabled_does_not_say_it_was_never_disabled()
    {
        await using var host = await AgentViewHost.StartAsync(services: TestWebhooks.AddEndpoints);
        await host.Outbox().SetEndpointDisabledAsync("was-off", "a person", TestWebhooks.At);
        await host.Outbox().SetEndpointDisabledAsync("was-off", null, TestWebhooks.At);

        using var response = await host.PostFormAsync("/dreaming/webhooks", "webhook-disable", "/ops/disable", reason: "x", postTo: "/dreaming/webhooks/endpoints/was-off/disable");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("No webhook endpoint 'was-off' the webhooks page shows: this app configures none by that id, the outbox has it neither disabled nor failing, and no delivery the page lists names it (for an hour after the page was opened, a form of the page names an endpoint it showed even when its deliveries have left the page since).", await TestWebhooks.ErrorAsync(response));
    }

    [Fact]
    public async Task A_shown_field_names_its_endpoint_for_an_hour_on_the_apps_clock_and_the_404_past_it_says_so()
    {
        // An endpoint the page showed, since removed from the app's configuration and pushed off the page: an old page's
        // form would otherwise enable or disable it for ever.
        var time = new SettableTime(TestWebhooks.At);
        await using var host = await AgentViewHost.StartAsync(options => options.PageSize = 1, services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddSingleton<TimeProvider>(time);
        });
        await host.Outbox().SeedAsync("delivered", "gone-endpoint");
        using var client = host.Client();
        using var get = await client.GetAsync(new Uri("/dreaming/webhooks", UriKind.Relative));
        var document = await AgentViewHost.ParseAsync(await get.Content.ReadAsStringAsync());
        var form = document.QuerySelectorAll("form.webhook-disable").OfType<IHtmlFormElement>().Single(f => f.Action.EndsWith("/gone-endpoint/disable", StringComparison.Ordinal));
        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value")!)).ToList();
        var cookie = string.Join("; ", get.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        await host.Outbox().SeedAsync("delivered", "ops", minutes: 5);

        async Task<(HttpStatusCode Status, string? Error)> PostAsync()
        {
            using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(form.GetAttribute("action")!, UriKind.Relative)) { Content = new FormUrlEncodedContent(fields) };
            post.Headers.Add("Cookie", cookie);
            using var response = await client.SendAsync(post);
            return (response.StatusCode, response.StatusCode == HttpStatusCode.SeeOther ? null : await TestWebhooks.ErrorAsync(response));
        }

        const string NotShown = "No webhook endpoint 'gone-endpoint' the webhooks page shows: this app configures none by that id, the outbox has it neither disabled nor failing, and no delivery the page lists names it.";
        time.Now = TestWebhooks.At.AddHours(1).AddSeconds(1);
        Assert.Equal((HttpStatusCode.NotFound, NotShown + " The form is of the page as it was at 2026-11-02 08:00:00 UTC, and names the endpoints that page showed for an hour (it is now 2026-11-02 09:00:01 UTC): reload the webhooks page."), await PostAsync());
        time.Now = TestWebhooks.At.AddMinutes(-2);
        Assert.Equal((HttpStatusCode.NotFound, NotShown + " The form is of the page as it was at 2026-11-02 08:00:00 UTC, later than this server's clock (2026-11-02 07:58:00 UTC) by more than a minute: reload the webhooks page."), await PostAsync());
        Assert.False((await host.Outbox().GetEndpointAsync("gone-endpoint")).IsDisabled);

        time.Now = TestWebhooks.At.AddHours(1);
        Assert.Equal((HttpStatusCode.SeeOther, null), await PostAsync());
        Assert.True((await host.Outbox().GetEndpointAsync("gone-endpoint")).IsDisabled);
    }

    [Fact]
    public async Task A_shown_field_names_only_its_own_endpoint_even_one_whose_id_needs_escaping()
    {
        // As in 'dreaming view': an outbox, no endpoint configured, no dispatcher.
        await using var host = await AgentViewHost.StartAsync(options => options.PageSize = 1, services => services.AddSingleton<IWebhookOutboxStore>(new InMemoryWebhookOutboxStore()));
        const string hostile = "team/a b?#x";
        await host.Outbox().SeedAsync("delivered", hostile);
        using var client = host.Client();
        using var get = await client.GetAsync(new Uri("/dreaming/webhooks", UriKind.Relative));
        var document = await AgentViewHost.ParseAsync(await get.Content.ReadAsStringAsync());
        var form = document.QuerySelectorAll("form.webhook-disable").OfType<IHtmlFormElement>().Single();
        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value")!)).ToList();
        Assert.Equal("shown", Assert.Single(fields, f => f.Key == "shown").Key);
        var cookie = string.Join("; ", get.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        await host.Outbox().SeedAsync("delivered", "other", minutes: 5);

        async Task<HttpStatusCode> PostAsync(string action, IEnumerable<KeyValuePair<string, string>> form)
        {
            using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(action, UriKind.Relative)) { Content = new FormUrlEncodedContent(form) };
            post.Headers.Add("Cookie", cookie);
            using var response = await client.SendAsync(post);
            return response.StatusCode;
        }

        // Its shown field posted for another id the page no longer lists, tampered with, or left out: a 404, nothing changed.
        var tampered = fields.Select(f => f.Key == "shown" ? new KeyValuePair<string, string>(f.Key, f.Value[..^2] + (f.Value[^2..] == "AA" ? "AB" : "AA")) : f);
        Assert.Equal(
            [HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound],
            [await PostAsync("/dreaming/webhooks/endpoints/team%2Fa%20b/disable", fields), await PostAsync(form.GetAttribute("action")!, tampered), await PostAsync(form.GetAttribute("action")!, fields.Where(f => f.Key != "shown"))]);
        Assert.False((await host.Outbox().GetEndpointAsync("team/a b")).IsDisabled);
        Assert.False((await host.Outbox().GetEndpointAsync(hostile)).IsDisabled);

        // As the page wrote it: accepted, and it is the endpoint with that very id that is disabled.
        Assert.Equal(HttpStatusCode.SeeOther, await PostAsync(form.GetAttribute("action")!, fields));
        Assert.True((await host.Outbox().GetEndpointAsync(hostile)).IsDisabled);
    }
}
