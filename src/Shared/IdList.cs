using System.Globalization;

namespace Dreaming;

/// <summary>A list of ids written for a person (a log line, an exception's message, a health check, the CLI's output), cut to
/// its first few and saying how many it leaves out (<c>a, b, c, d, e and 2 more</c>), so that a list is never cut silently.</summary>
/// <remarks>Shared source, compiled into each assembly that needs it (internal in each). Stateless and thread-safe.</remarks>
internal static class IdList
{
    /// <summary>How many ids a message names before it says how many more there are.</summary>
    public const int Shown = 5;

    /// <summary>Writes the first <paramref name="shown"/> of <paramref name="ids"/>, separated by commas, followed by
    /// <c> and N more</c> when there are more (N as the library writes numbers on every machine: <c>1,001</c>).</summary>
    /// <param name="ids">The ids, in the order to write them.</param>
    /// <param name="shown">How many to write, at least one.</param>
    /// <param name="format">Writes one id (to put it on one line, say); the id as it is when omitted.</param>
    /// <returns>The list, or an empty string for no ids.</returns>
    public static string Named(IReadOnlyCollection<string> ids, int shown, Func<string, string>? format = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(shown, 1);
        var named = string.Join(", ", format is null ? ids.Take(shown) : ids.Take(shown).Select(format));
        return ids.Count > shown ? string.Create(CultureInfo.InvariantCulture, $"{named} and {ids.Count - shown:N0} more") : named;
    }
}
