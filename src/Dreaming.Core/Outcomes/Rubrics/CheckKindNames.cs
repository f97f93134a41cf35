using System.Collections.Frozen;

namespace Dreaming;

/// <summary>The names of the deterministic checks as written in a Markdown rubric's trailing bracket.</summary>
internal static class CheckKindNames
{
    /// <summary>The known names, for error messages.</summary>
    public const string Known = "contains, contains-i, not-contains, equals, equals-i, regex, json, json-schema, max-length, min-length";

    private static readonly FrozenDictionary<string, (CriterionKind Kind, bool IgnoreCase)> s_byName =
        new Dictionary<string, (CriterionKind, bool)>(StringComparer.OrdinalIgnoreCase)
        {
            ["contains"] = (CriterionKind.Contains, false),
            ["contains-i"] = (CriterionKind.Contains, true),
            ["not-contains"] = (CriterionKind.NotContains, false),
            ["equals"] = (CriterionKind.Equals, false),
            ["equals-i"] = (CriterionKind.Equals, true),
            ["regex"] = (CriterionKind.Regex, false),
            ["json"] = (CriterionKind.Json, false),
            ["json-schema"] = (CriterionKind.JsonSchema, false),
            ["max-length"] = (CriterionKind.MaxLength, false),
            ["min-length"] = (CriterionKind.MinLength, false),
        }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    public static bool TryParse(string name, out CriterionKind kind, out bool ignoreCase)
    {
        var found = s_byName.TryGetValue(name, out var entry);
        (kind, ignoreCase) = entry;
        return found;
    }

    /// <summary>Whether the kind's argument is quoted text, which may itself contain brackets.</summary>
    public static bool TakesQuotedText(CriterionKind kind) =>
        kind is CriterionKind.Contains or CriterionKind.NotContains or CriterionKind.Equals;
}
