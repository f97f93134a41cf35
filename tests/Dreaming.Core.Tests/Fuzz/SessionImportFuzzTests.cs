using System.Text;

namespace Dreaming.Tests.Fuzz;

public sealed class SessionImportFuzzTests
{
    private const string OpenAi = """
        [{"id":"s1","agent":"support","task":"Refund","started_at":"2026-01-02T03:04:05Z","ended_at":1767323046,"reward":0.5,
          "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Refund order 7"}]},
            {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"refund","arguments":"{\"order\":7}"}}]},
            {"role":"tool","tool_call_id":"c1","content":"Error: not found"},{"role":"assistant","content":"Done."}]}]
        """;

    private const string ChatMessages = """
        {"success":true,"messages":[{"role":"user","contents":[{"$type":"text","text":"Hi"}]},{"role":"assistant","contents":[{"$type":"functionCall","callId":"c1","name":"look","arguments":{"q":"x"}}]},{"role":"tool","contents":[{"$type":"functionResult","callId":"c1","result":"ok"}]}]}
        {"messages":[{"Role":{"Value":"user"},"Contents":[{"$type":"text","Text":"Hi"}]}],"started_at":1767323045}
        """;

    [Theory]
    [InlineData(ImportErrorHandling.Atomic)]
    [InlineData(ImportErrorHandling.SkipMalformed)]
    public async Task Mutated_logs_import_or_throw_a_SessionImportException(ImportErrorHandling handling)
    {
        string[] seeds =
        [
            OpenAi, ChatMessages, "\uFEFF" + ChatMessages,
            """{"id":7,"agent_id":1e400,"started_at":-1e20,"ended_at":"2026-13-45","success":null,"messages":[{"role":"tool","tool_call_id":"x","is_error":true,"content":[{"type":"image_url"}]},{"role":"","content":{}}]}""",
            """{"reward":NaN,"messages":[{"Role":{"Value":"assistant"},"Contents":[{"$type":"functionCall","CallId":"c","Name":"f","Arguments":null},{"$type":"functionResult","CallId":"c","Result":{"a":[1,2]}}]}]}""",
        ];
        var reader = new SessionLogReader();
        var options = new SessionImportOptions { ErrorHandling = handling };
        var cases = new InputMutator(FuzzRunner.Setting("FUZZ_SEED", (handling == ImportErrorHandling.Atomic ? "3" : "5"))).Mutants(seeds, FuzzRunner.Setting("FUZZ_COUNT", "2500"));
        var failures = new List<string>();
        var count = await Task.Run(() => FuzzRunner.Run(
                cases,
                text =>
                {
                    using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
                    var sessions = reader.ReadAsync(stream, "fuzz.json", options).ToBlockingEnumerable().ToList();
                    Assert.All(sessions, s => Assert.True(s.Succeeded || handling == ImportErrorHandling.SkipMalformed));
                },
                ex => ex is SessionImportException,
                failures))
            .WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(count >= 2500);
    }
}
