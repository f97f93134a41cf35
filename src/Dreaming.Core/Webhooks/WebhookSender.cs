using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using Polly;
using Polly.Timeout;

namespace Dreaming;

/// <summary>Makes one delivery attempt: POSTs the stored body with the Standard Webhooks headers, within the attempt
/// timeout, and classifies what came back. Only 2xx is success; a redirect is not followed and counts as failure; a 413
/// without a <c>Retry-After</c>, <c>retry-after-ms</c> or <c>x-ms-retry-after-ms</c> is a failure not to retry.</summary>
internal sealed class WebhookSender(HttpClient client, TimeSpan attemptTimeout, TimeProvider timeProvider)
{
    /// <summary>The most characters of a reason phrase or location an error shows.</summary>
    internal const int MaxShown = 200;

    private static readonly SearchValues<char> DecimalCharacters = SearchValues.Create("0123456789.");

    private readonly ResiliencePipeline _timeout = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
        .AddTimeout(attemptTimeout)
        .Build();

    // The delivery is one FindUnsendable passed: the dispatcher, the only caller, makes any other a dead letter first.
    public async Task<WebhookAttemptOutcome> SendAsync(WebhookEndpoint endpoint, WebhookDelivery delivery, DateTimeOffset attemptAt, string signature, CancellationToken stopping)
    {
        try
        {
            return await _timeout.ExecuteAsync(
                static async (state, ct) =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, state.Endpoint.Url)
                    {
                        Content = new StringContent(state.Delivery.Body, Encoding.UTF8, "application/json"),
                    };
                    request.Headers.TryAddWithoutValidation(WebhookHeaders.Id, state.Delivery.EventId);
                    request.Headers.TryAddWithoutValidation(WebhookHeaders.Timestamp, state.AttemptAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
                    request.Headers.TryAddWithoutValidation(WebhookHeaders.Signature, state.Signature);
                    using var response = await state.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                    return Classify(response, state.Time.GetUtcNow(), state.Delivery.Body);
                },
                (Client: client, Endpoint: endpoint, Delivery: delivery, AttemptAt: attemptAt, Signature: signature, Time: timeProvider),
                stopping).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException)
        {
            return new(false, null, $"timed out after {attemptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", null, null);
        }
        catch (HttpRequestException ex) when (Find<WebhookTargetRefusedException>(ex) is { } refused)
        {
            return new(false, null, refused.Message, null, refused.Message);
        }
        catch (HttpRequestException ex)
        {
            return new(false, null, "connection failed: " + Innermost(ex).Message, null, null);
        }
    }

    /// <summary>Says why a delivery can never be sent, whatever its endpoint does: a store that skips
    /// <see cref="WebhookOutboxRules.CheckEnqueue"/> handed out a row without an event id or body, or with an event id that
    /// is not a header value (the id is added without the header parser's checks, so one with a line break would add
    /// headers of its own to the request). Retrying cannot help and the endpoint is not at fault.</summary>
    /// <returns>The reason, starting <c>not sent: </c>, or <see langword="null"/> when the delivery can be sent.</returns>
    internal static string? FindUnsendable(WebhookDelivery delivery)
    {
        if (string.IsNullOrEmpty(delivery.EventId))
        {
            return "not sent: the delivery has no event id, which is sent as the webhook-id header (receivers refuse a delivery without one)";
        }

        if (WebhookOutboxRules.FindEventIdProblem(delivery.EventId) is { } problem)
        {
            return "not sent: " + problem;
        }

        return delivery.Body is null ? "not sent: the delivery has no body" : null;
    }

    /// <summary>Classifies a response received at <paramref name="answeredAt"/>: a <c>Retry-After</c> is counted from then
    /// (not from the attempt's start, which would push a retry back by the request's duration).</summary>
    /// <remarks>A 413 is not retried unless it has a <c>Retry-After</c> (or <c>retry-after-ms</c>, <c>x-ms-retry-after-ms</c>): every attempt sends the stored body, byte for byte,
    /// so the same limit refuses it again, and RFC 9110 (15.5.14) has a server mark a temporary 413 with a
    /// <c>Retry-After</c>. Other 4xx are retried as the Standard Webhooks specification asks (any non-2xx is a failure to
    /// retry): a 400, 401, 403 or 404 often comes from a receiver being deployed or a secret being rotated, which the
    /// schedule outlasts.</remarks>
    private static WebhookAttemptOutcome Classify(HttpResponseMessage response, DateTimeOffset answeredAt, string body)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return new(true, status, null, null, null, answeredAt);
        }

        if (response.StatusCode == HttpStatusCode.Gone)
        {
            return new(false, status, "410 Gone: the receiver asked to stop deliveries", null, "the endpoint answered 410 Gone", answeredAt);
        }

        var answer = $"{status} {Shown(response.ReasonPhrase)}".TrimEnd();
        var retryAfter = RetryAfter(response.Headers, answeredAt);
        if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge && retryAfter is null)
        {
            var tooLarge = string.Create(CultureInfo.InvariantCulture, $"{answer}: the receiver refused the {Encoding.UTF8.GetByteCount(body)}-byte body as too large; every attempt sends the same body, so it is not retried (replay it once the receiver takes bodies that large)");
            return new(false, status, tooLarge, null, null, answeredAt, NotRetried: true);
        }

        var error = status is >= 300 and < 400
            ? $"{status} redirect{(response.Headers.Location is { } location ? " to " + Shown(WebhookUrls.Shown(location.OriginalString)) : string.Empty)} not followed (only 2xx counts as delivered)"
            : answer;
        return new(false, status, error, retryAfter, null, answeredAt);
    }

    /// <summary>The delay the answer asks for: <c>retry-after-ms</c> (milliseconds, as OpenAI's and Azure's APIs and some
    /// gateways send it) when it is a number, else <c>x-ms-retry-after-ms</c> (the same, as Azure front ends such as Cosmos DB
    /// and API Management send it) when it is one, which are more precise than, and taken before, <c>Retry-After</c> (seconds
    /// or an HTTP date), in the order the Azure SDKs take them; <see langword="null"/> when none asks for one.</summary>
    private static TimeSpan? RetryAfter(HttpResponseHeaders headers, DateTimeOffset now) =>
        RetryAfterMilliseconds(headers, "retry-after-ms") ?? RetryAfterMilliseconds(headers, "x-ms-retry-after-ms") ?? headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,

        // Delta-seconds too large for the parser (beyond 2^31 - 1) still asks for a long wait: as RFC 9111 has caches
        // do, it is taken as the largest value (then capped by MaxRetryAfter), not dropped for the much shorter schedule.
        _ when headers.NonValidated.TryGetValues("Retry-After", out var raw) && raw.Count == 1 && raw.ToString().Trim() is { Length: > 0 } text && text.All(char.IsAsciiDigit)
            => TimeSpan.FromSeconds(int.MaxValue),
        _ => null,
    };

    /// <summary>The first <paramref name="name"/> header's delay: digits with an optional fraction (<c>250</c>, <c>1500.5</c>);
    /// anything else (<c>-5</c>, <c>1e3</c>, <c>soon</c>, empty) is ignored. A number of milliseconds beyond what
    /// <c>Retry-After</c>'s largest delta-seconds holds is taken as that (then capped by MaxRetryAfter), as for
    /// <c>Retry-After</c>.</summary>
    private static TimeSpan? RetryAfterMilliseconds(HttpResponseHeaders headers, string name)
    {
        if (!headers.NonValidated.TryGetValues(name, out var values))
        {
            return null;
        }

        // Of two, the first counts, as for Retry-After.
        foreach (var value in values)
        {
            var text = value.AsSpan().Trim();
            if (text.IsEmpty || text.ContainsAnyExcept(DecimalCharacters)
                || !double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var milliseconds))
            {
                return null;
            }

            const double Largest = int.MaxValue * 1000.0;
            return milliseconds >= Largest || !double.IsFinite(milliseconds)
                ? TimeSpan.FromSeconds(int.MaxValue)
                : TimeSpan.FromTicks((long)Math.Round(milliseconds * TimeSpan.TicksPerMillisecond));
        }

        return null;
    }

    /// <summary>Shows what the receiver chose (a reason phrase, a redirect's location, whose query, fragment and user info
    /// are first masked as the endpoint's URL is, since a redirect to https often repeats the token the URL holds) in an
    /// error that is stored and logged on every attempt: control characters (an escape sequence that would rewrite a terminal) as <c>?</c>, and past
    /// <see cref="MaxShown"/> characters cut, saying how long it was, as a hostile receiver may send up to the handler's
    /// 64 KB of headers.</summary>
    internal static string Shown(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var kept = text.Length > MaxShown ? TextCut.Start(text, MaxShown) : text.AsSpan();
        var shown = new StringBuilder(kept.Length + 24);
        foreach (var c in kept)
        {
            shown.Append(char.IsControl(c) ? '?' : c);
        }

        return text.Length > MaxShown
            ? shown.Append(CultureInfo.InvariantCulture, $"… ({text.Length} characters)").ToString()
            : shown.ToString();
    }

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }
}
