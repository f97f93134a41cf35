using System.Globalization;

namespace Dreaming;

/// <summary>Reads Standard Webhooks symmetric secrets: <c>whsec_</c> followed by base64 of the HMAC key.</summary>
public static class WebhookSecret
{
    /// <summary>The prefix of a symmetric secret.</summary>
    public const string Prefix = "whsec_";

    /// <summary>The fewest key bytes the specification allows (192 bits).</summary>
    public const int MinKeyBytes = 24;

    /// <summary>The most key bytes accepted (512 bits, the specification's most).</summary>
    public const int MaxKeyBytes = 64;

    // Base64 of MaxKeyBytes, padding included: no valid secret has more (88; 65 and 66 bytes have as many and are refused
    // once decoded).
    private const int MaxEncodedCharacters = (MaxKeyBytes + 2) / 3 * 4;

    /// <summary>Decodes a secret into its HMAC key.</summary>
    /// <param name="secret">The secret, <c>whsec_...</c>.</param>
    /// <returns>The key bytes.</returns>
    /// <exception cref="ArgumentException">The secret lacks the prefix, is not base64, or has too few or too many bytes; the message
    /// says which without repeating the secret.</exception>
    public static byte[] Decode(string secret) =>
        TryParse(secret, out var key, out var problem) ? key : throw new ArgumentException("The webhook secret " + problem, nameof(secret));

    /// <summary>Tries to decode a secret into its HMAC key.</summary>
    /// <param name="secret">The secret.</param>
    /// <param name="key">The key bytes, when valid.</param>
    /// <param name="problem">What is wrong, when not (starting with a verb, such as <c>must start with whsec_</c>).</param>
    /// <returns><see langword="true"/> when the secret is valid.</returns>
    /// <remarks>Spaces, tabs and line breaks in and after the base64 are ignored, as base64 decoders (and the Standard
    /// Webhooks libraries receivers use) ignore them, so a secret wrapped or ended by a line break when pasted gives the
    /// same key on both sides. The length is checked before anything is decoded: a secret with more base64 characters
    /// than a <see cref="MaxKeyBytes"/>-byte key takes is refused without decoding it. Thread-safe.</remarks>
    public static bool TryParse(string? secret, out byte[] key, out string? problem)
    {
        key = [];
        problem = null;
        if (string.IsNullOrEmpty(secret) || !secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            problem = "must start with 'whsec_' followed by base64 (got " + Describe(secret) + ").";
            return false;
        }

        // Counted before decoding, so a huge value is refused without its bytes being decoded; whitespace does not count,
        // as the decoder skips it. The first character that is neither base64 nor whitespace is named (never the secret).
        var characters = 0;
        int? invalidAt = null;
        for (var i = Prefix.Length; i < secret.Length; i++)
        {
            var c = secret[i];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                continue;
            }

            characters++;
            if (invalidAt is null && !(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
            {
                invalidAt = i;
            }
        }

        if (invalidAt is { } at)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"is not valid base64 after 'whsec_': it has U+{(int)secret[at]:X4} at index {at}.");
            return false;
        }

        if (characters > MaxEncodedCharacters)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"has {characters} base64 characters after 'whsec_', more than the {MaxEncodedCharacters} of a {MaxKeyBytes}-byte key; a key must have {MinKeyBytes} to {MaxKeyBytes} bytes.");
            return false;
        }

        // Decoded in place (no copy of the text, which may be mostly whitespace) into a buffer that holds what 88 characters
        // give, and wiped after, so the key is left only in the array returned.
        Span<byte> buffer = stackalloc byte[MaxEncodedCharacters / 4 * 3];
        var decoded = Convert.TryFromBase64Chars(secret.AsSpan(Prefix.Length), buffer, out var written);
        if (decoded && written is >= MinKeyBytes and <= MaxKeyBytes)
        {
            key = buffer[..written].ToArray();
        }

        buffer.Clear();
        if (!decoded)
        {
            problem = "is not valid base64 after 'whsec_'.";
            return false;
        }

        if (key.Length == 0)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"decodes to {written} bytes; a key must have {MinKeyBytes} to {MaxKeyBytes}.");
            return false;
        }

        return true;
    }

    /// <summary>Makes a new secret of 32 random bytes.</summary>
    /// <returns>The secret.</returns>
    public static string Generate() => Prefix + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    // Only the shape, never the value: a secret in the wrong setting must not land in a log.
    // A leading space or line break (pasted with the secret) is named, since the prefix may well follow it.
    private static string Describe(string? secret) => secret switch
    {
        null => "nothing",
        "" => "an empty string",
        _ when char.IsWhiteSpace(secret[0]) => string.Create(CultureInfo.InvariantCulture, $"{secret.Length} characters starting with whitespace, U+{(int)secret[0]:X4} at index 0: remove it"),
        _ => $"{secret.Length} characters without that prefix",
    };
}
