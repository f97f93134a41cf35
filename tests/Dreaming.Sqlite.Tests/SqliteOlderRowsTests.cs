using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Dreaming.Sqlite.Tests;

/// <summary>Rows that leave out optional properties (written before a property existed, or rewritten by another tool)
/// read as the reflection-based reader read them before the source-generated contexts: a missing property keeps its
/// initializer's value, not <see langword="default"/>.</summary>
public sealed class SqliteOlderRowsTests
{
    public static TheoryData<string> EventKinds()
    {
        var kinds = new TheoryData<string>();
        foreach (var derived in typeof(SessionEvent).GetCustomAttributes<JsonDerivedTypeAttribute>())
        {
            kinds.Add((string)derived.TypeDiscriminator!);
        }

        return kinds;
    }

    [Theory]
    [MemberData(nameof(EventKinds))]
    public void An_event_payload_with_only_its_required_properties_reads_as_reflection_read_it(string kind)
    {
        var type = typeof(SessionEvent).GetCustomAttributes<JsonDerivedTypeAttribute>().Single(derived => (string)derived.TypeDiscriminator! == kind).DerivedType;
        var payload = new JsonObject { ["kind"] = kind };
        foreach (var property in ReflectionJson.Options.GetTypeInfo(type).Properties.Where(property => property.IsRequired))
        {
            payload[property.Name] = Sample(property.PropertyType);
        }

        var json = payload.ToJsonString();
        var expected = JsonSerializer.Deserialize<SessionEvent>(json, ReflectionJson.Options)!;
        var read = SqliteRows.ReadEvent("s-1", 3, 0, json);

        Assert.Equal(JsonSerializer.Serialize(expected, ReflectionJson.Options), JsonSerializer.Serialize(read, ReflectionJson.Options));
    }

    [Fact]
    public void A_rubric_version_written_as_zero_stays_zero()
    {
        var read = (OutcomeEvaluationStartedEvent)SqliteRows.ReadEvent("s-1", 1, 0, "{\"kind\":\"outcome_evaluation_started\",\"Iteration\":1,\"RubricId\":\"r\",\"RubricVersion\":0}");
        var missing = (OutcomeEvaluationStartedEvent)SqliteRows.ReadEvent("s-1", 1, 0, "{\"kind\":\"outcome_evaluation_started\",\"Iteration\":1,\"RubricId\":\"r\",\"Note\":{\"RubricVersion\":0}}");

        Assert.Equal(0, read.RubricVersion);
        Assert.Equal(1, missing.RubricVersion);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"sessions_mined\":4,\"base_failure_rate\":\"NaN\"}")]
    [InlineData("{\"findings\":[{\"kind\":\"tool_error\",\"pattern\":\"p\",\"signature\":\"s\"}]}")]
    [InlineData("{\"changes\":[{\"op\":\"retire\",\"insight_id\":\"i\",\"text\":\"t\",\"reason\":\"r\"}]}")]
    public void A_report_without_its_lists_reads_as_reflection_read_it(string json)
    {
        var expected = JsonSerializer.Deserialize<DreamReport>(json, ReflectionJson.DreamRunOptions)!;
        var read = SqliteDreamRunRows.ReadReport(json);

        Assert.Equal(JsonSerializer.Serialize(expected, ReflectionJson.DreamRunOptions), JsonSerializer.Serialize(read, ReflectionJson.DreamRunOptions));
    }

    private static JsonNode Sample(Type type) =>
        type == typeof(string) ? JsonValue.Create("x")
        : type == typeof(int) ? JsonValue.Create(2)
        : type == typeof(IReadOnlyList<string>) ? new JsonArray("a")
        : throw new InvalidOperationException($"No sample for a required {type}: add one.");
}
