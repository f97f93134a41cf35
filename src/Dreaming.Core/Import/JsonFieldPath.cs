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

    /// <summary>Finds a property of the object that holds the field (the element itself for a plain or literal name, the
    /// object at the path's last dot otherwise), such as the <c>system</c> beside a <c>request.messages</c>; JSON null
    /// counts as absent.</summary>
    public bool TryGetSibling(JsonElement element, string siblingName, out JsonElement value)
    {
        var parent = element;
        if (_segments.Length > 1 && !element.TryGetProperty(Name, out _))
        {
            for (var i = 0; i < _segments.Length - 1; i++)
            {
                if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(_segments[i], out parent))
                {
                    value = default;
                    return false;
                }
            }
        }

        if (parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(siblingName, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }
}
