using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Tests;

public class MemoryEditEndToEndTests
{
    private const string HumanLesson = "Call get_order and refund at most its total.";

    [Fact]
    public async Task A_reviewer_retires_a_dreamt_lesson_and_adds_their_own_which_sessions_get_once_the_edit_is_approved()
    {
        using var cli = new CliRunner();
        var log = cli.WriteFile("log.jsonl", string.Join('\n', Enumerable.Range(0, 14).Select(Session)));
        var (importExit, _, importError) = await cli.RunAsync("import", log, "--agent", "refund-bot", "--db", cli.Database);
        Assert.True(importExit == 0, importError);
        var (dreamExit, dream, dreamError) = await cli.RunAsync("dream", "--agent", "refund-bot", "--review", "approval", "--db", cli.Database, "--json");
        Assert.True(dreamExit == 0, dreamError);
        var proposal = JsonDocument.Parse(dream).RootElement.GetProperty("output_version").GetString()!;
        var (_, proposed, _) = await cli.RunAsync("memory", "show", "--version", proposal, "--db", cli.Database, "--json");
        var dreamt = JsonDocument.Parse(proposed).RootElement.GetProperty("insights").EnumerateArray()
            .First(i => i.GetProperty("status").GetString() == "active");
        var retired = dreamt.GetProperty("id").GetString()!;
        var retiredText = dreamt.GetProperty("text").GetString()!;

        var (editExit, edited, editError) = await cli.RunAsync(
            "memory", "edit", proposal, "--retire", retired, "--add", HumanLesson, "--tool", "refund", "--by", "ada", "--note", "mine is clearer", "--db", cli.Database, "--json");
        Assert.True(editExit == 0, editError);
        var edit = JsonDocument.Parse(edited).RootElement;
        var editId = edit.GetProperty("version").GetProperty("id").GetString()!;
        var human = edit.GetProperty("added")[0].GetProperty("id").GetString()!;
        var (approveExit, _, approveError) = await cli.RunAsync("memory", "approve", editId, "--by", "ada", "--db", cli.Database);
        Assert.True(approveExit == 0, approveError);

        var (showExit, shown, _) = await cli.RunAsync("memory", "show", "--agent", "refund-bot", "--db", cli.Database, "--json");
        Assert.Equal(0, showExit);
        var active = JsonDocument.Parse(shown).RootElement;
        Assert.Equal((editId, "active", proposal), (active.GetProperty("id").GetString(), active.GetProperty("state").GetString(), active.GetProperty("parentVersionId").GetString()));
        var insights = active.GetProperty("insights").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!);
        Assert.Equal("retired", insights[retired].GetProperty("status").GetString());
        Assert.Equal(("active", "human", HumanLesson), (insights[human].GetProperty("status").GetString(), insights[human].GetProperty("source").GetString(), insights[human].GetProperty("text").GetString()));

        // A session of the agent, given its memory by UseDreaming(), is told the person's lesson and not the retired one.
        var model = new CapturingModel();
        await using (var services = CliServices.Build(CliDatabase.Parse(cli.Database, null), model))
        {
            await using var session = services.GetRequiredService<IAgentSessionFactory>().StartSession("refund-bot", "refund 150");
            await services.GetRequiredService<IChatClient>().GetResponseAsync([new ChatMessage(ChatRole.User, "refund 150")]);
            await session.CompleteAsync(SessionStatus.Completed);
        }

        var memory = Assert.Single(model.Messages, m => m.Role == ChatRole.System).Text;
        Assert.Contains($"- [{human}] {HumanLesson}", memory, StringComparison.Ordinal);
        Assert.DoesNotContain(retired, memory, StringComparison.Ordinal);
        Assert.DoesNotContain(retiredText, memory, StringComparison.Ordinal);

        static string Session(int i) => i < 8
            ? $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 150"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":150}"}}]},{"role":"tool","tool_call_id":"c1","content":"Error: payment amount does not add up, total is 99, requested 150"},{"role":"assistant","content":"I could not."}],"reward":0}"""
            : $$$"""{"id":"r{{{i}}}","messages":[{"role":"user","content":"refund 50"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"amount\":50}"}}]},{"role":"tool","tool_call_id":"c1","content":"refunded 50"},{"role":"assistant","content":"Done."}],"reward":1}""";
    }

    private sealed class CapturingModel : IChatClient
    {
        public List<ChatMessage> Messages { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Messages.AddRange(messages);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Done.")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
