using System.Globalization;

namespace Dreaming;

/// <summary>Checks agent and team ids where they are configured or a session starts, once, so the calls made with them
/// need not.</summary>
/// <remarks>Half a surrogate pair is not Unicode text: a store that keeps text as UTF-8 (SQLite) turns it into U+FFFD, so
/// <c>a\uD800</c> and <c>a\uDC00</c> would both be stored as <c>a\uFFFD</c>, and two agents (or teams) would share one
/// memory and one set of sessions. Such ids are refused, as a memory version refuses such an insight id.</remarks>
internal static class AgentIds
{
    /// <summary>Describes the unpaired surrogate in <paramref name="id"/>, set as <paramref name="setting"/>, or returns
    /// <see langword="null"/> when it has none.</summary>
    public static string? Problem(string? id, string setting) =>
        id is not null && UnpairedSurrogates.IndexOf(id) is var at and >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"{setting} has an unpaired surrogate (half a character, U+{(int)id[at]:X4}) at index {at}; stores keep ids as UTF-8, which would make it U+FFFD and could give it the memory and sessions of another id.")
            : null;

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="paramName"/> when <paramref name="id"/> has
    /// an unpaired surrogate.</summary>
    public static void ThrowIfUnpairedSurrogate(string? id, string setting, string paramName)
    {
        if (Problem(id, setting) is { } problem)
        {
            throw new ArgumentException(problem, paramName);
        }
    }
}
