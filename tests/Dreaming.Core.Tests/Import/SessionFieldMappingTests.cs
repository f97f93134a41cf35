using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

public sealed class SessionFieldMappingTests
{
    private const string UserOnly = """[{ "role": "user", "content": "Book a flight to Paris" }]""";

    [Fact]
    public async Task A_session_object_maps_to_a_completed_session_with_import_metadata()
    {
        var record = (await ReadOneAsync(ToolSession)).Session;

        Assert.Equal(("s-1", "support", "Cancel my booking", SessionStatus.Completed), (record.Id, record.AgentId, record.Task, record.Status));
        Assert.Equal((Now, (DateTimeOffset?)Now), (record.StartedAt, record.EndedAt));
        Assert.Equal("test.json", record.Metadata["import.source"]);
        Assert.Equal("0", record.Metadata["import.index"]);
        Assert.False(record.Metadata.ContainsKey("import.line"));
    }

    [Theory]
    [InlineData("\"reward\": 1.0", null, "success", 1.0)]
    [InlineData("\"reward\": 0.0", null, "failure", 0.0)]
    [InlineData("\"reward\": 0.6", null, "failure", 0.6)]
    [InlineData("\"reward\": 0.6", 0.5, "success", 0.6)]
    [InlineData("\"reward\": 0.0, \"success\": true", null, "failure", 0.0)]
    [InlineData("\"success\": true", null, "success", null)]
    [InlineData("\"success\": false", null, "failure", null)]
    [InlineData("\"reward\": null, \"success\": true", null, "success", null)]
    public async Task Reward_and_success_map_to_the_outcome(string fields, double? threshold, string label, double? score)
    {
        var options = new SessionImportOptions { SuccessThreshold = threshold ?? 1.0 };

        var outcome = (await ReadOneAsync($$"""{ "messages": [], {{fields}} }""", options)).Session.Outcome;

        Assert.NotNull(outcome);
        Assert.Equal((label, score, "import"), (outcome.Label, outcome.Score, outcome.Source));
    }

    [Fact]
    public async Task Without_reward_or_success_there_is_no_outcome()
    {
        Assert.Null((await ReadOneAsync(SessionWith(UserOnly))).Session.Outcome);
    }

    [Fact]
    public async Task Custom_field_names_and_dotted_paths_are_followed()
    {
        var options = new SessionImportOptions
        {
            IdField = "meta.session_id",
            AgentField = "meta.agent",
            TaskField = "info.task.instruction",
            MessagesField = "traj",
            RewardField = "grading.score",
            SuccessThreshold = 0.5,
        };

        var record = (await ReadOneAsync("""
            { "meta": { "session_id": 42, "agent": "airline" }, "info": { "task": { "instruction": "Change my seat" } },
              "traj": [{ "role": "user", "content": "hi" }], "grading": { "score": 0.75 } }
            """, options)).Session;

        Assert.Equal(("42", "airline", "Change my seat", "success", 0.75), (record.Id, record.AgentId, record.Task, record.Outcome?.Label, record.Outcome?.Score));
    }

    [Fact]
    public async Task A_property_whose_name_contains_dots_is_matched_before_the_path()
    {
        var options = new SessionImportOptions { TaskField = "info.task" };

        var record = (await ReadOneAsync("""{ "info.task": "literal", "info": { "task": "nested" }, "messages": [] }""", options)).Session;

        Assert.Equal("literal", record.Task);
    }

    [Fact]
    public async Task Without_a_task_the_first_user_message_is_used_and_truncated()
    {
        var longText = new string('x', 600);

        var items = await ReadAllAsync($$"""[{{SessionWith(UserOnly)}}, {{SessionWith($$"""[{ "role": "system", "content": "s" }, { "role": "user", "content": "{{longText}}" }]""")}}]""");

        Assert.Equal("Book a flight to Paris", items[0].Session!.Session.Task);
        var truncated = items[1].Session!.Session.Task;
        Assert.Equal(500, truncated.Length);
        Assert.EndsWith("x…", truncated, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_any_user_message_the_task_names_the_element()
    {
        Assert.Equal("test.json element 0", (await ReadOneAsync(SessionWith("[]"))).Session.Task);
    }

    [Fact]
    public async Task The_agent_comes_from_the_override_then_the_field_then_the_default()
    {
        var withAgent = """{ "agent": "from-field", "messages": [] }""";

        Assert.Equal("from-field", (await ReadOneAsync(withAgent)).Session.AgentId);
        Assert.Equal("imported", (await ReadOneAsync(SessionWith("[]"))).Session.AgentId);
        Assert.Equal("custom-default", (await ReadOneAsync(SessionWith("[]"), new SessionImportOptions { DefaultAgentId = "custom-default" })).Session.AgentId);
        Assert.Equal("override", (await ReadOneAsync(withAgent, new SessionImportOptions { AgentId = "override" })).Session.AgentId);
    }

    [Fact]
    public async Task Start_and_end_times_are_read_when_present()
    {
        var record = (await ReadOneAsync("""{ "messages": [{ "role": "user", "content": "hi" }], "started_at": "2024-05-01T10:00:00Z", "ended_at": 1714557660 }""")).Session;

        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), record.StartedAt);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 1, 0, TimeSpan.Zero), record.EndedAt);
        Assert.Equal(record.StartedAt, Assert.Single((await ReadOneAsync("""{ "messages": [{ "role": "user", "content": "hi" }], "started_at": "2024-05-01T10:00:00Z" }""")).Events).Timestamp);
    }

    [Fact]
    public async Task Sessions_without_id_get_ids_derived_from_the_source_name_and_index()
    {
        var json = $"[{SessionWith(UserOnly)}, {SessionWith(UserOnly)}]";

        var first = (await ReadAllAsync(json)).Select(i => i.Session!.Session.Id).ToList();
        var again = (await ReadAllAsync(json)).Select(i => i.Session!.Session.Id).ToList();
        var otherSource = (await ReadAllAsync(json, sourceName: "other.json")).Select(i => i.Session!.Session.Id).ToList();

        Assert.Equal(first, again);
        Assert.NotEqual(first[0], first[1]);
        Assert.Empty(first.Intersect(otherSource));
        Assert.All(first, id => Assert.StartsWith("import-", id, StringComparison.Ordinal));
    }
}
