using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dreaming.Sqlite.Tests;

/// <summary>The stores' JSON works with reflection-based System.Text.Json off (trimmed and Native AOT apps) and is the
/// same, byte for byte, as the reflection-based JSON the columns were written with before.</summary>
public sealed class SqliteAotTests : IDisposable
{
    // The coordinator's plan schema for one agent, as JsonSerializer.SerializeToElement wrote it (non-ASCII escaped).
    private const string PlanSchema =
        "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\","
        + "\"items\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"id\",\"agent\",\"instructions\",\"dependsOn\"],"
        + "\"properties\":{\"id\":{\"type\":\"string\"},\"agent\":{\"type\":\"string\",\"enum\":[\"w\\u00F6rker\"]},\"instructions\":{\"type\":\"string\"},"
        + "\"dependsOn\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}}}}";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Every_store_writes_and_reads_its_json_with_reflection_based_serialization_off()
    {
        var host = Path.Combine(AppContext.BaseDirectory, "Dreaming.CrashTestHost.dll");
        Assert.True(File.Exists(host), $"the test host was not built next to the tests: {host}");

        // The host's own runtime config with the switch a trimmed or Native AOT app has (JsonSerializerIsReflectionEnabledByDefault=false).
        var config = JsonNode.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(host, ".runtimeconfig.json")))!.AsObject();
        var options = config["runtimeOptions"]!.AsObject();
        if (options["configProperties"] is not JsonObject properties)
        {
            options["configProperties"] = properties = [];
        }

        properties["System.Text.Json.JsonSerializer.IsReflectionEnabledByDefault"] = false;
        var runtimeConfig = _folder.File("aot.runtimeconfig.json");
        await File.WriteAllTextAsync(runtimeConfig, config.ToJsonString());

        using var process = Process.Start(new ProcessStartInfo("dotnet", ["exec", "--runtimeconfig", runtimeConfig, host, _folder.File("aot.db"), "aot-store"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));

        Assert.True(process.ExitCode == 0, $"the host failed ({process.ExitCode}): {await error}");
        Assert.Equal(
            [
                "session i1,i2 tenant=t1",
                "events 14 héllo <b>&</b> agent:aot-agent",
                "insight lookup order s1#2,s2",
                "diff Triggers {\"tools\":[\"lookup\"],\"keywords\":[\"order\"]} -> {\"tools\":[\"lookup\",\"héllo\"],\"keywords\":[]}",
                "diff Evidence [\"s1#2\",\"s2\"] -> [\"s3#1\"]",
                "run s1 5 NaN Quarantine Pitfall",
                "claimed 0",
                "plan a:wörker " + PlanSchema,
                "ok",
            ],
            (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    public static TheoryData<SessionEvent> Events() =>
    [
        new MessageEvent { Role = "user", Text = "héllo <b>\"&'</b>\u2028 😀", AuthorName = null },
        new MessageEvent { Role = "assistant", Text = "hi", AuthorName = "bot" },
        new ToolCallEvent { CallId = "c1", ToolName = "lookup", Arguments = "{\"id\":1}", ArgumentsError = "bad" },
        new ToolResultEvent { CallId = "c1", ToolName = null, Result = "found", IsError = true, ErrorType = "E", ErrorMessage = "m" },
        new ModelResponseEvent { ModelId = "m", ResponseId = "r", Latency = TimeSpan.FromTicks(123_456_789), Usage = new SessionUsage { InputTokens = 3, OutputTokens = 4, CachedInputTokens = 1, ModelCalls = 1, CostMinorUnits = 9 }, FinishReason = "stop", Streaming = true },
        new ErrorEvent { ErrorType = "Boom", Message = "failed", IsCancellation = true, Operation = "op", RetryStatus = "retrying" },
        new NoteEvent { Text = "note" },
        new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = "r", RubricVersion = 3 },
        new OutcomeEvaluationEndedEvent { Iteration = 2, RubricId = "r", Result = "passed", Score = 0.1 + 0.2, Threshold = 0.7, Passed = true, Criteria = [new CriterionVerdictRecord("c", "met", null, "why")], GraderUsage = new SessionUsage { OutputTokens = 2 }, Error = null },
        new InsightsInjectedEvent { MemoryVersionId = "mv", InsightIds = ["i1", "i2"], Scope = MemoryScope.Agent("a") },
        new InsightsInjectedEvent { MemoryVersionId = "mv", InsightIds = [], Scope = null },
        new InsightsCitedEvent { InsightIds = ["i1"] },
        new OrchestrationStartedEvent { Goal = "g", ItemCount = 1, MaxConcurrency = 2, FailurePolicy = "fail_fast", MaxTotalTokens = 10, MaxTotalCostMinorUnits = null, PlanSource = "static" },
        new OrchestrationItemCompletedEvent { ItemId = "a", Agent = "x", Status = "completed", ChildSessionId = "c", Attempts = 2, Outcome = "success", Error = null },
        new OrchestrationCompletedEvent { ItemCount = 1, DurationMs = 1.5 },
        new OrchestrationFailedEvent { Status = "failed", Reason = "r", CompletedItems = 1, ItemCount = 2, ItemId = "b" },
    ];

    [Theory]
    [MemberData(nameof(Events))]
    public void An_event_payload_is_the_reflection_based_json_and_reads_back(SessionEvent sessionEvent)
    {
        var payload = JsonSerializer.Serialize(sessionEvent, SqliteJson.Default.SessionEvent);

        Assert.Equal(JsonSerializer.Serialize(sessionEvent, ReflectionJson.Options), payload);
        var read = JsonSerializer.Deserialize(payload, SqliteJson.Default.SessionEvent)!;
        Assert.Equal(JsonSerializer.Serialize(read, ReflectionJson.Options), payload);
        Assert.Equal(sessionEvent.GetType(), read.GetType());
    }

    [Fact]
    public void Lists_metadata_and_evidence_are_the_reflection_based_json()
    {
        IReadOnlyList<string> ids = ["a", "é<&>", "\"q\""];
        IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string> { ["tenant"] = "t<1>", ["ü"] = "" };
        StoreEvidenceJson[] evidence = [new("s1", 3), new("s2", null)];

        Assert.Equal(JsonSerializer.Serialize(ids, ReflectionJson.Options), JsonSerializer.Serialize(ids, SqliteJson.Default.IReadOnlyListString));
        Assert.Equal(JsonSerializer.Serialize(metadata, ReflectionJson.Options), JsonSerializer.Serialize(metadata, SqliteJson.Default.IReadOnlyDictionaryStringString));
        Assert.Equal(JsonSerializer.Serialize(evidence.AsEnumerable(), ReflectionJson.Options), JsonSerializer.Serialize(evidence, StoreMemoryJson.Default.StoreEvidenceJsonArray));
        Assert.Equal("[{\"session\":\"s1\",\"event\":3},{\"session\":\"s2\"}]", JsonSerializer.Serialize(evidence, StoreMemoryJson.Default.StoreEvidenceJsonArray));
    }

    [Fact]
    public void A_dream_runs_json_is_the_reflection_based_json_with_every_enum_value()
    {
        var report = new DreamReport
        {
            SessionsMined = 4,
            FailedSessions = 2,
            BaseFailureRate = double.NaN,
            Findings =
            [
                new DreamFinding
                {
                    Kind = "tool_error", Pattern = "p", Tool = "lookup", Signature = "sig", Sessions = 3, FailedSessions = 2, FailureRate = double.PositiveInfinity,
                    Lift = 1.5, FailureRateLowerBound = 0.1, PValue = 0.01, Strength = 0.3, Occurrences = 5, WastedCalls = 1, WastedTokens = 20, Example = "é<>",
                    Evidence = [new DreamFindingEvidence("s1", true, [1, 2])],
                },
            ],
            Changes =
            [
                .. Enum.GetValues<DreamChangeOp>().SelectMany(op => Enum.GetValues<InsightKind>().Select(kind =>
                    new DreamChange { Op = op, InsightId = "i", Kind = kind, Text = "t", Reason = "r" })),
            ],
        };
        IReadOnlyList<DreamStageUsage> usage = [new DreamStageUsage("mine", new SessionUsage { InputTokens = 5, ModelCalls = 1 }, TimeSpan.FromMilliseconds(7))];
        IReadOnlyList<string> ids = ["s1", "s2"];

        var json = JsonSerializer.Serialize(report, StoreDreamRunJson.Store.DreamReport);
        Assert.Equal(JsonSerializer.Serialize(report, ReflectionJson.DreamRunOptions), json);
        Assert.Contains("\"op\":\"quarantine\",\"insight_id\":\"i\",\"kind\":\"preference\"", json, StringComparison.Ordinal);
        Assert.Equal(json, JsonSerializer.Serialize(JsonSerializer.Deserialize(json, StoreDreamRunJson.Store.DreamReport), ReflectionJson.DreamRunOptions));
        Assert.Equal(JsonSerializer.Serialize(usage, ReflectionJson.DreamRunOptions), JsonSerializer.Serialize(usage, StoreDreamRunJson.Store.IReadOnlyListDreamStageUsage));
        Assert.Equal(usage, JsonSerializer.Deserialize(JsonSerializer.Serialize(usage, ReflectionJson.DreamRunOptions), StoreDreamRunJson.Store.DreamStageUsageArray));
        Assert.Equal(JsonSerializer.Serialize(ids, ReflectionJson.DreamRunOptions), JsonSerializer.Serialize(ids, StoreDreamRunJson.Store.IReadOnlyListString));
    }

    [Fact]
    public void An_enum_number_in_a_dream_report_is_refused_as_before()
    {
        const string Json = "{\"changes\":[{\"op\":1,\"insight_id\":\"i\",\"kind\":\"lesson\",\"text\":\"t\",\"reason\":\"r\"}]}";

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<DreamReport>(Json, ReflectionJson.DreamRunOptions));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(Json, StoreDreamRunJson.Store.DreamReport));
    }
}
