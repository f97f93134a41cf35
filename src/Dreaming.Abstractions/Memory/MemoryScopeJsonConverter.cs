using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dreaming;

/// <summary>Writes a <see cref="MemoryScope"/> as its key, so JSON output reads <c>"agent:support-bot"</c>.</summary>
internal sealed class MemoryScopeJsonConverter : JsonConverter<MemoryScope>
{
    public override MemoryScope Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var key = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return MemoryScope.TryParse(key, out var scope)
            ? scope
            : throw new JsonException($"Expected a memory scope key (agent:<id>, team:<id> or global), not {reader.TokenType} '{key}'.");
    }

    public override void Write(Utf8JsonWriter writer, MemoryScope value, JsonSerializerOptions options) => writer.WriteStringValue(value.Key);
}
