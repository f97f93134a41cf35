using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public class RedactionBeforeStorageTests
{
    private const string ApiKey = "sk-live0123456789ABCDEFGHIJ";
    private const string Email = "victim@example.com";
    private const string DbPassword = "Tr0ub4dorXq3";

    [Fact]
    public async Task Secrets_in_prompt_tool_arguments_tool_results_and_errors_never_reach_the_store()
    {
        var tool = AIFunctionFactory.Create((string connection) => $"connected with Password={DbPassword}; owner {Email}", "connect");
        var calls = 0;
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) => Interlocked.Increment(ref calls) switch
            {
                1 => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [
                    new FunctionCallContent("c1", "connect", new Dictionary<string, object?> { ["connection"] = $"Server=x;Password={DbPassword}" })]))),
                2 => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"Done. Mail {Email} with key {ApiKey}."))),
                _ => throw new InvalidOperationException($"401 for Bearer {ApiKey}"),
            },
        };
        var store = new InMemoryTraceStore();
        await using var host = TracingHost.Create(inner, b => b.UseDreaming().UseFunctionInvocation(), store: store);
        await using var session = host.Sessions.StartSession(new AgentSessionOptions
        {
            AgentId = "agent",
            Task = $"Use key {ApiKey} for {Email}",
            Metadata = { ["conn"] = $"Password={DbPassword}" },
        });

        await host.Chat.GetResponseAsync($"my key is {ApiKey}, mail me at {Email}", new ChatOptions { Tools = [tool] });
        await Assert.ThrowsAsync<InvalidOperationException>(() => host.Chat.GetResponseAsync("again"));
        await session.RecordAsync(new NoteEvent { Text = $"note {ApiKey}" });
        await session.CompleteAsync();

        var relaxed = new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var everything = JsonSerializer.Serialize(
            new
            {
                session = await store.GetSessionAsync(session.Id),
                events = (await store.GetEventsAsync(session.Id)).Select(e => JsonSerializer.Serialize(e, relaxed)).ToList(),
            },
            relaxed);
        Assert.Contains("[REDACTED:", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Email, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(DbPassword, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, session.Task, StringComparison.Ordinal);
        var events = await store.GetEventsAsync(session.Id);
        Assert.Contains("[REDACTED:password]", events.OfType<ToolCallEvent>().Single().Arguments, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:email]", events.OfType<ToolResultEvent>().Single().Result, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:bearer]", events.OfType<ErrorEvent>().Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secrets_in_outcome_criterion_reasons_and_errors_never_reach_the_store()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var runner = host.Services.GetRequiredService<IOutcomeRunner>();
        var rubric = new RubricBuilder("r", "R").Regex("Mentions a key", @"sk-\w+").EqualTo("Is exactly ok", "ok").Build();
        var graded = await runner.RunAsync(new OutcomeRequest
        {
            AgentId = "a", Task = "t", Rubric = rubric, MaxIterations = 1,
            Agent = (_, _) => Task.FromResult("use " + ApiKey),
        });
        var failed = await runner.RunAsync(new OutcomeRequest
        {
            AgentId = "a", Task = "t", Rubric = rubric, MaxIterations = 1,
            Agent = (_, _) => throw new InvalidOperationException("401 with key " + ApiKey),
        });

        var criteria = (await host.EventsAsync(graded.SessionId)).OfType<OutcomeEvaluationEndedEvent>().Single().Criteria;
        var reasons = criteria.Select(c => c.Reason).ToList();
        Assert.Contains(reasons, r => r!.Contains("[REDACTED:api-key]", StringComparison.Ordinal));

        // The redacted copy of a verdict keeps what its criterion counts for.
        Assert.Equal([(1.0, false, "regex"), (1.0, false, "equals")], criteria.Select(c => (c.Weight!.Value, c.Required!.Value, c.Kind!)));
        Assert.All(reasons, r => Assert.DoesNotContain(ApiKey, r!, StringComparison.Ordinal));
        var error = (await host.EventsAsync(failed.SessionId)).OfType<OutcomeEvaluationEndedEvent>().Single().Error;
        Assert.Equal("the agent failed: 401 with key [REDACTED:api-key]", error);
    }

    [Fact]
    public async Task Built_in_patterns_can_be_turned_off_while_added_redactors_still_apply()
    {
        await using var host = TracingHost.Create(
            FakeChatClient.Echo(),
            options: o => o.RedactSecrets = false,
            dreaming: b => b.AddRedactor(new WordRedactor("internal-codename")));
        await using var session = host.Sessions.StartSession("agent", "task");
        await session.RecordAsync(new NoteEvent { Text = $"{Email} internal-codename" });
        await session.CompleteAsync();

        var note = (NoteEvent)(await host.Store.GetEventsAsync(session.Id)).Single();
        Assert.Equal($"{Email} [custom]", note.Text);
    }

    [Fact]
    public async Task Compliance_redaction_chooses_the_replacement()
    {
        var classification = new DataClassification("tests", "secret");
        await using var host = TracingHost.Create(
            FakeChatClient.Echo(),
            dreaming: b =>
            {
                b.Services.AddRedaction(r => r.SetRedactor<ErasingRedactor>(new DataClassificationSet(classification)));
                b.UseComplianceRedaction(classification);
            });
        await using var session = host.Sessions.StartSession("agent", "task");
        await session.RecordAsync(new NoteEvent { Text = "Password=abc123; ok" });
        await session.CompleteAsync();

        var note = (NoteEvent)(await host.Store.GetEventsAsync(session.Id)).Single();
        Assert.Equal("Password=; ok", note.Text);
    }

    [Fact]
    public async Task Oversized_content_is_truncated_with_a_marker_and_the_original_length()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.MaxContentLength = 1000);
        await using var session = host.Sessions.StartSession("agent", "task");
        var huge = new string('x', 5000) + " " + ApiKey;
        await session.RecordAsync(new NoteEvent { Text = huge });
        await session.RecordAsync(new NoteEvent { Text = new string('y', 1000) });
        await session.CompleteAsync();

        var notes = (await host.Store.GetEventsAsync(session.Id)).Cast<NoteEvent>().ToList();
        Assert.StartsWith(new string('x', 1000), notes[0].Text, StringComparison.Ordinal);
        Assert.EndsWith("...[truncated: original length 5028 chars]", notes[0].Text, StringComparison.Ordinal);
        Assert.Equal(new string('y', 1000), notes[1].Text);
    }

    [Fact]
    public void A_secret_straddling_the_limit_is_redacted_not_cut_in_half()
    {
        var filter = new TraceContentFilter([new SecretPatternRedactor()], maxLength: 300);
        var text = new string('a', 290) + " " + ApiKey + new string('b', 5000);
        var result = filter.Apply(text);
        Assert.DoesNotContain("sk-live", result, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_cut_at_the_end_of_the_scan_is_not_kept_when_redaction_shrinks_the_text()
    {
        var filter = new TraceContentFilter([new SecretPatternRedactor()], maxLength: 256);
        var jwt = "eyJ" + new string('a', 600) + "." + new string('b', 300) + "." + new string('c', 300);
        var text = "x " + jwt + " {\"password\":\"Hunter2" + new string('Q', 200) + "\"} tail";

        var result = filter.Apply(text);

        Assert.DoesNotContain("Hunter2", result, StringComparison.Ordinal);
        Assert.StartsWith("x [REDACTED:jwt] {\"password\":\"[REDACTED:secret]\"} tail", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_redaction_keeps_shrinking_is_scanned_a_bounded_number_of_times_and_keeps_nothing_near_the_scan_end()
    {
        var redactor = new ShrinkingRedactor('z');
        var filter = new TraceContentFilter([redactor], maxLength: 256);
        var text = "ok " + new string('z', 1_000_000) + "Hunter2";

        var result = filter.Apply(text);

        Assert.InRange(redactor.Calls, 1, 4);
        Assert.Equal("...[truncated: original length 1000010 chars]", result);
    }

    [Fact]
    public async Task A_redactor_that_throws_drops_the_event_instead_of_storing_it_unredacted_and_the_writer_goes_on()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo(), dreaming: b => b.AddRedactor(new ThrowingRedactor("boom")));
        await using var session = host.Sessions.StartSession("agent", "task");
        await session.RecordAsync(new NoteEvent { Text = "contains boom" });
        await session.RecordAsync(new NoteEvent { Text = "harmless" });
        await session.CompleteAsync();

        var notes = (await host.Store.GetEventsAsync(session.Id)).Cast<NoteEvent>().ToList();
        Assert.Equal(["harmless"], notes.Select(n => n.Text));
        Assert.Equal(1, (await host.Store.GetSessionAsync(session.Id))!.DroppedEventCount);
    }

    private sealed class ThrowingRedactor(string trigger) : ITraceContentRedactor
    {
        public string Redact(string text) => text.Contains(trigger, StringComparison.Ordinal) ? throw new InvalidOperationException("redactor bug") : text;
    }

    private sealed class ShrinkingRedactor(char removed) : ITraceContentRedactor
    {
        public int Calls { get; private set; }

        public string Redact(string text)
        {
            Calls++;
            return text.Replace(removed.ToString(), string.Empty, StringComparison.Ordinal);
        }
    }

    private sealed class WordRedactor(string word) : ITraceContentRedactor
    {
        public string Redact(string text) => text.Replace(word, "[custom]", StringComparison.Ordinal);
    }
}
