using System.Text.Json;

namespace Dreaming;

/// <summary>A configured field name, looked up as a literal property first and then as a dotted path.</summary>
internal sealed class JsonFieldPath(string name)
{
    private readonly string[] _segments = name.Split('.');

    public string Name { get; } = name;

    /// <summary>Finds the field; JSON null counts as absent so that optional fields may be written out as null.</summary>
    public bool TryGet(JsonElement element, out JsonElement value)
    {
        if (element.TryGetProperty(Name, out value))
        {
            return value.ValueKind != JsonValueKind.Null;
        }

        if (_segments.Length == 1)
        {
            return false;
        }

        value = element;
        foreach (var segment in _segments)
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(segment, out value))
            {
                value = default;
                return false;
            }
        }

        return value.ValueKind != JsonValueKind.Null;
    }
}
