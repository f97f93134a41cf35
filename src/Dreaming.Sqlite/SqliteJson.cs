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
internal sealed partial class SqliteJson : JsonSerializerContext
{
    /// <summary>Reads an event payload whose "kind" is not its first property (rewritten by another tool): the
    /// default reader takes such a payload for the abstract base type and refuses it.</summary>
    public static SqliteJson KindAnywhere { get; } = new(new JsonSerializerOptions { AllowOutOfOrderMetadataProperties = true });
}
