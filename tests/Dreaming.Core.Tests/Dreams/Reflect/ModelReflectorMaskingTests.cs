using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>A reflector model is shown the sessions with their customers' values masked, and a lesson that still quotes
/// one (from a session it was not shown, or its own guess) is masked or left out.</summary>
public class ModelReflectorMaskingTests
{
    private static readonly Finding[] s_findings = [DreamTestData.ToolErrorFinding("refund", "Error: refund of <num> refused for <value>", "s1", "s2")];

    [Fact]
    public async Task The_model_is_shown_the_excerpts_with_the_customers_values_masked_and_the_tool_and_argument_names_kept()
    {
        var model = Reply("""{"lessons":[]}""", out var requests);

        await new ModelReflector(model, maxPairs: 0).ReflectAsync(new ReflectionRequest { Findings = s_findings, BaseFailureRate = 0.5, Sessions = Sessions() });

        var prompt = requests[0][1].Text;
        Assert.Contains("user: Hi, I'm <value>, my user id is <value>, e-mail <value>. The lamp arrived broken.", prompt, StringComparison.Ordinal);
        Assert.Contains("call refund({\"user_id\":\"<value>\",\"amount\":150,\"note\":\"<value>\"})", prompt, StringComparison.Ordinal);
        Assert.Contains("error refund: TypeError: refund of 150 refused for <value>", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("Mia", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("3668", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("parcel was left", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lesson_quoting_a_customers_value_is_masked_and_the_note_says_so()
    {
        var model = Reply("""{"lessons":[{"finding":0,"kind":"pitfall","text":"A TypeError from `refund` for Mia Li (mia_li_3668) means the user_id is wrong: call `lookup_user` first.","evidence":["s1"]}]}""", out _);

        var result = await new ModelReflector(model, maxPairs: 0).ReflectAsync(new ReflectionRequest { Findings = s_findings, BaseFailureRate = 0.5, Sessions = Sessions() });

        Assert.Equal(InsightSource.Reflected, result.Lessons[0].Source);
        Assert.Equal("A TypeError from `refund` for <value> (<value>) means the user_id is wrong: call `lookup_user` first.", result.Lessons[0].Text);
        Assert.Contains("1 lessons of the model quoted a value of the sessions read: masked as <value>", result.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lesson_that_is_little_but_a_customers_values_is_left_out_and_the_template_stands_in()
    {
        var model = Reply("""{"lessons":[{"finding":0,"kind":"pitfall","text":"Mia Li (mia_li_3668) again.","evidence":["s1"]}]}""", out var requests);

        var result = await new ModelReflector(model, maxPairs: 0).ReflectAsync(new ReflectionRequest { Findings = s_findings, BaseFailureRate = 0.5, Sessions = Sessions() });

        Assert.Single(requests); // an answer, not asked for again
        Assert.Equal(InsightSource.Mined, result.Lessons[0].Source);
        Assert.DoesNotContain("Mia", result.Lessons[0].Text, StringComparison.Ordinal);
        Assert.Contains("1 left out as little but values remained", result.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lesson_quoting_no_value_is_kept_word_for_word()
    {
        const string Lesson = "When `refund` raises a TypeError, send the amount as a number and the user_id from `lookup_user`; do not retry with the same arguments.";
        var model = Reply($$"""{"lessons":[{"finding":0,"kind":"pitfall","text":"{{Lesson}}","evidence":["s1"]}]}""", out _);

        var result = await new ModelReflector(model, maxPairs: 0).ReflectAsync(new ReflectionRequest { Findings = s_findings, BaseFailureRate = 0.5, Sessions = Sessions() });

        Assert.Equal(Lesson, result.Lessons[0].Text);
        Assert.Null(result.Note);
    }

    private static FakeChatClient Reply(string text, out List<List<ChatMessage>> requests)
    {
        var seen = new List<List<ChatMessage>>();
        requests = seen;
        return new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) =>
            {
                seen.Add(messages.ToList());
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { Usage = new UsageDetails { InputTokenCount = 30, OutputTokenCount = 5 } });
            },
        };
    }

    private static Dictionary<string, SessionWithEvents> Sessions() =>
        new[] { Session("s1"), Session("s2") }.ToDictionary(s => s.Session.Id);

    private static SessionWithEvents Session(string id)
    {
        var time = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        List<SessionEvent> events =
        [
            new MessageEvent { Role = "user", Text = "Hi, I'm Mia Li, my user id is mia_li_3668, e-mail mia.li@example.com. The lamp arrived broken." },
            new ToolCallEvent { CallId = "c", ToolName = "refund", Arguments = """{"user_id":"mia_li_3668","amount":150,"note":"parcel was left at the door"}""" },
            new ToolResultEvent { CallId = "c", ToolName = "refund", IsError = true, Result = "TypeError: refund of 150 refused for Mia Li" },
        ];
        return new SessionWithEvents(
            new SessionRecord { Id = id, AgentId = "bot", Task = "Refund the lamp of Mia Li", Status = SessionStatus.Failed, StartedAt = time, EndedAt = time.AddSeconds(1), Outcome = SessionOutcome.Failed() },
            events.Select((e, n) => e with { SessionId = id, Sequence = n + 1, Timestamp = time }).ToList());
    }
}
