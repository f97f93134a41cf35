using Cronos;

namespace Dreaming;

/// <summary>When to dream for one memory scope: on a cron schedule, after a number of new finished sessions, or both.</summary>
public sealed record DreamSchedule
{
    /// <summary>Gets the scope to dream for.</summary>
    public required MemoryScope Scope { get; init; }

    /// <summary>Gets a five-field cron expression (minute hour day-of-month month day-of-week), such as <c>0 3 * * *</c>.</summary>
    public string? Cron { get; init; }

    /// <summary>Gets the time zone the cron expression is read in, such as
    /// <c>TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")</c>: its wall-clock time, whatever the offset. On the night
    /// the clocks go forward, a time in the gap (02:30) dreams once at the end of the gap (03:00); on the night they go
    /// back, a time that happens twice dreams once, at the first.</summary>
    /// <value>The default is UTC.</value>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Gets how many new finished sessions with an outcome trigger a dream.</summary>
    public int? AfterNewSessions { get; init; }

    /// <summary>Gets the request each scheduled dream runs with (its scope is replaced by <see cref="Scope"/>). Its
    /// <see cref="DreamRunRequest.TokenBudget"/> is the per-dream token budget, and its <see cref="DreamRunRequest.MinScopes"/>
    /// the tenants this schedule's findings need (an agent's or the global schedule only).</summary>
    public DreamRunRequest? Request { get; init; }

    /// <summary>Throws when the schedule is invalid, naming the setting.</summary>
    /// <exception cref="ArgumentException">No trigger, a malformed cron expression or one that never occurs, no time zone, a count below 1, or an invalid request
    /// (such as a token budget below 1).</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Scope, nameof(Scope));
        if (Cron is null && AfterNewSessions is null)
        {
            throw new ArgumentException($"The dream schedule of {Scope} needs DreamSchedule.Cron, DreamSchedule.AfterNewSessions or both.");
        }

        if (AfterNewSessions is < 1)
        {
            throw new ArgumentException($"DreamSchedule.AfterNewSessions is {AfterNewSessions}; it must be at least 1.");
        }

        if (TimeZone is null)
        {
            throw new ArgumentException($"DreamSchedule.TimeZone of {Scope} is null; leave it unset for UTC or give a time zone.", nameof(TimeZone));
        }

        if (Expression() is { } cron && cron.GetNextOccurrence(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), TimeZone) is null)
        {
            throw new ArgumentException($"DreamSchedule.Cron '{Cron}' never occurs (a day that month does not have?), so the schedule would never dream.");
        }
        (Request is null ? null : Request with { Scope = Scope })?.Validate();
        var minSessions = Request?.MinSessions ?? DreamRunRequest.DefaultMinSessions;
        if (AfterNewSessions < minSessions)
        {
            throw new ArgumentException(
                $"DreamSchedule.AfterNewSessions is {AfterNewSessions}, below the request's MinSessions ({minSessions}): every such dream would find too few sessions. Raise AfterNewSessions or lower MinSessions.");
        }
    }

    internal CronExpression? Expression()
    {
        if (Cron is null)
        {
            return null;
        }

        var fields = Cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields != 5)
        {
            throw new ArgumentException(
                $"DreamSchedule.Cron '{Printable(Cron)}' has {fields} field{(fields == 1 ? string.Empty : "s")}; it needs five: minute hour day-of-month month day-of-week, such as '0 3 * * *'"
                + (fields == 6 ? " (a first field of seconds is not taken: dreams are scheduled to the minute)." : "."));
        }

        try
        {
            return CronExpression.Parse(Cron, CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            // Cronos names a field that ends early as "Unexpected character '\0'": a NUL makes grep take a log for binary.
            throw new ArgumentException($"DreamSchedule.Cron '{Printable(Cron)}' is not a five-field cron expression: {Printable(ex.Message)}", ex);
        }
    }

    /// <summary>The text with each control character written as its <c>\uXXXX</c> escape, for a message.</summary>
    private static string Printable(string text)
    {
        if (!text.AsSpan().ContainsAny(s_controls))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = char.IsControl(c) ? builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}") : builder.Append(c);
        }

        return builder.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> s_controls = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(static i => (char)i), .. Enumerable.Range(0x7f, 0x21).Select(static i => (char)i)]);
}
