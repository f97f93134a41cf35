using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dreaming;

/// <summary>The JSON of a dream run's session ids, stage usage and report, the same in every store: the public model's
/// property names in snake case, enums as snake-case names (never numbers), and NaN or infinities as named literals.</summary>
/// <remarks>Shared source, compiled (and source-generated) into each store assembly, internal in each.</remarks>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(DreamStageUsage[]))]
[JsonSerializable(typeof(IReadOnlyList<DreamStageUsage>))]
[JsonSerializable(typeof(DreamReport))]
internal sealed partial class StoreDreamRunJson : JsonSerializerContext
{
    /// <summary>Gets the context with the enum converters: the enums a dream report holds, as snake-case names.</summary>
    /// <remarks>An enum added to <see cref="DreamReport"/> or <see cref="DreamStageUsage"/> needs its converter here,
    /// or it would be written as a number; the test that compares this JSON with the reflection-based one says so.</remarks>
    public static StoreDreamRunJson Store { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters =
        {
            new JsonStringEnumConverter<DreamChangeOp>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false),
            new JsonStringEnumConverter<InsightKind>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false),
        },
    });

    /// <summary>Reads a report column: its findings, changes and each finding's evidence are never null (a source-generated
    /// context leaves a property missing from the JSON <see langword="null"/> rather than its initializer's value).</summary>
    public static DreamReport ReadReport(string json) =>
        JsonSerializer.Deserialize(json, Store.DreamReport) is { } report ? StoreJsonDefaults.Complete(report) : global::Dreaming.DreamReport.Empty;
}
