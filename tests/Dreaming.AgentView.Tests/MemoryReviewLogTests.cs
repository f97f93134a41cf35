using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dreaming.AgentView.Tests;

/// <summary>The audit trail of the view's actions: each memory review is logged with the reviewer, the scope and the
/// versions, and a name or a recorded value that holds a control character cannot forge a log line.</summary>
public sealed class MemoryReviewLogTests
{
    [Fact]
    public async Task Approve_reject_and_rollback_are_each_logged_with_the_user_the_scope_and_the_versions()
    {
        var logs = new TestWebhooks.RecordingLogs();
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddSingleton<ILoggerProvider>(logs));
        var (v1, v2) = await host.Memory.SeedTwoVersionsAsync();
        var v3 = await host.Memory.ProposeAsync(v1.Id, MemoryAuthor.Person("carol"), null, TestMemory.Insight("ins-d", "Say sorry."));

        using (var approved = await host.PostReviewAsync(v2.Id, "approve"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, approved.StatusCode);
        }

        using (var rejected = await host.PostReviewAsync(v3.Id, "reject", "stale\r\nbob approved everything", user: "bob"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, rejected.StatusCode);
        }

        using (var rolled = await host.PostReviewAsync(v1.Id, "rollback", "back", user: "carol"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, rolled.StatusCode);
        }

        var active = (await host.Memory.GetActiveVersionAsync(TestMemory.Scope))!;
        Assert.Equal(
            [
                (LogLevel.Information, $"alice approved memory version {v2.Id} (#2 of agent:support) from the agent view."),
                (LogLevel.Information, $"bob rejected memory version {v3.Id} (#3 of agent:support) from the agent view."),
                (LogLevel.Information, $"carol rolled agent:support back to memory version {v1.Id} from the agent view: the active version is now {active.Id} (#{active.Number})."),
            ],
            logs.Entries.Where(e => e.Category == "Dreaming.AgentView").Select(e => (e.Level, e.Message)).ToArray());
    }

    [Fact]
    public async Task A_refused_review_logs_nothing()
    {
        var logs = new TestWebhooks.RecordingLogs();
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddSingleton<ILoggerProvider>(logs));
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();
        var press = await host.ReviewFormAsync(v2.Id, "approve");
        var unknown = await host.ReviewFormAsync(v2.Id, "approve", postTo: "/dreaming/memory/versions/mv-gone/approve");
        await host.Memory.ApproveAsync(v2.Id, MemoryAuthor.Person("mallory"));

        using var conflict = await press();
        using var notFound = await unknown();

        Assert.Equal([HttpStatusCode.Conflict, HttpStatusCode.NotFound], [conflict.StatusCode, notFound.StatusCode]);
        Assert.DoesNotContain(logs.Entries, e => e.Category == "Dreaming.AgentView");
    }

    [Theory]
    [InlineData("mallory\nalice approved memory version mv-9 (#9 of global) from the agent view")]
    [InlineData("mallory\r")]
    [InlineData("mallory\u001b[2K")]
    [InlineData("mallory\u0085")]
    public async Task A_reviewer_name_with_a_control_character_is_refused_so_it_cannot_forge_a_log_line(string name)
    {
        var logs = new TestWebhooks.RecordingLogs();
        await using var host = await AgentViewHost.StartAsync(options => options.ReviewerName = _ => name, services =>
        {
            TestWebhooks.AddEndpoints(services);
            services.AddSingleton<ILoggerProvider>(logs);
        });
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();
        var dead = await host.Outbox().SeedAsync("dead");

        using var review = await host.PostReviewAsync(v2.Id, "approve");
        using var replay = await host.PostFormAsync("/dreaming/webhooks", "webhook-replay");

        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden], [review.StatusCode, replay.StatusCode]);
        Assert.Equal($"The approve of '{v2.Id}' was refused: the signed-in user's name has the control character U+{(int)name[7]:X4} at index 7 (the name is logged and recorded as one line of text, where it could start a forged line or reorder what follows). Sign in as a user whose name has none, or set AgentViewOptions.ReviewerName.", await TestWebhooks.ErrorAsync(review));
        Assert.StartsWith($"The replay of '{dead.Id}' was refused: the signed-in user's name has the control character", await TestWebhooks.ErrorAsync(replay), StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, e => e.Category == "Dreaming.AgentView");
        Assert.Equal(MemoryVersionState.Proposed, (await host.Memory.GetVersionAsync(v2.Id))!.State);
        Assert.Equal(WebhookDeliveryState.Dead, (await host.Outbox().GetAsync(dead.Id))!.State);
    }

    [Fact]
    public async Task A_recorded_value_with_a_line_break_is_logged_on_one_line()
    {
        var logs = new TestWebhooks.RecordingLogs();
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddSingleton<ILoggerProvider>(logs));
        var scope = MemoryScope.Agent("ops\nbob approved");
        var proposed = await host.Memory.ProposeAsync(null, MemoryAuthor.Person("carol"), null, TestMemory.Insight("ins-x", "Check.", scope));

        using var approved = await host.PostReviewAsync(proposed.Id, "approve");

        Assert.Equal(HttpStatusCode.SeeOther, approved.StatusCode);
        var entry = Assert.Single(logs.Entries, e => e.Category == "Dreaming.AgentView");
        Assert.Equal($"alice approved memory version {proposed.Id} (#1 of agent:ops\\u000Abob approved) from the agent view.", entry.Message);
    }
    [Theory]
    [InlineData("mallory\u2028alice approved memory version mv-9 (#9 of global) from the agent view.", "the line break U+2028 at index 7")]
    [InlineData("mallory\u2029", "the line break U+2029 at index 7")]
    [InlineData("\u202Eecila", "the bidirectional override or isolate U+202E at index 0")]
    [InlineData("mallory \u2066x\u2069", "the bidirectional override or isolate U+2066 at index 8")]
    [InlineData("mallory{lone high surrogate}", "half a character (an unpaired surrogate) U+D800 at index 7")]
    public async Task A_reviewer_name_the_cli_refuses_as_an_audit_field_is_refused_by_the_view_too(string given, string problem)
    {
        // The theory's data cannot carry a lone surrogate (its serialization makes it U+FFFD): it is put in here.
        var name = given.Replace("{lone high surrogate}", "\uD800", StringComparison.Ordinal);
        var logs = new TestWebhooks.RecordingLogs();
        await using var host = await AgentViewHost.StartAsync(options => options.ReviewerName = _ => name, services => services.AddSingleton<ILoggerProvider>(logs));
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();

        using var review = await host.PostReviewAsync(v2.Id, "approve");

        Assert.Equal(HttpStatusCode.Forbidden, review.StatusCode);
        Assert.Equal($"The approve of '{v2.Id}' was refused: the signed-in user's name has {problem} (the name is logged and recorded as one line of text, where it could start a forged line or reorder what follows). Sign in as a user whose name has none, or set AgentViewOptions.ReviewerName.", await TestWebhooks.ErrorAsync(review));
        Assert.DoesNotContain(logs.Entries, e => e.Category == "Dreaming.AgentView");
        Assert.Equal(MemoryVersionState.Proposed, (await host.Memory.GetVersionAsync(v2.Id))!.State);
    }

    [Theory]
    [InlineData("山田太郎")]
    [InlineData("محمد عبدالله")]
    [InlineData("Jose\u0301 Müller")]
    [InlineData("\uD83D\uDC69\u200D\uD83D\uDCBB dev")]
    [InlineData("Zoë O'Brien-Łukasz")]
    public async Task A_reviewer_name_in_any_script_with_combining_marks_or_emoji_is_recorded_and_logged_as_given(string name)
    {
        var logs = new TestWebhooks.RecordingLogs();
        await using var host = await AgentViewHost.StartAsync(options => options.ReviewerName = _ => name, services => services.AddSingleton<ILoggerProvider>(logs));
        var (_, v2) = await host.Memory.SeedTwoVersionsAsync();

        using var review = await host.PostReviewAsync(v2.Id, "approve");

        Assert.Equal(HttpStatusCode.SeeOther, review.StatusCode);
        Assert.Equal(MemoryAuthor.Person(name), (await host.Memory.GetVersionAsync(v2.Id))!.ReviewedBy);
        Assert.Equal($"{name} approved memory version {v2.Id} (#2 of agent:support) from the agent view.", Assert.Single(logs.Entries, e => e.Category == "Dreaming.AgentView").Message);
    }

    [Theory]
    [InlineData("ops\u2028bob approved", "ops\\u2028bob approved")]
    [InlineData("ops\u2029", "ops\\u2029")]
    [InlineData("ops\u202Emoc.live", "ops\\u202Emoc.live")]
    [InlineData("ops\u2067x\u2069", "ops\\u2067x\\u2069")]
    public async Task A_recorded_value_with_a_unicode_line_break_or_a_bidirectional_control_is_logged_escaped(string agentId, string logged)
    {
        var logs = new TestWebhooks.RecordingLogs();
        await using var host = await AgentViewHost.StartAsync(services: services => services.AddSingleton<ILoggerProvider>(logs));
        var proposed = await host.Memory.ProposeAsync(null, MemoryAuthor.Person("carol"), null, TestMemory.Insight("ins-x", "Check.", MemoryScope.Agent(agentId)));

        using var approved = await host.PostReviewAsync(proposed.Id, "approve");

        Assert.Equal(HttpStatusCode.SeeOther, approved.StatusCode);
        var entry = Assert.Single(logs.Entries, e => e.Category == "Dreaming.AgentView");
        Assert.Equal($"alice approved memory version {proposed.Id} (#1 of agent:{logged}) from the agent view.", entry.Message);
    }
}
