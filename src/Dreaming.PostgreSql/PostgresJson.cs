using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dreaming.PostgreSql;

/// <summary>The JSON the trace store writes into its text columns: the same as the SQLite store's (property names as
/// declared, the default escaping, which writes a NUL as <c>\u0000</c>, so a payload always fits a <c>text</c> column),
/// source-generated.</summary>
[JsonSerializable(typeof(SessionEvent))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class PostgresJson : JsonSerializerContext
{
    /// <summary>Reads an event payload whose "kind" is not its first property (rewritten by another tool).</summary>
    public static PostgresJson KindAnywhere { get; } = new(new JsonSerializerOptions { AllowOutOfOrderMetadataProperties = true });
}
