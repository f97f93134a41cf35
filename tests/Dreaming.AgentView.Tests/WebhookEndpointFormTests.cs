using System.Net;
using AngleSharp.Html.Dom;

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
        Assert.Equal("No webhook endpoint 'was-off' the webhooks page shows: this app configures none by that id, the outbox has it neither disabled nor failing, and no delivery the page lists names it (a form of the page names an endpoint it showed even when its deliveries have left the page since).", await TestWebhooks.ErrorAsync(response));
    }
}
