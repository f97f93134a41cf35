using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dreaming;

/// <summary>Writes a <see cref="MemoryScope"/> as its key, so JSON output reads <c>"agent:support-bot"</c>, and reads it back.</summary>
/// <remarks>
/// <see cref="MemoryScope"/> names this converter in its <see cref="JsonConverterAttribute"/>. It is public so that a
/// source-generated <see cref="JsonSerializerContext"/> (trimmed or Native AOT apps, where reflection-based serialization
/// is off) can create it for any type that holds a scope; there is no need to use it directly. The converter holds no
/// state and is thread-safe.
/// </remarks>
public sealed class MemoryScopeJsonConverter : JsonConverter<MemoryScope>
{
    /// <summary>Reads a scope key (<c>agent:&lt;id&gt;</c>, <c>team:&lt;id&gt;</c> or <c>global</c>).</summary>
    /// <param name="reader">The reader, at the value.</param>
    /// <param name="typeToConvert">The type to convert (<see cref="MemoryScope"/>).</param>
    /// <param name="options">The serializer options.</param>
    /// <returns>The scope.</returns>
    /// <exception cref="JsonException">The value is not a string holding a valid scope key: another token (a JSON
    /// <c>null</c> included, which the serializer reads as a <see langword="null"/> scope without calling this method),
    /// an invalid key, or a key holding half a surrogate pair (<c>"agent:\ud800"</c>).</exception>
    public override MemoryScope Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a memory scope key (agent:<id>, team:<id> or global) as a JSON string, not {reader.TokenType}.");
        }

        string key;
        try
        {
            key = reader.GetString()!;
        }
        catch (InvalidOperationException exception)
        {
            // An escaped half of a surrogate pair: no scope holds one (MemoryScope.TryParse refuses it too).
            throw new JsonException("Expected a memory scope key (agent:<id>, team:<id> or global), not a string holding half a surrogate pair.", exception);
        }

        return MemoryScope.TryParse(key, out var scope)
            ? scope
            : throw new JsonException($"Expected a memory scope key (agent:<id>, team:<id> or global), not '{key}'.");
    }

    /// <summary>Writes the scope's <see cref="MemoryScope.Key"/> as a string.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The scope.</param>
    /// <param name="options">The serializer options.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> or <paramref name="value"/> is <see langword="null"/>.</exception>
    public override void Write(Utf8JsonWriter writer, MemoryScope value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.Key);
    }
}
