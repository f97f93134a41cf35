using System.Globalization;
using System.Text;

namespace Dreaming;

/// <summary>The opaque keyset cursor of <see cref="IDreamRunStore.QueryRunsAsync"/> that the library's stores share: the
/// request time and the creation order of the last run of a page.</summary>
/// <param name="RequestedAtUnixMilliseconds">The request time of the last run returned.</param>
/// <param name="Sequence">The store's creation order of the last run returned (later created, larger).</param>
/// <remarks>A store of your own may use it or encode its own cursor; callers only pass back what a page gave them.</remarks>
public readonly record struct DreamRunCursor(long RequestedAtUnixMilliseconds, long Sequence)
{
    private const string Prefix = "dr|";

    /// <summary>Encodes the cursor as an opaque URL-safe string.</summary>
    /// <returns>The encoded cursor.</returns>
    public string Encode()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{RequestedAtUnixMilliseconds}|{Sequence}");
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Decodes a cursor produced by <see cref="Encode"/>.</summary>
    /// <param name="cursor">The encoded cursor.</param>
    /// <returns>The cursor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cursor"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The text is not such a cursor (the message quotes it).</exception>
    public static DreamRunCursor Decode(string cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            var parts = text.StartsWith(Prefix, StringComparison.Ordinal) ? text[Prefix.Length..].Split('|') : [];
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                return new DreamRunCursor(ms, sequence);
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException($"'{cursor}' is not a dream run cursor issued by this store.", nameof(cursor));
    }
}
