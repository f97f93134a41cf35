using System.Net;
using System.Text.Json;

namespace Dreaming.AgentView.Tests;

/// <summary>A page cuts what it shows to a budget, but every recorded value stays reachable: each timeline event links to
/// the event as recorded (JSON), and the header to the session record, which a cut note names.</summary>
public sealed class RecordedValueTests
{
    [Fact]
    public async Task A_text_cut_on_the_session_page_is_whole_in_the_event_the_page_links_to()
    {
        await using var host = await AgentViewHost.StartAsync();
        // JSON has no lone surrogate: the text holds the rest of the hostile characters.
        var text = string.Concat(Enumerable.Repeat(TestEvents.Hostile.Replace("\ud800", string.Empty, StringComparison.Ordinal), 4_000));
        await host.Traces.SeedAsync(TestEvents.Full("s 1/?", "task", new MessageEvent { Role = "user", Text = "hi" }, new MessageEvent { Role = "assistant", Text = text }));

        var page = await host.PageAsync("/dreaming/sessions/" + Uri.EscapeDataString("s 1/?"));
        var cut = page.QuerySelector("#event-2 p.cut-note a");
        Assert.NotNull(cut);
        Assert.Equal("?event=2", cut.GetAttribute("href"));
        Assert.Equal("?event=1", page.QuerySelector("#event-1 td.num a")?.GetAttribute("href"));

        using var client = host.Client();
        using var response = await client.GetAsync(new Uri("/dreaming/sessions/" + Uri.EscapeDataString("s 1/?") + "?event=2", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<", body, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("s 1/?", json.RootElement.GetProperty("sessionId").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("sequence").GetInt64());
        Assert.Equal("message.assistant", json.RootElement.GetProperty("eventType").GetString());
        Assert.Equal(text, json.RootElement.GetProperty("event").GetProperty("Text").GetString());
    }

    [Fact]
    public async Task A_task_cut_in_the_header_is_whole_in_the_session_record_the_page_links_to()
    {
        await using var host = await AgentViewHost.StartAsync();
        var task = new string('t', 70_000) + "end";
        await host.Traces.SeedAsync(TestEvents.Full("s", task));

        var page = await host.PageAsync("/dreaming/sessions/s");
        Assert.Equal("?record=json", page.QuerySelector("p.cut-note a")?.GetAttribute("href"));
        Assert.Equal("?record=json", page.QuerySelector("a.record")?.GetAttribute("href"));

        using var client = host.Client();
        var body = await client.GetStringAsync(new Uri("/dreaming/sessions/s?record=json", UriKind.Relative));
        using var json = JsonDocument.Parse(body);
        Assert.Equal(task, json.RootElement.GetProperty("Task").GetString());
        Assert.Equal("T-42", json.RootElement.GetProperty("Metadata").GetProperty("ticket").GetString());
    }

    [Theory]
    [InlineData("?event=x", HttpStatusCode.BadRequest)]
    [InlineData("?event=0", HttpStatusCode.BadRequest)]
    [InlineData("?event=1&event=2", HttpStatusCode.BadRequest)]
    [InlineData("?event=3", HttpStatusCode.NotFound)]
    [InlineData("?record=xml", HttpStatusCode.BadRequest)]
    public async Task A_recorded_value_that_is_not_one_is_a_400_or_a_404(string query, HttpStatusCode status)
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(TestEvents.Full("s", "task", new MessageEvent { Role = "user", Text = "hi" }, new MessageEvent { Role = "user", Text = "again" }));
        using var client = host.Client();

        using var response = await client.GetAsync(new Uri("/dreaming/sessions/s" + query, UriKind.Relative));
        using var unknown = await client.GetAsync(new Uri("/dreaming/sessions/nope?event=1", UriKind.Relative));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    public static TheoryData<string> Values => [.. HostileValues.Names];

    [Theory]
    [MemberData(nameof(Values))]
    public async Task A_hostile_value_is_json_that_parses_and_holds_no_markup(string kind)
    {
        await using var host = await AgentViewHost.StartAsync(services: HostileValues.AddEndpoint);
        var seeded = await HostileValues.SeedAsync(host, HostileValues.Of(kind));
        using var client = host.Client();

        var session = "/dreaming/sessions/" + Uri.EscapeDataString(seeded.SessionId);
        string[] paths =
        [
            session + "?record=json", session + "?event=1", session + "?event=2", session + "?event=3",
            "/dreaming/memory/versions/" + Uri.EscapeDataString(seeded.VersionId) + "?record=json",
            "/dreaming/runs/" + Uri.EscapeDataString(seeded.RunId) + "?record=json",
            "/dreaming/runs/" + Uri.EscapeDataString(seeded.FailedRunId) + "?record=json",
        ];
        foreach (var path in paths)
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("<", body, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(body);
        }
    }
}
