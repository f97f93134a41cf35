using System.Net;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>What an endpoint form whose <c>shown</c> field no longer names its endpoint (past its hour, or written by an
/// earlier build, whose field is not dated) may still do: the checks of a hand-made POST, which accept an endpoint the app
/// configures or the outbox knows.</summary>
public sealed class WebhookShownExpiryTests
{
    [Fact]
    public async Task A_configured_endpoints_form_works_past_the_hour_and_a_form_of_an_earlier_build_is_read_as_hand_made()
    {
        var time = new SettableTime(TestWebhooks.At);
        await using var host = await AgentViewHost.StartAsync(options => options.PageSize = 1, services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddAntiforgery();
            services.AddSingleton<TimeProvider>(time);
        });
        await host.Outbox().SeedAsync("delivered", "gone-endpoint");
        using var client = host.Client();
        using var get = await client.GetAsync(new Uri("/dreaming/webhooks", UriKind.Relative));
        var document = await AgentViewHost.ParseAsync(await get.Content.ReadAsStringAsync());
        var cookie = string.Join("; ", get.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        await host.Outbox().SeedAsync("delivered", "ops", minutes: 5);
        var earlierBuild = host.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("Dreaming.AgentView.ShownEndpoint");

        async Task<(HttpStatusCode Status, string? Error)> PostAsync(string endpointId, string? shown = null)
        {
            var form = document.QuerySelectorAll("form.webhook-disable").OfType<IHtmlFormElement>().Single(f => f.Action.EndsWith("/" + endpointId + "/disable", StringComparison.Ordinal));
            var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("name") == "shown" && shown is not null ? shown : i.GetAttribute("value")!));
            using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(form.GetAttribute("action")!, UriKind.Relative)) { Content = new FormUrlEncodedContent(fields) };
            post.Headers.Add("Cookie", cookie);
            using var response = await client.SendAsync(post);
            return (response.StatusCode, response.StatusCode == HttpStatusCode.SeeOther ? null : await TestWebhooks.ErrorAsync(response));
        }

        // An earlier build's field (the id alone, under the purpose it used) within the hour: as a hand-made POST's, the 404
        // saying to reload the page.
        Assert.Equal(
            (HttpStatusCode.NotFound, "No webhook endpoint 'gone-endpoint' the webhooks page shows: this app configures none by that id, the outbox has it neither disabled nor failing, and no delivery the page lists names it. The form is of a page an earlier version of the agent view rendered, whose forms do not say when the page was opened: reload the webhooks page (for an hour after the page was opened, its forms name the endpoints it showed even when their deliveries have left the page since)."),
            await PostAsync("gone-endpoint", earlierBuild.Protect("gone-endpoint")));

        // One of another endpoint's: as a hand-made POST's, no hint.
        Assert.Equal(
            (HttpStatusCode.NotFound, "No webhook endpoint 'gone-endpoint' the webhooks page shows: this app configures none by that id, the outbox has it neither disabled nor failing, and no delivery the page lists names it (for an hour after the page was opened, a form of the page names an endpoint it showed even when its deliveries have left the page since)."),
            await PostAsync("gone-endpoint", earlierBuild.Protect("ops")));
        Assert.False((await host.Outbox().GetEndpointAsync("gone-endpoint")).IsDisabled);

        // Two hours on, the configured endpoint's form is still accepted (so is one of an earlier build).
        time.Now = TestWebhooks.At.AddHours(2);
        Assert.Equal((HttpStatusCode.SeeOther, null), await PostAsync("ops"));
        Assert.True((await host.Outbox().GetEndpointAsync("ops")).IsDisabled);
        await host.Outbox().SetEndpointDisabledAsync("ops", null, time.Now);
        Assert.Equal((HttpStatusCode.SeeOther, null), await PostAsync("ops", earlierBuild.Protect("ops")));
        Assert.True((await host.Outbox().GetEndpointAsync("ops")).IsDisabled);
    }
}
