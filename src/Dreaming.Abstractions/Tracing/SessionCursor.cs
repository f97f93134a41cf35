using System.Globalization;
using System.Text;

namespace Dreaming;

/// <summary>The opaque keyset cursor shared by the stores: the start time and id of the last session of a page.</summary>
/// <param name="StartedAtUnixMilliseconds">The start time of the last session returned.</param>
/// <param name="SessionId">The id of the last session returned.</param>
public readonly record struct SessionCursor(long StartedAtUnixMilliseconds, string SessionId)
{
    /// <summary>Encodes the cursor as an opaque URL-safe string.</summary>
    /// <returns>The encoded cursor.</returns>
    public string Encode()
    {
        var text = StartedAtUnixMilliseconds.ToString(CultureInfo.InvariantCulture) + "|" + SessionId;
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Decodes a cursor produced by <see cref="Encode"/>.</summary>
    /// <param name="cursor">The encoded cursor.</param>
    /// <returns>The cursor.</returns>
    /// <exception cref="ArgumentException">The text is not a cursor.</exception>
    public static SessionCursor Decode(string cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            if (bar > 0 && long.TryParse(text.AsSpan(0, bar), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && bar < text.Length - 1)
            {
                return new SessionCursor(ms, text[(bar + 1)..]);
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException($"'{cursor}' is not a session cursor issued by this store.", nameof(cursor));
    }
}
