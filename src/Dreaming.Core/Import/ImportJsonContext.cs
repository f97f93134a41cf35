using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dreaming;

/// <summary>Source-generated metadata so that streaming a JSON array of elements needs no reflection.</summary>
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class ImportJsonContext : JsonSerializerContext;
