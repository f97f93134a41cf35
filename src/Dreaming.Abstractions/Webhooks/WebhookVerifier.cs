using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;

namespace Dreaming;

/// <summary>Verifies received Standard Webhooks v1 messages, with no web framework needed: pass the three headers (or a
/// way to look them up) and the raw body exactly as received.</summary>
/// <remarks>
/// <para>Every <c>v1</c> signature in the header is checked against every configured secret with a constant-time comparison
/// (<see cref="CryptographicOperations.FixedTimeEquals"/>); entries of other versions or that are not base64 are skipped.
/// The timestamp must be within <see cref="Tolerance"/> of the clock, both ways. Deduplicate on <c>webhook-id</c>: delivery is
/// at-least-once.</para>
/// <para>Verify the raw body: parsing and re-serialising JSON changes the bytes and breaks the signature. Thread-safe.</para>
/// </remarks>
public sealed class WebhookVerifier
{
    /// <summary>The default tolerance: five minutes, as the reference libraries use.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    private readonly byte[][] _keys;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="secrets">The secrets to accept (several while rotating).</param>
    /// <param name="timeProvider">The clock, or <see langword="null"/> for the system clock.</param>
    /// <param name="tolerance">How far the timestamp may be from the clock, either way; five minutes when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">There is no secret, or one is malformed.</exception>
    public WebhookVerifier(IEnumerable<string> secrets, TimeProvider? timeProvider = null, TimeSpan? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _keys = secrets.Select(WebhookSecret.Decode).ToArray();
        if (_keys.Length == 0)
        {
            throw new ArgumentException("At least one webhook secret is needed to verify.", nameof(secrets));
        }

        Tolerance = tolerance ?? DefaultTolerance;
        ArgumentOutOfRangeException.ThrowIfLessThan(Tolerance, TimeSpan.Zero, nameof(tolerance));
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Initializes a new instance for one secret.</summary>
    /// <param name="secret">The secret, <c>whsec_...</c>.</param>
    /// <param name="timeProvider">The clock, or <see langword="null"/> for the system clock.</param>
    public WebhookVerifier(string secret, TimeProvider? timeProvider = null)
        : this([secret], timeProvider)
    {
    }

    /// <summary>Gets how far the timestamp may be from the clock, either way.</summary>
    public TimeSpan Tolerance { get; }

    /// <summary>Verifies a message from its three header values and raw body.</summary>
    /// <param name="messageId">The <c>webhook-id</c> header.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> header.</param>
    /// <param name="signature">The <c>webhook-signature</c> header.</param>
    /// <param name="body">The raw body.</param>
    /// <returns>The result; never throws for a bad message.</returns>
    public WebhookVerificationResult Verify(string? messageId, string? timestamp, string? signature, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Verify(messageId, timestamp, signature, body, default, useBytes: false);
    }

    /// <summary>Verifies a message from its three header values and the raw body bytes exactly as received (the safest
    /// input: no decoding can change them).</summary>
    /// <param name="messageId">The <c>webhook-id</c> header.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> header.</param>
    /// <param name="signature">The <c>webhook-signature</c> header.</param>
    /// <param name="body">The raw body bytes.</param>
    /// <returns>The result; never throws for a bad message.</returns>
    public WebhookVerificationResult Verify(string? messageId, string? timestamp, string? signature, ReadOnlySpan<byte> body) =>
        Verify(messageId, timestamp, signature, null, body, useBytes: true);

    private WebhookVerificationResult Verify(string? messageId, string? timestamp, string? signature, string? text, ReadOnlySpan<byte> bytes, bool useBytes)
    {
        if (string.IsNullOrEmpty(messageId) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            var missing = string.IsNullOrEmpty(messageId) ? WebhookHeaders.Id : string.IsNullOrEmpty(timestamp) ? WebhookHeaders.Timestamp : WebhookHeaders.Signature;
            return new(WebhookVerificationFailure.MissingHeader, $"The '{missing}' header is missing or empty.");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return new(WebhookVerificationFailure.InvalidTimestamp, $"The '{WebhookHeaders.Timestamp}' header '{Cut(timestamp)}' is not whole Unix seconds.");
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var tolerance = (long)Tolerance.TotalSeconds;
        if (seconds < now - tolerance)
        {
            return new(WebhookVerificationFailure.TimestampTooOld, $"The message timestamp {seconds} is {now - seconds} s old; at most {tolerance} s is accepted.");
        }

        if (seconds > now + tolerance)
        {
            return new(WebhookVerificationFailure.TimestampTooNew, $"The message timestamp {seconds} is {seconds - now} s in the future; at most {tolerance} s is accepted.");
        }

        var content = useBytes ? WebhookSigner.Content(messageId, seconds, bytes, out var length) : WebhookSigner.Content(messageId, seconds, text!, out length);
        bool matches;
        try
        {
            matches = Matches(content.AsSpan(0, length), signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(content);
        }

        return matches
            ? WebhookVerificationResult.Valid
            : new(WebhookVerificationFailure.SignatureMismatch, "No v1 signature matches: the body, id or timestamp was changed, or the secret is not the sender's.");
    }

    /// <summary>Verifies a message whose headers are looked up by name.</summary>
    /// <param name="getHeader">Returns a header's value by its name (<see cref="WebhookHeaders"/>), or <see langword="null"/>;
    /// for example <c>name =&gt; request.Headers[name]</c>.</param>
    /// <param name="body">The raw body.</param>
    /// <returns>The result.</returns>
    public WebhookVerificationResult Verify(Func<string, string?> getHeader, string body)
    {
        ArgumentNullException.ThrowIfNull(getHeader);
        return Verify(getHeader(WebhookHeaders.Id), getHeader(WebhookHeaders.Timestamp), getHeader(WebhookHeaders.Signature), body);
    }

    /// <summary>Verifies a message whose headers come as name-value pairs (names compared case-insensitively; repeated
    /// values of one name are joined with spaces).</summary>
    /// <param name="headers">The headers.</param>
    /// <param name="body">The raw body.</param>
    /// <returns>The result.</returns>
    public WebhookVerificationResult Verify(IEnumerable<KeyValuePair<string, string>> headers, string body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var found = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            found[name] = found.TryGetValue(name, out var previous) ? previous + " " + value : value;
        }

        return Verify(name => found.GetValueOrDefault(name), body);
    }

    /// <summary>Verifies a message and throws when it is refused.</summary>
    /// <param name="messageId">The <c>webhook-id</c> header.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> header.</param>
    /// <param name="signature">The <c>webhook-signature</c> header.</param>
    /// <param name="body">The raw body.</param>
    /// <exception cref="WebhookVerificationException">The message is refused; <see cref="WebhookVerificationException.Failure"/> says why.</exception>
    public void EnsureValid(string? messageId, string? timestamp, string? signature, string body)
    {
        var result = Verify(messageId, timestamp, signature, body);
        if (!result.IsValid)
        {
            throw new WebhookVerificationException(result);
        }
    }

    private bool Matches(ReadOnlySpan<byte> content, string signature)
    {
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var matched = false;
        foreach (var key in _keys)
        {
            HMACSHA256.HashData(key, content, expected);
            foreach (var range in signature.AsSpan().Split(' '))
            {
                var entry = signature.AsSpan(range);
                if (!entry.StartsWith("v1,", StringComparison.Ordinal)
                    || !Convert.TryFromBase64Chars(entry[3..], given, out var written)
                    || written != given.Length)
                {
                    continue;
                }

                // No early exit: the time taken does not tell which entry or key matched.
                matched |= CryptographicOperations.FixedTimeEquals(expected, given);
            }
        }

        return matched;
    }

    private static string Cut(string value) => value.Length <= 20 ? value : value[..20] + "…";
}
