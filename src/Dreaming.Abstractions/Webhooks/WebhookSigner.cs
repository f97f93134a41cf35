using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Dreaming;

/// <summary>Signs webhook messages as Standard Webhooks v1 does: <c>v1,</c> and the base64 HMAC-SHA256 of
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>, keyed with the decoded secret; one signature per secret, separated by spaces.</summary>
/// <remarks>Thread-safe and immutable. With several secrets (a rotation), the first secret's signature is repeated at the
/// end: the C# verifier of Svix's library before its fix of June 2026 (svix-webhooks pull request 2393), and the
/// <c>StandardWebhooks</c> package (1.1.2) that copies it, never check the last entry of a list, so without the repeat a
/// receiver on those libraries would refuse every delivery once it switched to the newer secret. A verifier that checks
/// every entry finds the same signatures; the repeat costs 48 characters of header.</remarks>
public sealed class WebhookSigner
{
    /// <summary>The length of one entry and the space after it: <c>v1,</c> and 44 base64 characters, then a space.</summary>
    private const int SignatureLength = 3 + 44 + 1;

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
    /// <returns>The signatures, <c>v1,...</c>, separated by spaces, one per secret in order; with several secrets, the first
    /// one again at the end (see the remarks on <see cref="WebhookSigner"/>).</returns>
    public string Sign(string messageId, DateTimeOffset timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(body);
        var content = Content(messageId, timestamp.ToUnixTimeSeconds(), body, out var length);
        try
        {
            Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
            if (_keys.Length == 1)
            {
                HMACSHA256.HashData(_keys[0], content.AsSpan(0, length), hash);
                return "v1," + Convert.ToBase64String(hash);
            }

            var builder = new StringBuilder((_keys.Length + 1) * SignatureLength);
            foreach (var key in _keys)
            {
                HMACSHA256.HashData(key, content.AsSpan(0, length), hash);
                builder.Append("v1,").Append(Convert.ToBase64String(hash)).Append(' ');
            }

            // The first signature again, last: verifiers that skip a list's last entry (see the remarks) still check every secret's.
            return builder.Append(builder, 0, SignatureLength - 1).ToString();
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
