using System.Net;
using System.Text;
using System.Text.Json;
using Dreaming.Tests;

namespace Dreaming.Cli.Tests;

public class OrchestrateCommandTests
{
    private static string SamplePlan => Path.Combine(AppContext.BaseDirectory, "samples", "orchestration", "release-note.plan.json");

    [Fact]
    public async Task The_sample_plan_runs_its_independent_items_in_parallel_as_child_sessions()
    {
        using var cli = new CliRunner();
        var (exit, json, error) = await cli.RunAsync("orchestrate", "--plan", SamplePlan, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error + json);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.True(root.GetProperty("simulated").GetBoolean());
        Assert.Equal("completed", root.GetProperty("status").GetString());
        var items = root.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!);
        Assert.Equal(4, items.Count);
        Assert.All(items.Values, i => Assert.Equal("completed", i.GetProperty("status").GetString()));
        Assert.All(items.Values, i => Assert.StartsWith("ses_", i.GetProperty("sessionId").GetString(), StringComparison.Ordinal));
        var itemTokens = items.Values.Sum(i => i.GetProperty("usage").GetProperty("inputTokens").GetInt64());
        Assert.InRange(itemTokens, 1, root.GetProperty("usage").GetProperty("inputTokens").GetInt64());

        // The three independent items overlap; the draft starts after all of them end.
        string[] independent = ["collect-changes", "api-diff", "test-status"];
        var latestStart = independent.Max(id => items[id].GetProperty("startedAt").GetDateTimeOffset());
        var earliestEnd = independent.Min(id => items[id].GetProperty("endedAt").GetDateTimeOffset());
        Assert.True(latestStart < earliestEnd, "the independent items ran at the same time");
        var draft = items["draft"];
        Assert.True(draft.GetProperty("startedAt").GetDateTimeOffset() >= independent.Max(id => items[id].GetProperty("endedAt").GetDateTimeOffset()));

        // The draft is gated by the rubric next to the plan file: the simulated writer revises once to pass it.
        Assert.Equal("satisfied", draft.GetProperty("outcome").GetString());
        Assert.Contains("Breaking changes", draft.GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.Contains("(built on collect-changes, api-diff, test-status)", draft.GetProperty("output").GetString(), StringComparison.Ordinal);

        var (listExit, listJson, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--json");
        Assert.Equal(0, listExit);
        var sessions = JsonDocument.Parse(listJson).RootElement.EnumerateArray().ToList();
        var runId = root.GetProperty("sessionId").GetString();
        Assert.Equal(5, sessions.Count);
        var children = sessions.Where(s => s.TryGetProperty("parentSessionId", out var p) && p.GetString() == runId).ToList();
        Assert.Equal(4, children.Count);
        Assert.DoesNotContain(sessions, s => s.GetProperty("status").GetString() == "running");

        var (showExit, show, _) = await cli.RunAsync("session", "show", runId!, "--db", cli.Database, "--json");
        Assert.Equal(0, showExit);
        var types = JsonDocument.Parse(show).RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal("orchestration.started", types[0]);
        Assert.Equal(4, types.Count(t => t == "orchestration.item_completed"));
        Assert.Equal("orchestration.completed", types[^1]);
    }

    [Fact]
    public async Task The_text_output_is_labelled_simulated_and_shows_the_timeline()
    {
        using var cli = new CliRunner();
        var (exit, output, error) = await cli.RunAsync("orchestrate", "--plan", SamplePlan, "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("SIMULATED agents (deterministic fake model, no network)", output, StringComparison.Ordinal);
        Assert.Contains("+0.", output, StringComparison.Ordinal);
        Assert.Contains("status: completed", output, StringComparison.Ordinal);
        Assert.Contains("answer:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plan_with_a_cycle_exits_1_naming_the_items_on_it()
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("cycle.json", """
            {"goal":"g","agents":[{"name":"w","instructions":"i"}],
             "items":[{"id":"a","agent":"w","instructions":"x","dependsOn":["c"]},
                      {"id":"b","agent":"w","instructions":"y","dependsOn":["a"]},
                      {"id":"c","agent":"w","instructions":"z","dependsOn":["b"]},
                      {"id":"d","agent":"w","instructions":"z","dependsOn":[]}]}
            """);

        var (exit, output, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database);

        // Validated before anything is written: no line on standard output, no database made.
        Assert.Equal(1, exit);
        Assert.Equal("error: The plan has a cycle: 'a' -> 'c' -> 'b' -> 'a' (each depends on the next).", error.TrimEnd());
        Assert.Equal(string.Empty, output);
        Assert.False(File.Exists(cli.Database), "nothing ran");
    }

    [Theory]
    [InlineData("""{"goal":"g","agents":[{"name":"w"}],"items":[{"id":"a","agent":"nobody","instructions":"x"}]}""", "Item 'a' names the agent 'nobody', which is not in the roster (the roster has w).")]
    [InlineData("""{"goal":"g","agents":[{"name":"w"}],"items":[{"id":"a","agent":"w","instructions":"x","dependsOn":["zz"]}]}""", "Item 'a' depends on 'zz', which is not in the plan.")]
    [InlineData("""{"goal":"g","agents":[{"name":"w"}],"items":[]}""", "The plan has no items.")]
    [InlineData("""{"goal":"g","maxConcurrency":0,"agents":[{"name":"w"}],"items":[{"id":"a","agent":"w","instructions":"x"}]}""", "The plan's maxConcurrency is 0; it must be between 1 and 1000.")]
    [InlineData("""{"goal":"g","agents":[{"name":"w"}],"items":[{"id":"a","agent":"w","instructions":"x","rubric":"."}]}""", "is a folder, not a rubric file.")]
    [InlineData("""{"goal":"g","agents":[{"name":"w"}],"items":[{"id":"a","agent":"w","instructions":"x","rubric":"plan.json/x.md"}]}""", "plan.json' is a file, not a folder.")]
    [InlineData("not JSON at all", "is not a valid plan")]
    [InlineData("""{"goal":"g","agents":[{"name":"w"}],"items":[{"id":"a","agent":"w","instructions":"x","rubric":"missing.md"}]}""", "cannot be loaded: No rubric file at 'missing.md' (relative to the plan's base directory '")]
    [InlineData("""{"goal":"g", "items": [ }""", "is not a valid plan")]
    [InlineData("""{"goal":"g","agents":[{"name":"w"}],"items":[{"id":"a","agent":"w","instructions":"x"},null]}""", "': item #2 is null.")]
    [InlineData("""{"goal":"g","agents":[{"name":"w"}],"items":[{"id":"a","agent":"w","instructions":"x","dependsOn":[]},{"id":"b","agent":"w","instructions":"y","dependsOn":["a"],"dependsOn":[]}]}""", "Duplicate property 'dependsOn'")]
    [InlineData("""{"goal":"g","agents":[{"name":"w"}],"items":[{"id":"a","agent":"w","instructions":"x"},{"id":"b","agent":"w","instructions":"y","depends_on":["a"]}]}""", "': item #2 ('b') has the property 'depends_on', which a plan file does not have (an item has id, agent, instructions, dependsOn and rubric).")]
    [InlineData("""{"goal":"g","agents":[{"name":"w"}],"items":[{"id":"a","agent":"w","instructions":"x","rubricPath":"r.md"}]}""", "': item #1 ('a') has the property 'rubricPath'")]
    [InlineData("""{"goal":"g","agents":[{"name":"w","model":"m"}],"items":[{"id":"a","agent":"w","instructions":"x"}]}""", "': agent #1 has the property 'model', which a plan file does not have (an agent has name and instructions).")]
    [InlineData("""{"goal":"g","concurrency":3,"agents":[{"name":"w"}],"items":[{"id":"a","agent":"w","instructions":"x"}]}""", "' has the property 'concurrency', which a plan file does not have (a plan has goal, agents, items, maxConcurrency and scope).")]
    [InlineData("""{"goal":"g","agents":[null],"items":[{"id":"a","agent":"w","instructions":"x"}]}""", "': agent #1 is null.")]
    [InlineData("""{"goal":"g","agents":[{"name":"w"},{"instructions":"i"}],"items":[{"id":"a","agent":"w","instructions":"x"}]}""", "': agent #2 has no name.")]
    public async Task An_invalid_plan_exits_1_with_a_message_naming_the_problem(string planJson, string message)
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", planJson);

        foreach (var format in new[] { Array.Empty<string>(), ["--json"] })
        {
            var (exit, output, error) = await cli.RunAsync(["orchestrate", "--plan", plan, "--db", cli.Database, .. format]);

            // Nothing on standard output (the text's heading lines, half a JSON document), nothing written to the database.
            Assert.Equal(1, exit);
            Assert.Contains(message, error, StringComparison.Ordinal);
            Assert.Equal(string.Empty, output);
            Assert.False(File.Exists(cli.Database), "nothing ran");
        }
    }

    [Fact]
    public async Task The_json_output_has_every_documented_field_of_an_item_even_one_that_never_started()
    {
        using var cli = new CliRunner();
        WriteStrictRubric(cli);
        var plan = cli.WriteFile("plan.json", """
            {"goal":"g","agents":[{"name":"w","instructions":"i"}],
             "items":[{"id":"gated","agent":"w","instructions":"x","rubric":"strict.md"},
                      {"id":"after","agent":"w","instructions":"y","dependsOn":["gated"]}]}
            """);

        var (exit, json, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database, "--json");

        Assert.True(exit == Dreaming.Cli.Commands.OrchestrateCommand.NotCompletedExitCode, error + json);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("finalAnswer").ValueKind);
        var after = root.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == "after");
        Assert.Equal("not_started", after.GetProperty("status").GetString());
        foreach (var field in new[] { "startedAt", "endedAt", "sessionId", "output", "error", "outcome", "score" })
        {
            Assert.True(after.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Null, $"{field} in {after}");
        }
    }

    [Theory]
    [InlineData("skip-dependents")]
    [InlineData("SkipDependents")]
    [InlineData("skip_dependents")]
    public async Task A_failed_item_with_skip_dependents_runs_the_rest_and_exits_2(string policy)
    {
        using var cli = new CliRunner();
        WriteStrictRubric(cli);
        var plan = cli.WriteFile("plan.json", """
            {"goal":"g","agents":[{"name":"w","instructions":"i"}],
             "items":[{"id":"gated","agent":"w","instructions":"x","rubric":"strict.md"},
                      {"id":"after","agent":"w","instructions":"y","dependsOn":["gated"]},
                      {"id":"free","agent":"w","instructions":"z"}]}
            """);

        var (exit, json, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database, "--json", "--on-failure", policy);

        Assert.True(exit == Dreaming.Cli.Commands.OrchestrateCommand.NotCompletedExitCode, error + json);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("failed", root.GetProperty("status").GetString());
        var items = root.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!, i => i.GetProperty("status").GetString());
        Assert.Equal("failed", items["gated"]);
        Assert.Equal("skipped", items["after"]);
        Assert.Equal("completed", items["free"]);
    }

    [Fact]
    public async Task With_a_configured_model_every_agent_and_the_synthesis_use_it()
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", """
            {"goal":"g","agents":[{"name":"w","instructions":"You are w."}],
             "items":[{"id":"a","agent":"w","instructions":"x"},{"id":"b","agent":"w","instructions":"y","dependsOn":["a"]}]}
            """);
        using var listener = new HttpListener();
        var port = LoopbackHttp.Start(listener);
        var bodies = new List<string>();
        using var stop = new CancellationTokenSource();
        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync().WaitAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                lock (bodies)
                {
                    bodies.Add(reader.ReadToEnd());
                }

                var bytes = Encoding.UTF8.GetBytes("""
                    {"id":"c1","object":"chat.completion","created":1700000000,"model":"local-model",
                     "choices":[{"index":0,"message":{"role":"assistant","content":"from the model"},"finish_reason":"stop"}],
                     "usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}
                    """);
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });

        var (exit, json, error) = await cli.RunAsync(
            "orchestrate", "--plan", plan, "--db", cli.Database, "--json", "--model-endpoint", $"http://127.0.0.1:{port}/v1", "--model", "local-model");
        await stop.CancelAsync();
        await serving;

        Assert.True(exit == 0, error + json);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.False(root.GetProperty("simulated").GetBoolean());
        Assert.Equal("local-model", root.GetProperty("model").GetString());
        Assert.All(root.GetProperty("items").EnumerateArray(), i => Assert.Equal("from the model", i.GetProperty("output").GetString()));
        Assert.Equal("from the model", root.GetProperty("finalAnswer").GetString());
        Assert.Equal(36, root.GetProperty("usage").GetProperty("inputTokens").GetInt64() + root.GetProperty("usage").GetProperty("outputTokens").GetInt64());
        Assert.Equal(3, bodies.Count);
        Assert.Contains(bodies, b => b.Contains("You are w.", StringComparison.Ordinal) && b.Contains("--- a (w) ---", StringComparison.Ordinal));
    }

    // A rubric the simulated agent can never pass: its answers say they are simulated.
    private static void WriteStrictRubric(CliRunner cli) => cli.WriteFile("strict.md", """
        # Strict
        Pass threshold: 1.0

        ## Content
        - Written by a person (required) [not-contains: "simulated"]
        """);
}
