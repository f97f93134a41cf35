using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Dreaming;

/// <summary>Signs webhook messages as Standard Webhooks v1 does: <c>v1,</c> and the base64 HMAC-SHA256 of
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>, keyed with the decoded secret; one signature per secret, separated by spaces.</summary>
/// <remarks>Thread-safe and immutable.</remarks>
public sealed class WebhookSigner
{
    private readonly byte[][] _keys;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="secrets">The secrets (<c>whsec_...</c>), at least one.</param>
    /// <exception cref="ArgumentException">There is no secret, or one is malformed.</exception>
    public WebhookSigner(IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _keys = secrets.Select(WebhookSecret.Decode).ToArray();
        if (_keys.Length == 0)
        {
            throw new ArgumentException("At least one webhook secret is needed to sign.", nameof(secrets));
        }
    }

    /// <summary>Computes the <c>webhook-signature</c> header value.</summary>
    /// <param name="messageId">The <c>webhook-id</c>.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> of this attempt.</param>
    /// <param name="body">The exact body sent.</param>
    /// <returns>The signatures, <c>v1,...</c>, separated by spaces.</returns>
    public string Sign(string messageId, DateTimeOffset timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(body);
        var content = Content(messageId, timestamp.ToUnixTimeSeconds(), body, out var length);
        try
        {
            var builder = new StringBuilder(_keys.Length * 48);
            Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
            foreach (var key in _keys)
            {
                HMACSHA256.HashData(key, content.AsSpan(0, length), hash);
                if (builder.Length > 0)
                {
                    builder.Append(' ');
                }

                builder.Append("v1,").Append(Convert.ToBase64String(hash));
            }

            return builder.ToString();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(content);
        }
    }

    /// <summary>Computes the signature of one secret, for tests and one-off use.</summary>
    /// <param name="secret">The secret.</param>
    /// <param name="messageId">The <c>webhook-id</c>.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c>.</param>
    /// <param name="body">The body.</param>
    /// <returns><c>v1,</c> and the base64 signature.</returns>
    public static string Sign(string secret, string messageId, DateTimeOffset timestamp, string body) => new WebhookSigner([secret]).Sign(messageId, timestamp, body);

    /// <summary>Encodes <c>{id}.{timestamp}.</c> as UTF-8 followed by the raw body bytes into a pooled buffer.</summary>
    internal static byte[] Content(string messageId, long unixSeconds, ReadOnlySpan<byte> body, out int length)
    {
        var seconds = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(messageId.Length + seconds.Length + 2) + body.Length);
        length = Encoding.UTF8.GetBytes(messageId, buffer);
        buffer[length++] = (byte)'.';
        length += Encoding.UTF8.GetBytes(seconds, buffer.AsSpan(length));
        buffer[length++] = (byte)'.';
        body.CopyTo(buffer.AsSpan(length));
        length += body.Length;
        return buffer;
    }

    /// <summary>Encodes <c>{id}.{timestamp}.{body}</c> as UTF-8 into a pooled buffer.</summary>
    internal static byte[] Content(string messageId, long unixSeconds, string body, out int length)
    {
        var seconds = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var max = Encoding.UTF8.GetMaxByteCount(messageId.Length + seconds.Length + body.Length + 2);
        var buffer = ArrayPool<byte>.Shared.Rent(max);
        length = Encoding.UTF8.GetBytes(messageId, buffer);
        buffer[length++] = (byte)'.';
        length += Encoding.UTF8.GetBytes(seconds, buffer.AsSpan(length));
        buffer[length++] = (byte)'.';
        length += Encoding.UTF8.GetBytes(body, buffer.AsSpan(length));
        return buffer;
    }
}
