using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Dreaming;

/// <summary>Gives the arguments of a call one text for the same arguments, however the model formatted them.</summary>
/// <remarks>
/// Models send the same call as <c>{"a":1,"b":2}</c> once and <c>{"b": 2, "a": 1}</c> the next time; a loop of the same
/// failing call is found by its arguments, so both must read the same. Thread-safe (no state).
/// </remarks>
internal static class CallArguments
{
    // Deep enough for any real call; deeper JSON is compared as sent.
    private const int MaxDepth = 64;

    /// <summary>Returns the arguments as compact JSON with every object's properties in ordinal order of their names (the
    /// order of properties of the same name kept), or the text as it is when it is not valid JSON (a truncated argument,
    /// for example).</summary>
    public static string? Canonical(string? arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return arguments;
        }

        try
        {
            using var document = JsonDocument.Parse(arguments, new JsonDocumentOptions { MaxDepth = MaxDepth });
            var buffer = new ArrayBufferWriter<byte>(arguments.Length);
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, SkipValidation = true }))
            {
                Write(document.RootElement, writer);
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        catch (JsonException)
        {
            return arguments;
        }
    }

    private static void Write(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(property.Value, writer);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(item, writer);
                }

                writer.WriteEndArray();
                break;
            default:
                // Strings, numbers and literals as sent: 1 and 1.0 may mean different things to a tool.
                element.WriteTo(writer);
                break;
        }
    }
}
