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

    /// <summary>The value of the hidden <c>shown</c> field of an endpoint's enable or disable form: that the webhooks page
    /// showed an endpoint by this id (configured, known to the outbox, or named by a delivery it listed). Outbox rows are
    /// never deleted, so an endpoint once shown stays a real one, though its deliveries may have left the page since.</summary>
    /// <param name="endpointId">The endpoint id.</param>
    public string ShownEndpoint(string endpointId) => _shown.Protect(endpointId);

    /// <summary>Whether a form's <c>shown</c> field is one <see cref="ShownEndpoint"/> issued for this endpoint id.</summary>
    /// <param name="value">The field's value, or <see langword="null"/>.</param>
    /// <param name="endpointId">The endpoint id of the POST's path.</param>
    public bool WasShown(string? value, string endpointId)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        try
        {
            return string.Equals(_shown.Unprotect(value), endpointId, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return false;
        }
    }
}
