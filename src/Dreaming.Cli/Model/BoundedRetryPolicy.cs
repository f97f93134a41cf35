using System.ClientModel.Primitives;
using System.Globalization;

namespace Dreaming.Cli.Model;

/// <summary>The OpenAI SDK's retry policy (three retries of what may pass), except that a response asking, in its
/// <c>Retry-After</c> (the only such header the SDK reads), to wait longer than <paramref name="longestWait"/> is not
/// tried again: the SDK would wait it out in full, a day for <c>Retry-After: 86400</c>, however short the model timeout.
/// The call then fails with that response, which <see cref="ModelEndpointChatClient"/> reads as one line naming the wait
/// asked for.</summary>
/// <remarks>Thread-safe: it keeps no state between calls.</remarks>
internal sealed class BoundedRetryPolicy(TimeSpan longestWait) : ClientRetryPolicy(maxRetries: 3)
{
    public TimeSpan LongestWait { get; } = longestWait;

    protected override bool ShouldRetry(PipelineMessage message, Exception? exception) =>
        !AsksTooLong(message) && base.ShouldRetry(message, exception);

    protected override async ValueTask<bool> ShouldRetryAsync(PipelineMessage message, Exception? exception) =>
        !AsksTooLong(message) && await base.ShouldRetryAsync(message, exception).ConfigureAwait(false);

    private bool AsksTooLong(PipelineMessage message) =>
        message.Response is { } response && RequestedWait(response) is { } wait && wait > LongestWait;

    /// <summary>The wait a response asks for before the next try, in its <c>Retry-After</c> as seconds or an HTTP date,
    /// or <see langword="null"/> when it asks for none.</summary>
    public static TimeSpan? RequestedWait(PipelineResponse? response)
    {
        if (response is null)
        {
            return null;
        }

        if (!response.Headers.TryGetValue("Retry-After", out var text) || string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.MaxValue.TotalSeconds / 2));
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return null;
        }

        var until = at - DateTimeOffset.UtcNow;
        return until > TimeSpan.Zero ? until : TimeSpan.Zero;
    }
}
