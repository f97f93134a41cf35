using System.Text.Json;

namespace Dreaming;

/// <summary>The lower-case names of the memory enums (<c>dream_run</c>, <c>superseded</c>), as messages and diffs show them.</summary>
internal static class MemoryNames
{
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
