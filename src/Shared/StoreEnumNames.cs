using System.Text.Json;

namespace Dreaming;

/// <summary>The lower-case (snake-case) names a store writes for one enum, both ways, built once: the SQLite and the
/// PostgreSQL stores write the same names.</summary>
/// <remarks>Shared source, compiled into each store assembly (internal in each).</remarks>
/// <typeparam name="TEnum">The enum.</typeparam>
internal static class StoreEnumNames<TEnum>
    where TEnum : struct, Enum
{
    private static readonly Dictionary<TEnum, string> ByValue =
        Enum.GetValues<TEnum>().ToDictionary(value => value, value => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString()));

    private static readonly Dictionary<string, TEnum> ByName = ByValue.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    /// <summary>Returns the stored name of <paramref name="value"/>.</summary>
    public static string Of(TEnum value) => ByValue[value];

    /// <summary>Reads a stored name back as its enum value.</summary>
    public static bool TryParse(string name, out TEnum value) => ByName.TryGetValue(name, out value);
}
