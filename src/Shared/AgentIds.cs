using System.Globalization;

namespace Dreaming;

/// <summary>Checks the ids a host gives (agent, team scope, session and parent session ids) where they are configured or a
/// session starts, once, so the calls made with them need not.</summary>
/// <remarks>
/// <para>Half a surrogate pair is not Unicode text: a store that keeps text as UTF-8 (SQLite) turns it into U+FFFD, so
/// <c>a\uD800</c> and <c>a\uDC00</c> would both be stored as <c>a\uFFFD</c>, and two agents (or teams) would share one
/// memory and one set of sessions. Such ids are refused, as a memory version refuses such an insight id.</para>
/// <para>A control character (a NUL, a line break, an escape) in an id is almost certainly a bug in the caller, and ids
/// appear in URLs, logs, metric tags and file names; so is an id longer than <see cref="SessionRecord.MaxIdLength"/>. Both
/// are refused too.</para>
/// <para>Shared source, compiled into each assembly that needs it (internal in each): the CLI checks its <c>--agent</c> and
/// <c>--scope</c> with it, naming the option.</para>
/// </remarks>
internal static class AgentIds
{
    /// <summary>Describes what is wrong with <paramref name="id"/>, set as <paramref name="setting"/>, or returns
    /// <see langword="null"/> when it is a valid id (or <see langword="null"/>).</summary>
    public static string? Problem(string? id, string setting) => id switch
    {
        null => null,
        { Length: > SessionRecord.MaxIdLength } => string.Create(CultureInfo.InvariantCulture, $"{setting} is {id.Length} characters long; an id is at most {SessionRecord.MaxIdLength} (SessionRecord.MaxIdLength): ids are keys that appear in URLs, logs, metric tags and file names."),
        _ => CharacterProblem(id, setting),
    };

    /// <summary>Describes the unpaired surrogate or control character in <paramref name="id"/>, set as
    /// <paramref name="setting"/>, or returns <see langword="null"/> when it has none.</summary>
    public static string? CharacterProblem(string id, string setting)
    {
        if (UnpairedSurrogates.IndexOf(id) is var at and >= 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{setting} has an unpaired surrogate (half a character, U+{(int)id[at]:X4}) at index {at}; stores keep ids as UTF-8, which would make it U+FFFD and could give it the memory and sessions of another id.");
        }

        var control = id.AsSpan().IndexOfAnyInRange('\0', '\u001F') is var c0 and >= 0 ? c0 : id.AsSpan().IndexOfAnyInRange('\u007F', '\u009F');
        return control >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"{setting} has the control character U+{(int)id[control]:X4} at index {control}; an id is a key that appears in URLs, logs and file names, where a control character cannot be told apart or breaks the line.")
            : null;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="paramName"/> when <paramref name="id"/> is
    /// not a valid id (<see cref="Problem"/>).</summary>
    public static void ThrowIfInvalid(string? id, string setting, string paramName)
    {
        if (Problem(id, setting) is { } problem)
        {
            throw new ArgumentException(problem, paramName);
        }
    }
}
