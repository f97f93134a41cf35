using System.Text.Json.Serialization;

namespace Dreaming.PostgreSql;

/// <summary>The JSON of an insight's trigger lists and evidence, the same as the SQLite store writes, source-generated so
/// that it works when trimmed or compiled ahead of time.</summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(StoreEvidenceJson[]))]
internal sealed partial class PostgresMemoryJson : JsonSerializerContext;
