using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dreaming.AgentView.Tests;

/// <summary>A host that also runs ASP.NET Core's antiforgery middleware (AddAntiforgery and UseAntiforgery): the view's
/// review still works, validated once by the view.</summary>
public sealed class AntiforgeryMiddlewareTests
{
    [Fact]
    public async Task Review_works_when_the_host_runs_UseAntiforgery_and_still_refuses_a_missing_token()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddDreamingAgents();
        builder.Services.AddAntiforgery();
        await using var app = builder.Build();
        app.Use((http, next) =>
        {
            http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "alice")], "test"));
            return next(http);
        });
        app.UseRouting();
        app.UseAntiforgery();
        app.MapDreamingAgentView(configure: options => options.AllowAnonymous = true);
        await app.StartAsync();
        var (_, v2) = await app.Services.GetRequiredService<IMemoryStore>().SeedTwoVersionsAsync();
        var client = app.GetTestServer().CreateClient();

        using var missing = await client.PostAsync(new Uri($"/dreaming/memory/versions/{v2.Id}/approve", UriKind.Relative), new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);

        using var get = await client.GetAsync(new Uri("/dreaming/memory/versions/" + v2.Id, UriKind.Relative));
        var token = (await AgentViewHost.ParseAsync(await get.Content.ReadAsStringAsync())).QuerySelector("form.review-approve input[type=hidden]")!;
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri($"/dreaming/memory/versions/{v2.Id}/approve", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent([new(token.GetAttribute("name")!, token.GetAttribute("value")!)]),
        };
        post.Headers.Add("Cookie", string.Join("; ", get.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
        using var approved = await client.SendAsync(post);

        Assert.Equal(HttpStatusCode.SeeOther, approved.StatusCode);
        Assert.Equal(MemoryAuthor.Person("alice"), (await app.Services.GetRequiredService<IMemoryStore>().GetVersionAsync(v2.Id))!.ReviewedBy);
        await app.StopAsync();
    }
}
