namespace Dreaming;

/// <summary>Reads Standard Webhooks symmetric secrets: <c>whsec_</c> followed by base64 of the HMAC key.</summary>
public static class WebhookSecret
{
    /// <summary>The prefix of a symmetric secret.</summary>
    public const string Prefix = "whsec_";

    /// <summary>The fewest key bytes the specification allows (192 bits).</summary>
    public const int MinKeyBytes = 24;

    /// <summary>The most key bytes accepted (512 bits).</summary>
    public const int MaxKeyBytes = 64;

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
    public static bool TryParse(string? secret, out byte[] key, out string? problem)
    {
        key = [];
        problem = null;
        if (string.IsNullOrEmpty(secret) || !secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            problem = "must start with 'whsec_' followed by base64 (got " + Describe(secret) + ").";
            return false;
        }

        try
        {
            key = Convert.FromBase64String(secret[Prefix.Length..]);
        }
        catch (FormatException)
        {
            problem = "is not valid base64 after 'whsec_'.";
            return false;
        }

        if (key.Length is < MinKeyBytes or > MaxKeyBytes)
        {
            problem = $"decodes to {key.Length} bytes; a key must have {MinKeyBytes} to {MaxKeyBytes}.";
            key = [];
            return false;
        }

        return true;
    }

    /// <summary>Makes a new secret of 32 random bytes.</summary>
    /// <returns>The secret.</returns>
    public static string Generate() => Prefix + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    // Only the shape, never the value: a secret in the wrong setting must not land in a log.
    private static string Describe(string? secret) => secret is null ? "nothing" : secret.Length == 0 ? "an empty string" : $"{secret.Length} characters without that prefix";
}
