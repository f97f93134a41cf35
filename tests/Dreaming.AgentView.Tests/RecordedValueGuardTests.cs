using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AgentView.Tests;

/// <summary>The recorded values (<c>?event=N</c>, <c>?record=json</c>) are the view's own responses: the same policy, the
/// same headers as its pages, and never a 500 for an event the timeline shows.</summary>
public sealed class RecordedValueGuardTests
{
    private static readonly string[] Paths =
    [
        "/dreaming/sessions/s?event=1", "/dreaming/sessions/s?record=json",
        "/dreaming/memory/versions/{version}?record=json", "/dreaming/runs/{run}?record=json",
    ];

    [Fact]
    public async Task A_recorded_value_requires_the_views_policy_as_its_pages_do()
    {
        await using var host = await AgentViewHost.StartAsync(options => options.AuthorizationPolicy = "admins");
        var paths = await SeedAsync(host);
        using var anonymous = host.Client(user: null);
        using var user = host.Client("bob");
        using var admin = host.Client("carol", "admin");

        foreach (var path in paths)
        {
            using var refused = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
            using var forbidden = await user.GetAsync(new Uri(path, UriKind.Relative));
            using var shown = await admin.GetAsync(new Uri(path, UriKind.Relative));

            Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.OK, path), (refused.StatusCode, forbidden.StatusCode, shown.StatusCode, path));
            Assert.DoesNotContain("T-42", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("T-42", await forbidden.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_recorded_value_carries_the_headers_of_every_page()
    {
        await using var host = await AgentViewHost.StartAsync();
        var paths = await SeedAsync(host);
        using var client = host.Client();

        foreach (var path in paths)
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
            Assert.Equal("nosniff", string.Join(',', response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            Assert.Contains("default-src 'none'", string.Join(';', response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
            Assert.Equal("DENY", string.Join(',', response.Headers.GetValues("X-Frame-Options")));
        }
    }

    [Theory]
    [InlineData("?event=-1", HttpStatusCode.BadRequest)]
    [InlineData("?event=%2B1", HttpStatusCode.BadRequest)]
    [InlineData("?event=%201", HttpStatusCode.BadRequest)]
    [InlineData("?event=", HttpStatusCode.BadRequest)]
    [InlineData("?event=1.0", HttpStatusCode.BadRequest)]
    [InlineData("?event=0x1", HttpStatusCode.BadRequest)]
    [InlineData("?event=%D9%A1", HttpStatusCode.BadRequest)]
    [InlineData("?event=99999999999999999999", HttpStatusCode.BadRequest)]
    [InlineData("?event=9223372036854775807", HttpStatusCode.NotFound)]
    [InlineData("?event=1&record=json", HttpStatusCode.BadRequest)]
    [InlineData("?record=json&record=json", HttpStatusCode.BadRequest)]
    [InlineData("?record=JSON", HttpStatusCode.BadRequest)]
    [InlineData("?record", HttpStatusCode.BadRequest)]
    [InlineData("?EVENT=1", HttpStatusCode.OK)]
    [InlineData("?event=01", HttpStatusCode.OK)]
    [InlineData("?after=x&event=1", HttpStatusCode.OK)]
    public async Task An_event_number_or_record_is_read_strictly(string query, HttpStatusCode status)
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(TestEvents.Full("s", "task", new MessageEvent { Role = "user", Text = "hi" }));
        using var client = host.Client();

        using var response = await client.GetAsync(new Uri("/dreaming/sessions/s" + query, UriKind.Relative));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(status == HttpStatusCode.OK ? "application/json" : "text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_event_of_the_apps_own_type_is_its_envelope_without_its_fields_not_a_500()
    {
        // An app may record an event type of its own (SessionEvent is open); the in-memory store keeps it as it is, and the
        // content filter passes it unchanged (it knows none of its fields). The timeline shows its type name and links
        // its number; the JSON must not fail on it (the library's JSON refuses a type it does not know), nor write the
        // fields no filter read.
        await using var host = await AgentViewHost.StartAsync();
        var factory = host.Services.GetRequiredService<IAgentSessionFactory>();
        var session = factory.StartSession("support", "task");
        await session.RecordAsync(new AppEvent { Secret = "sk-live-123" });
        await session.CompleteAsync();
        var path = "/dreaming/sessions/" + Uri.EscapeDataString(session.Id);

        var page = await host.PageAsync(path);
        Assert.Equal("?event=1", page.QuerySelector("#event-1 td.num a")?.GetAttribute("href"));
        using var client = host.Client();
        using var response = await client.GetAsync(new Uri(path + "?event=1", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("sk-live-123", body, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("app.custom", json.RootElement.GetProperty("eventType").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("sequence").GetInt64());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("event").ValueKind);
    }

    [Fact]
    public async Task A_task_cut_before_a_character_of_two_halves_says_it_passed_the_length_of_one_text()
    {
        // The 65,536th character is the first half of an emoji: the cut keeps the pair whole, 65,535 characters, and the
        // note must still name the limit of one text, not the page's budget, which this page is far from.
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(TestEvents.Full("s", new string('t', 65_535) + "😀" + new string('u', 100)));

        var page = await host.PageAsync("/dreaming/sessions/s");

        Assert.Equal(65_535, page.QuerySelector("pre.task")?.TextContent.Length);
        Assert.StartsWith("102 more characters not shown (one text shows at most 65,536).", page.QuerySelector("p.cut-note")?.TextContent, StringComparison.Ordinal);
    }

    private static async Task<string[]> SeedAsync(AgentViewHost host)
    {
        await host.Traces.SeedAsync(TestEvents.Full("s", "task", new MessageEvent { Role = "user", Text = "T-42" }));
        var (version, _) = await host.Memory.SeedTwoVersionsAsync();
        var run = await host.DreamRuns.CreateAsync(new DreamRunRequest { Scope = TestMemory.Scope });
        return [.. Paths.Select(path => path.Replace("{version}", Uri.EscapeDataString(version.Id), StringComparison.Ordinal).Replace("{run}", Uri.EscapeDataString(run.Id), StringComparison.Ordinal))];
    }

    /// <summary>An event type of the app's own.</summary>
    public sealed record AppEvent : SessionEvent
    {
        public string Secret { get; init; } = string.Empty;

        public override string EventType => "app.custom";
    }
}
