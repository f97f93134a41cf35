using System.Security.Cryptography;
using System.Text;

namespace Dreaming;

/// <summary>Adds endpoints to <see cref="WebhookOptions"/> in code, as in
/// <c>AddWebhooks(w =&gt; w.AddEndpoint(url, secret, "outcome.*", "dream.completed"))</c>.</summary>
/// <remarks>The methods are stateless and thread-safe; the options they change are not (configure them at startup, on one
/// thread, as every options callback is run).</remarks>
public static class WebhookOptionsEndpointExtensions
{
    private const int HashDigits = 16;

    /// <summary>Adds an endpoint whose id is derived from its URL (<see cref="EndpointIdFor"/>), signed with one secret.</summary>
    /// <param name="options">The options.</param>
    /// <param name="url">The absolute http(s) URL deliveries are POSTed to.</param>
    /// <param name="secret">The signing secret, <c>whsec_...</c> (checked when the host starts, as every endpoint's).</param>
    /// <param name="events">The event filters (exact types such as <c>dream.completed</c>, prefixes such as <c>outcome.*</c>,
    /// or <c>*</c>); none for every event.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/>, <paramref name="url"/>, <paramref name="secret"/>
    /// or <paramref name="events"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="url"/> is not an absolute http(s) URL; <paramref name="events"/>
    /// holds a null; or an endpoint with the same id, which is an endpoint added with the same URL, is in the options
    /// already (ids must be unique; add each URL once, with all its event filters, or give the endpoints ids of your own
    /// with <see cref="WebhookEndpoint.Id"/>).</exception>
    /// <remarks>
    /// <para>The outbox keeps each delivery's endpoint id, so the id must not change between restarts: it is derived from
    /// the URL's text alone, the same on every machine and run. Changing the URL's text (even the letter case or a
    /// trailing slash) gives a new id, and the deliveries still pending for the old one become dead letters (endpoint
    /// no longer configured), which can be replayed. To keep an id across a change of URL, give the id yourself
    /// (<c>AddWebhookEndpoint(id, ...)</c> on the builder, or <see cref="WebhookEndpoint.Id"/>).</para>
    /// <para>Two spellings of one address (<c>https://Hooks.example.com/a</c> and <c>https://hooks.example.com/a</c>) are
    /// two endpoints, and each gets every event it subscribes to.</para>
    /// </remarks>
    public static WebhookOptions AddEndpoint(this WebhookOptions options, string url, string secret, params string[] events)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(events);
        var id = EndpointIdFor(url);
        if (Array.IndexOf(events, null) is var at and >= 0)
        {
            throw new ArgumentException($"events[{at}] is null; give event types such as 'dream.completed', prefixes such as 'outcome.*', or '*'.", nameof(events));
        }

        foreach (var existing in options.Endpoints)
        {
            if (string.Equals(existing.Id, id, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"WebhookOptions.AddEndpoint: an endpoint for the URL '{WebhookUrls.Shown(url)}' was added already (id '{id}', derived from the URL); ids must be unique, so add each URL once with all its event filters, or give the endpoints ids of their own (WebhookEndpoint.Id).",
                    nameof(url));
            }
        }

        var endpoint = new WebhookEndpoint { Id = id, Url = url };
        endpoint.Secrets.Add(secret);
        foreach (var filter in events)
        {
            endpoint.Events.Add(filter);
        }

        options.Endpoints.Add(endpoint);
        return options;
    }

    /// <summary>Gets the endpoint id <see cref="AddEndpoint"/> derives from a URL: the URL's host in its ASCII form (lower
    /// case; a character other than a letter, digit, <c>-</c> or <c>.</c> becomes <c>-</c>), then <c>-</c>, then the first
    /// 16 hexadecimal digits (lower case) of the SHA-256 hash of the URL's UTF-8 bytes exactly as given, such as
    /// <c>hooks.example.com-ec9960d769491ac4</c> for <c>https://hooks.example.com/dreaming</c>.</summary>
    /// <param name="url">The absolute http(s) URL.</param>
    /// <returns>The id: the same for the same text, on every machine and run; a valid <see cref="WebhookEndpoint.Id"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="url"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="url"/> is not an absolute http(s) URL (the message shows it, with
    /// a user name, password, query or fragment as <c>***</c>).</exception>
    /// <remarks>The hash keeps only 64 bits of it and the host is shown as it is, so the id is no secret and reveals
    /// nothing of a token in the URL's path or query beyond what a 64-bit hash does. Thread-safe.</remarks>
    public static string EndpointIdFor(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!WebhookUrls.TryParse(url, out var uri))
        {
            // Named as the start's validation names a configured endpoint's URL, without a user name, password, query or fragment.
            throw new ArgumentException($"The webhook URL '{WebhookUrls.Shown(url)}' must be an absolute http:// or https:// URL.", nameof(url));
        }

        var host = uri.IdnHost.ToLowerInvariant();
        var id = new StringBuilder(host.Length + 1 + HashDigits);
        foreach (var c in host)
        {
            id.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '-');
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(url));
        return id.Append('-').Append(Convert.ToHexStringLower(hash.AsSpan(0, HashDigits / 2))).ToString();
    }
}
