using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Dreaming.AgentView.Pages;

/// <summary>The days the agent pages cover: the last <see cref="Days"/> whole UTC days, today included, so every day of a
/// chart is a whole day.</summary>
/// <param name="Days">How many days, 1 to <see cref="MaxDays"/>.</param>
/// <param name="From">The start of the first day (00:00 UTC), the first start time counted.</param>
/// <param name="Before">The end of today (00:00 UTC tomorrow), the first start time not counted.</param>
internal sealed record AgentWindow(int Days, DateTimeOffset From, DateTimeOffset Before)
{
    /// <summary>The query parameter that sets the days.</summary>
    public const string QueryName = "days";

    /// <summary>The days when the query names none.</summary>
    public const int DefaultDays = 30;

    /// <summary>The most days a page covers.</summary>
    public const int MaxDays = 365;

    /// <summary>The windows the pages link to, beside the one shown.</summary>
    public static readonly int[] Choices = [7, 30, 90, 365];

    /// <summary>Reads the window from the request's <c>days</c> query and the app's clock.</summary>
    /// <param name="request">The request.</param>
    /// <param name="now">The current time (the <see cref="TimeProvider"/> the app registered).</param>
    /// <param name="window">The window, when the query is valid.</param>
    /// <param name="error">What is wrong with the query, naming its value, when it is not.</param>
    /// <returns>Whether the query is valid.</returns>
    public static bool TryRead(HttpRequest request, DateTimeOffset now, out AgentWindow window, out string error)
    {
        window = null!;
        error = string.Empty;
        var days = DefaultDays;
        if (request.Query.TryGetValue(QueryName, out var values))
        {
            if (values.Count != 1 || !int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out days) || days is < 1 or > MaxDays)
            {
                error = $"The days value '{Rendering.AgentViewLayout.Echo(string.Join(',', values.ToArray()))}' is not a whole number from 1 to {MaxDays}.";
                return false;
            }
        }

        var tomorrow = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
        window = new AgentWindow(days, tomorrow.AddDays(-days), tomorrow);
        return true;
    }

    /// <summary>The index of the day a start time falls on, 0 for the first day of the window.</summary>
    /// <param name="startedAt">A start time in the window.</param>
    public int DayOf(DateTimeOffset startedAt) => (int)((startedAt.UtcTicks - From.UtcTicks) / TimeSpan.TicksPerDay);

    /// <summary>The date of a day of the window, as the pages write it (<c>2026-11-01</c>).</summary>
    /// <param name="day">The day's index.</param>
    public string Date(int day) => From.AddDays(day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Words naming the window: "in the last 30 days (2026-11-01 to 2026-11-30 UTC)", "today (2026-11-30 UTC)".</summary>
    public string Describe() => Days == 1
        ? $"today ({Date(0)} UTC)"
        : string.Create(CultureInfo.InvariantCulture, $"in the last {Days} days ({Date(0)} to {Date(Days - 1)} UTC)");
}
