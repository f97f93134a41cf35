using System.Text.Json;

namespace Dreaming;

/// <summary>Small lookups shared by the import mappers.</summary>
internal static class JsonElementHelpers
{
    /// <summary>Describes a value kind for error messages, such as "a string" or "an array".</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>Gets a property that is a non-blank string, or <see langword="null"/>.</summary>
    public static string? GetNonBlankString(JsonElement element, string propertyName) =>
        element.TryGetProperty(propertyName, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { } text && !string.IsNullOrWhiteSpace(text)
            ? text
            : null;

    /// <summary>Gets whether a property is the JSON literal <c>true</c>.</summary>
    public static bool IsTrue(JsonElement element, string propertyName) =>
        element.TryGetProperty(propertyName, out var value) && value.ValueKind == JsonValueKind.True;
}
