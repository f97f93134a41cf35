using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dreaming.AgentView.Tests;

/// <summary>A host that registered neither antiforgery nor data protection (its own middleware signs the user in): the
/// view's own antiforgery works, and what it and its data protection log goes to the app's log.</summary>
public sealed class AntiforgeryFallbackTests
{
    [Fact]
    public async Task Without_the_hosts_antiforgery_and_data_protection_review_works_and_logs_to_the_apps_log()
    {
        var log = new RecordingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders().AddProvider(log).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddDreamingAgents();
        await using var app = builder.Build();
        Assert.Null(app.Services.GetService<IDataProtectionProvider>());
        app.Use((http, next) =>
        {
            http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "alice")], "proxy"));
            return next(http);
        });
        app.MapDreamingAgentView(configure: options => options.AllowAnonymous = true);
        await app.StartAsync();
        var (_, v2) = await app.Services.GetRequiredService<IMemoryStore>().SeedTwoVersionsAsync();
        var client = app.GetTestServer().CreateClient();

        using var get = await client.GetAsync(new Uri("/dreaming/memory/versions/" + v2.Id, UriKind.Relative));
        var token = (await AgentViewHost.ParseAsync(await get.Content.ReadAsStringAsync())).QuerySelector("form.review-approve input[type=hidden]")!;
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri($"/dreaming/memory/versions/{v2.Id}/approve", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent([new(token.GetAttribute("name")!, token.GetAttribute("value")!)]),
        };
        post.Headers.Add("Cookie", string.Join("; ", get.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
        using var approved = await client.SendAsync(post);

        Assert.Equal(HttpStatusCode.SeeOther, approved.StatusCode);
        Assert.Contains(log.Categories(), category => category.StartsWith("Microsoft.AspNetCore.Antiforgery.", StringComparison.Ordinal));
        Assert.Contains(log.Categories(), category => category.StartsWith("Microsoft.AspNetCore.DataProtection.", StringComparison.Ordinal));
        await app.StopAsync();
    }

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        private readonly List<string> _categories = [];

        public string[] Categories()
        {
            lock (_categories)
            {
                return [.. _categories];
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(RecordingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (provider._categories)
                {
                    provider._categories.Add(category);
                }
            }
        }
    }
}
