using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dreaming.PostgreSql;

/// <summary>The JSON of an insight's trigger lists and evidence, the same as the SQLite store writes, source-generated so
/// that it works when trimmed or compiled ahead of time.</summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(StoreEvidenceJson[]))]
internal sealed partial class PostgresMemoryJson : JsonSerializerContext;

/// <summary>The JSON of a dream run's session ids, stage usage and report, the same as the SQLite store writes: the public
/// model's property names in snake case, enums as snake-case names (never numbers), and NaN or infinities as named literals.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(DreamStageUsage[]))]
[JsonSerializable(typeof(IReadOnlyList<DreamStageUsage>))]
[JsonSerializable(typeof(DreamReport))]
internal sealed partial class PostgresDreamRunJson : JsonSerializerContext
{
    /// <summary>Gets the context with the enum converters: the enums a dream report holds, as snake-case names.</summary>
    public static PostgresDreamRunJson Store { get; } = new(new JsonSerializerOptions
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
    public static DreamReport ReadReport(string json)
    {
        if (JsonSerializer.Deserialize(json, Store.DreamReport) is not { } report)
        {
            return global::Dreaming.DreamReport.Empty;
        }

        if (report.Findings is not null && report.Changes is not null && !report.Findings.Any(static finding => finding is { Evidence: null }))
        {
            return report;
        }

        return report with
        {
            Findings = report.Findings is null ? [] : [.. report.Findings.Select(static finding => finding is { Evidence: null } ? finding with { Evidence = [] } : finding)],
            Changes = report.Changes ?? [],
        };
    }
}
