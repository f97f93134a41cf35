using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dreaming.Sqlite;

/// <summary>The JSON this store writes into its columns, source-generated so that it works when trimmed or compiled
/// ahead of time (Native AOT), where reflection-based serialization is off.</summary>
/// <remarks>The options are the defaults the columns were always written with (property names as declared, the
/// default escaping, nulls written), so the stored JSON is the same as before; a test compares it with reflection's. What it reads goes through
/// <see cref="StoreJsonDefaults"/>, which gives properties missing from the JSON their initializers' values.</remarks>
[JsonSerializable(typeof(SessionEvent))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(StoreEvidenceJson[]))]
internal sealed partial class SqliteJson : JsonSerializerContext
{
    /// <summary>Reads an event payload whose "kind" is not its first property (rewritten by another tool): the
    /// default reader takes such a payload for the abstract base type and refuses it.</summary>
    public static SqliteJson KindAnywhere { get; } = new(new JsonSerializerOptions { AllowOutOfOrderMetadataProperties = true });
}

/// <summary>The JSON of a dream run's session ids, stage usage and report: the public model's property names in snake
/// case, enums as snake-case names (never numbers), and NaN or infinities as named literals.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(DreamStageUsage[]))]
[JsonSerializable(typeof(IReadOnlyList<DreamStageUsage>))]
[JsonSerializable(typeof(DreamReport))]
internal sealed partial class SqliteDreamRunJson : JsonSerializerContext
{
    /// <summary>Gets the context with the enum converters: the enums a dream report holds, as snake-case names.</summary>
    /// <remarks>An enum added to <see cref="DreamReport"/> or <see cref="DreamStageUsage"/> needs its converter here,
    /// or it would be written as a number; the test that compares this JSON with the reflection-based one says so.</remarks>
    public static SqliteDreamRunJson Store { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters =
        {
            new JsonStringEnumConverter<DreamChangeOp>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false),
            new JsonStringEnumConverter<InsightKind>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false),
        },
    });
}
