namespace Dreaming.PostgreSql;

/// <summary>What PostgreSQL text can store of the outbox's texts: a NUL character or a lone surrogate in an event type or
/// an endpoint id is refused before anything is written; a free text (a reason) has them replaced by U+FFFD.</summary>
internal static partial class PostgresWebhookRows
{
    /// <summary>Refuses what PostgreSQL text cannot store, before anything is written: a NUL character, or a lone
    /// surrogate (text that is not valid UTF-16, so not encodable as UTF-8), in the event type or an endpoint id. (The
    /// body is JSON, which escapes both; the event id is printable ASCII, <see cref="WebhookOutboxRules"/>.)</summary>
    /// <exception cref="ArgumentException">The type or an endpoint id cannot be stored; the message names which and where.</exception>
    public static void ThrowIfUnstorable(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds)
    {
        if (FindUnstorable(webhookEvent.Type) is >= 0 and var at)
        {
            throw new ArgumentException(Unstorable("The webhook event type", webhookEvent.Type, at), nameof(webhookEvent));
        }

        ThrowIfUnstorable(endpointIds, nameof(endpointIds));
    }

    /// <summary>Refuses an endpoint id PostgreSQL text cannot store (see <see cref="ThrowIfUnstorable(WebhookEvent, IReadOnlyList{string})"/>).</summary>
    /// <exception cref="ArgumentException">An endpoint id cannot be stored.</exception>
    public static void ThrowIfUnstorable(IReadOnlyList<string> endpointIds, string paramName)
    {
        foreach (var endpointId in endpointIds)
        {
            if (FindUnstorable(endpointId) is >= 0 and var at)
            {
                throw new ArgumentException(Unstorable("An endpoint id", endpointId, at), paramName);
            }
        }
    }

    /// <summary>A free text (an error message from a receiver, a reason) as PostgreSQL can store it: each NUL character and
    /// each lone surrogate becomes U+FFFD, as a UTF-8 decoder shows bytes it cannot read.</summary>
    /// <param name="text">The text.</param>
    /// <returns><paramref name="text"/> itself when it can be stored as it is.</returns>
    public static string Storable(string text)
    {
        var at = FindUnstorable(text);
        if (at < 0)
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (var i = at; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (chars[i] == '\0' || char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    /// <summary>Whether PostgreSQL text can hold <paramref name="text"/> as it is: no NUL, no lone surrogate. An id that
    /// fails this is in no row, so a look-up by it finds nothing.</summary>
    public static bool IsStorable(string text) => FindUnstorable(text) < 0;

    /// <summary>The index of the first NUL or lone surrogate in <paramref name="text"/>, or -1.</summary>
    private static int FindUnstorable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (c == '\0' || char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Unstorable(string what, string text, int at) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{what} holds U+{(int)text[at]:X4} at index {at} (a NUL character or a lone surrogate), which PostgreSQL text cannot store.");
}
