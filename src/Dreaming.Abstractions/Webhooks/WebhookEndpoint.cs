namespace Dreaming;

/// <summary>A receiver of webhooks: its URL, the secrets deliveries are signed with, and the events it wants.</summary>
/// <remarks>Set in code or bound from configuration (<c>Dreaming:Webhooks:Endpoints:0:Url</c>, ...). Whether delivery has
/// since disabled it (410, too many failures) is kept in the outbox store as a <see cref="WebhookEndpointState"/>.</remarks>
public sealed class WebhookEndpoint
{
    /// <summary>Gets or sets the endpoint id, stable across restarts: outbox rows refer to it. Letters, digits, <c>-</c>, <c>_</c> and <c>.</c>.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>Gets or sets the absolute http(s) URL deliveries are POSTed to, without user info (<c>user:password@</c>,
    /// which HttpClient never sends: receivers authenticate deliveries by their signatures).</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>Gets the signing secrets, each <c>whsec_</c> and base64 of 24 to 64 random bytes. Every delivery carries one
    /// <c>v1</c> signature per secret, so a secret can be rotated without downtime: add the new one, update the receiver,
    /// then remove the old one.</summary>
    public IList<string> Secrets { get; } = [];

    /// <summary>Gets the event filters: exact types (<c>session.failed</c>), prefixes (<c>dream.*</c>) or <c>*</c>.
    /// Empty means every event.</summary>
    public IList<string> Events { get; } = [];

    /// <summary>Gets or sets a value indicating whether the endpoint is enabled in configuration.</summary>
    /// <value><see langword="true"/> by default.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets why it is disabled in configuration, shown on the dead letters it gets.</summary>
    public string? DisabledReason { get; set; }

    /// <summary>Tells whether the endpoint subscribes to an event type.</summary>
    /// <param name="eventType">The event type.</param>
    /// <returns><see langword="true"/> when a filter matches, or there is none.</returns>
    public bool Subscribes(string eventType)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        if (Events.Count == 0)
        {
            return true;
        }

        foreach (var filter in Events)
        {
            if (filter == "*" || string.Equals(filter, eventType, StringComparison.Ordinal))
            {
                return true;
            }

            // "dream.*" matches "dream.completed" but not "dreams.x" or "dream" itself.
            if (filter.EndsWith(".*", StringComparison.Ordinal)
                && eventType.Length > filter.Length - 1
                && eventType.StartsWith(filter.AsSpan(0, filter.Length - 1), StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Lists what is wrong with the endpoint, each message naming the setting and the bad value (never a secret).</summary>
    /// <param name="name">How to name the endpoint in messages, such as <c>WebhookOptions.Endpoints[0]</c>.</param>
    /// <returns>The problems; empty when the endpoint is valid.</returns>
    public IReadOnlyList<string> Validate(string name)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(Id) || !Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            failures.Add($"{name}.Id '{Id}' must be non-empty and use only letters, digits, '-', '_' and '.'.");
        }

        if (!WebhookUrls.TryParse(Url, out var uri))
        {
            failures.Add($"{name}.Url '{WebhookUrls.Shown(Url)}' must be an absolute http:// or https:// URL.");
        }
        else if (uri.UserInfo.Length > 0)
        {
            // HttpClient never sends user info as credentials: the receiver would get no Authorization header (and a 401
            // would be retried until dead), while the password sat in the configuration, the outbox's errors and logs.
            failures.Add($"{name}.Url '{WebhookUrls.Shown(Url)}' has user info (a user name or password before '@'), which is never sent; deliveries are authenticated by their signatures (Secrets), so remove it.");
        }

        if (Secrets.Count == 0)
        {
            failures.Add($"{name}.Secrets is empty; give at least one whsec_ secret.");
        }

        for (var i = 0; i < Secrets.Count; i++)
        {
            if (!WebhookSecret.TryParse(Secrets[i], out _, out var problem))
            {
                failures.Add($"{name}.Secrets[{i}] {problem}");
            }
        }

        foreach (var filter in Events)
        {
            var type = filter.EndsWith(".*", StringComparison.Ordinal) ? filter[..^2] : filter;
            if (filter != "*" && (type.Length == 0 || !type.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.') || type.StartsWith('.') || type.EndsWith('.')))
            {
                failures.Add($"{name}.Events has '{filter}', which is neither an event type such as 'session.failed', a prefix such as 'dream.*', nor '*'.");
            }
        }

        return failures;
    }
}
