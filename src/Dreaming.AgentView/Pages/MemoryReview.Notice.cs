using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Dreaming.AgentView.Pages;

/// <summary>The notice a page shows after an action redirected to it: what the action did, carried in the redirect's query
/// protected with the app's data protection keys, so that a page shows only a notice this view issued (a link made by hand,
/// with any number in it, is refused).</summary>
internal sealed partial class MemoryReview
{
    /// <summary>How long a notice is shown after the action that issued it: long enough to follow the redirect and reload,
    /// short enough that a bookmarked or shared link does not go on claiming a replay as news.</summary>
    public static readonly TimeSpan NoticeLifetime = TimeSpan.FromMinutes(15);

    /// <summary>How much later than the app's clock a notice may be dated and still be read as issued now: the clocks of an
    /// app's instances (which share its keys) differ by that much at most. One dated later still is not shown, so that a
    /// clock set back, or an instance whose clock is behind, does not show it for longer than <see cref="NoticeLifetime"/>.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>The query value that says how many dead letters a replay put back in line, and when.</summary>
    /// <param name="count">How many.</param>
    /// <param name="at">When, on the app's clock.</param>
    public string ReplayedNotice(int count, DateTimeOffset at) =>
        _notices.Protect(string.Create(CultureInfo.InvariantCulture, $"replayed {count} {at.ToUnixTimeMilliseconds()}"));

    /// <summary>Reads a value of <see cref="ReplayedNotice"/>. Whether it has expired (<see cref="NoticeLifetime"/>) the
    /// caller decides from its time, on the app's clock: the protector's own expiry
    /// (<c>ITimeLimitedDataProtector</c>) reads the system clock, not the app's <see cref="TimeProvider"/>, and the time it
    /// would check is the one the protected text already holds.</summary>
    /// <param name="value">The query value.</param>
    /// <returns>The count and the time, or <see langword="null"/> when this view (with these keys) did not issue it.</returns>
    public (int Count, DateTimeOffset At)? ReadReplayedNotice(string value)
    {
        string text;
        try
        {
            text = _notices.Unprotect(value);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return null;
        }

        var parts = text.Split(' ');
        return parts.Length == 3 && parts[0] == "replayed"
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
                ? (count, DateTimeOffset.FromUnixTimeMilliseconds(ms))
                : null;
    }

    /// <summary>How long after the webhooks page was rendered its endpoint forms' <c>shown</c> field names their endpoint:
    /// long enough for a page left open a while, short enough that an endpoint since removed from the app's configuration,
    /// which the page no longer shows, cannot be enabled or disabled from an old page for ever.</summary>
    public static readonly TimeSpan ShownLifetime = TimeSpan.FromHours(1);

    /// <summary>The value of the hidden <c>shown</c> field of an endpoint's enable or disable form: that the webhooks page
    /// showed an endpoint by this id (configured, known to the outbox, or named by a delivery it listed) at a time. Outbox
    /// rows are never deleted, so an endpoint shown stays a real one, though its deliveries may have left the page since;
    /// for <see cref="ShownLifetime"/>.</summary>
    /// <param name="endpointId">The endpoint id.</param>
    /// <param name="at">When the page showed it, on the app's clock.</param>
    public string ShownEndpoint(string endpointId, DateTimeOffset at) =>
        _shown.Protect(string.Create(CultureInfo.InvariantCulture, $"{at.ToUnixTimeMilliseconds()} {endpointId}"));

    /// <summary>Whether a form's <c>shown</c> field is one an earlier build of the view issued for this endpoint id (the id
    /// alone, not dated): it names the endpoint no more, but its page is to be reloaded, which the refusal says.</summary>
    /// <param name="value">The field's value, or <see langword="null"/>.</param>
    /// <param name="endpointId">The endpoint id of the POST's path.</param>
    public bool IsUndatedShown(string? value, string endpointId)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        try
        {
            return string.Equals(_shownUndated.Unprotect(value), endpointId, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return false;
        }
    }

    /// <summary>When the page showed the endpoint, by a form's <c>shown</c> field that <see cref="ShownEndpoint"/> issued for
    /// this endpoint id; whether that is recent enough (<see cref="ShownLifetime"/>, <see cref="ClockSkew"/>) the caller
    /// decides on the app's clock, as for a notice.</summary>
    /// <param name="value">The field's value, or <see langword="null"/>.</param>
    /// <param name="endpointId">The endpoint id of the POST's path.</param>
    /// <returns>The time, or <see langword="null"/> when the field is missing, was not issued for this id, or not by this
    /// view with these keys.</returns>
    public DateTimeOffset? ShownAt(string? value, string endpointId)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        string text;
        try
        {
            text = _shown.Unprotect(value);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return null;
        }

        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space > 0
            && long.TryParse(text.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            && text.AsSpan(space + 1).SequenceEqual(endpointId)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : null;
    }
}
