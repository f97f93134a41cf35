using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Dreaming.AgentView.Pages;

/// <summary>The filters of the sessions list as its query string gives them: each value as given (to fill the form and
/// carry into the next page's link) and as the store's <see cref="SessionQuery"/> takes it.</summary>
internal sealed class SessionListFilter
{
    /// <summary>The query string's names: the form's fields, the page size and the cursor.</summary>
    public const string Agent = "agent", Status = "status", Outcome = "outcome", Parent = "parent", Scope = "scope", From = "from", Before = "before", Size = "size", Cursor = "cursor";

    private static readonly string[] s_names = [Agent, Status, Outcome, Parent, Scope, From, Before, Size, Cursor];

    private static readonly SessionStatus[] s_statuses = [SessionStatus.Running, SessionStatus.Completed, SessionStatus.Failed, SessionStatus.Abandoned, SessionStatus.Blocked];

    private static readonly string[] s_timeFormats = ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss"];

    private readonly Dictionary<string, string> _given = new(StringComparer.Ordinal);

    private SessionListFilter()
    {
    }

    /// <summary>The statuses a session may have, in the order the form lists them.</summary>
    public static IReadOnlyList<SessionStatus> Statuses => s_statuses;

    /// <summary>The store query of the first page (or of the page the cursor names).</summary>
    public SessionQuery Query { get; private set; } = new();

    /// <summary>The page size the request asked for, or <see langword="null"/> for the options' one.</summary>
    public int? PageSize { get; private set; }

    /// <summary>The value given for a name, or <see langword="null"/> when none (or a blank one) was.</summary>
    /// <param name="name">One of the names above.</param>
    public string? Given(string name) => _given.GetValueOrDefault(name);

    /// <summary>The filters as a query string's names and values (without the cursor), to link to another page of the
    /// same list.</summary>
    public (string Name, string? Value)[] Filters() =>
        [.. s_names.Where(name => name != Cursor).Select(name => (name, Given(name)))];

    /// <summary>Reads the filters of a request, reporting every bad value at once (a name given twice, an unknown status, a
    /// page size out of range, a time that is not one, <c>from</c> not before <c>before</c>), each value echoed at most
    /// <see cref="Rendering.AgentViewLayout.EchoLength"/> characters.</summary>
    /// <param name="request">The query string.</param>
    /// <param name="defaultPageSize">The page size when the request names none.</param>
    /// <param name="filter">The filters, when they are valid.</param>
    /// <param name="error">What is wrong, naming each bad value, when they are not.</param>
    /// <returns>Whether the filters are valid.</returns>
    public static bool TryRead(IQueryCollection request, int defaultPageSize, out SessionListFilter filter, out string? error)
    {
        filter = new SessionListFilter();
        var errors = new List<string>();
        foreach (var name in s_names)
        {
            var values = request[name];
            if (values.Count > 1)
            {
                errors.Add($"The query gives '{name}' {values.Count.ToString(CultureInfo.InvariantCulture)} times; give it once.");
                continue;
            }

            if (values.Count == 1 && !string.IsNullOrWhiteSpace(values[0]))
            {
                filter._given[name] = values[0]!;
            }
        }

        var query = new SessionQuery
        {
            AgentId = filter.Given(Agent),
            OutcomeLabel = filter.Given(Outcome),
            ParentSessionId = filter.Given(Parent),
            Scope = filter.Given(Scope),
            Cursor = filter.Given(Cursor),
            Order = SessionOrder.NewestFirst,
            PageSize = defaultPageSize,
        };

        if (filter.Given(Status) is { } status)
        {
            var known = Array.FindIndex(s_statuses, s => string.Equals(SessionTable.Status(s), status, StringComparison.OrdinalIgnoreCase));
            if (known < 0)
            {
                errors.Add($"Unknown status '{Echo(status)}'; the statuses are {string.Join(", ", s_statuses.Select(SessionTable.Status))}.");
            }
            else
            {
                query = query with { Status = s_statuses[known] };
            }
        }

        if (filter.Given(Size) is { } size)
        {
            if (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var pageSize) || pageSize is < 1 or > AgentViewOptions.MaxPageSize)
            {
                errors.Add($"The page size '{Echo(size)}' is not a whole number from 1 to {AgentViewOptions.MaxPageSize.ToString(CultureInfo.InvariantCulture)}.");
            }
            else
            {
                filter.PageSize = pageSize;
                query = query with { PageSize = pageSize };
            }
        }

        var from = ReadTime(filter, From, errors);
        var before = ReadTime(filter, Before, errors);
        if (from is { } lower && before is { } upper && lower >= upper)
        {
            errors.Add($"'started from' ({Echo(filter.Given(From)!)}) must be earlier than 'started before' ({Echo(filter.Given(Before)!)}).");
        }

        filter.Query = query with { StartedFrom = from, StartedBefore = before };
        error = errors.Count == 0 ? null : string.Join(" ", errors);
        return errors.Count == 0;
    }

    /// <summary>Whether a value is a plain date (<c>yyyy-MM-dd</c>), which the form's date input can show.</summary>
    /// <param name="value">The value given.</param>
    public static bool IsDate(string? value) =>
        value is not null && DateTime.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    // A date is midnight UTC; a date and time without an offset is UTC; one with an offset is converted. A value that is
    // not one adds its error.
    private static DateTimeOffset? ReadTime(SessionListFilter filter, string name, List<string> errors)
    {
        if (filter.Given(name) is not { } text)
        {
            return null;
        }

        if (DateTimeOffset.TryParseExact(text.Trim(), s_timeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return parsed;
        }

        errors.Add($"The time '{Echo(text)}' given as '{name}' is not a date (2026-11-01) or a date and time (2026-11-01T09:30, UTC unless it names an offset).");
        return null;
    }

    private static string Echo(string value) => Rendering.AgentViewLayout.Echo(value);
}
