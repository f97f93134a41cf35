using System.Globalization;

namespace Dreaming.AgentView.Pages;

/// <summary>The ended sessions of one agent that were given one memory version, one combination of versions (the agent's
/// own, its team's, the global one), or none: their figures in all and on each day of the window.</summary>
/// <param name="versions">The versions, ordered as UseDreaming() gives them; empty for none.</param>
/// <param name="days">The days of the window.</param>
internal sealed class AgentSeries(IReadOnlyList<SeriesVersion> versions, int days)
{
    private readonly AgentFigures?[] _days = new AgentFigures?[days];

    /// <summary>Gets the versions the sessions were given; empty for none.</summary>
    public IReadOnlyList<SeriesVersion> Versions => versions;

    /// <summary>Gets the figures of all the series' sessions.</summary>
    public AgentFigures Total { get; } = new();

    /// <summary>Gets the series' name on the page: "No memory", or its versions' labels joined by " + ".</summary>
    public string Label => versions.Count == 0 ? "No memory" : string.Join(" + ", versions.Select(v => v.Label));

    /// <summary>The figures of one day, or <see langword="null"/> when no session of the series started on it.</summary>
    /// <param name="day">The day's index in the window.</param>
    public AgentFigures? Day(int day) => _days[day];

    /// <summary>Counts a session.</summary>
    /// <param name="session">The session.</param>
    /// <param name="day">The index of the day it started on.</param>
    public void Add(SessionRecord session, int day)
    {
        Total.Add(session);
        (_days[day] ??= new AgentFigures()).Add(session);
    }
}

/// <summary>An agent's series, one per combination of versions its sessions were given.</summary>
/// <param name="days">The days of the window.</param>
internal sealed class AgentSeriesSet(int days)
{
    private readonly Dictionary<string, AgentSeries> _byVersions = new(StringComparer.Ordinal);
    private AgentSeries? _noMemory;

    /// <summary>The series of sessions given these versions.</summary>
    /// <param name="given">The versions; empty for none.</param>
    public AgentSeries Of(List<SeriesVersion> given)
    {
        if (given.Count == 0)
        {
            return _noMemory ??= new AgentSeries([], days);
        }

        // The ids, in order and each after its length, name the series: no two lists of ids give the same key.
        var key = string.Concat(given.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Id.Length}:{v.Id}")));
        if (!_byVersions.TryGetValue(key, out var series))
        {
            series = new AgentSeries(given, days);
            _byVersions.Add(key, series);
        }

        return series;
    }

    /// <summary>The series in the order the pages show them: no memory first, then by their versions (the agent's own by
    /// number, then other scopes' versions, then ids the memory store does not know), a series before the longer ones it
    /// begins.</summary>
    /// <param name="memory">Tells what each version is.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    public async Task<IReadOnlyList<AgentSeries>> OrderedAsync(AgentMemory memory, CancellationToken cancellationToken)
    {
        foreach (var series in _byVersions.Values)
        {
            foreach (var version in series.Versions)
            {
                await memory.DescribeAsync(version, cancellationToken).ConfigureAwait(false);
            }
        }

        var ordered = new List<AgentSeries>(_byVersions.Count + 1);
        if (_noMemory is not null)
        {
            ordered.Add(_noMemory);
        }

        ordered.AddRange(_byVersions.Values.Order(Comparer<AgentSeries>.Create(Compare)));
        return ordered;
    }

    private static int Compare(AgentSeries x, AgentSeries y)
    {
        for (var i = 0; i < x.Versions.Count && i < y.Versions.Count; i++)
        {
            var byVersion = Compare(x.Versions[i], y.Versions[i]);
            if (byVersion != 0)
            {
                return byVersion;
            }
        }

        return x.Versions.Count.CompareTo(y.Versions.Count);
    }

    private static int Compare(SeriesVersion x, SeriesVersion y)
    {
        var byPlace = Place(x).CompareTo(Place(y));
        return byPlace != 0 ? byPlace
            : string.CompareOrdinal(x.Version?.Scope.Key, y.Version?.Scope.Key) is var byScope and not 0 ? byScope
            : (x.Version?.Number ?? 0).CompareTo(y.Version?.Number ?? 0) is var byNumber and not 0 ? byNumber
            : string.CompareOrdinal(x.Id, y.Id);
    }

    private static int Place(SeriesVersion version) => version.Version is null ? 3 : !version.OtherScope ? 0 : version.Version.Scope.Kind == MemoryScopeKind.Team ? 1 : 2;
}
