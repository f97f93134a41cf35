using System.Globalization;

namespace Dreaming;

/// <summary>What a dream is asked to do: the scope whose memory it consolidates and the limits it works within.</summary>
/// <remarks>The request is stored with the run and never changes (see <see cref="IDreamRunStore.CreateAsync"/>).</remarks>
public sealed record DreamRunRequest
{
    /// <summary>The most sessions a dream reads unless told otherwise.</summary>
    public const int DefaultMaxSessions = 100;

    /// <summary>The fewest sessions a dream needs unless told otherwise; with fewer it completes and changes nothing.</summary>
    public const int DefaultMinSessions = 10;

    /// <summary>The largest <see cref="MaxSessions"/> accepted, which keeps the run record to a sensible size.</summary>
    public const int MaxSessionsLimit = 1_000_000;

    /// <summary>The most earlier sessions a dream with a <see cref="Lookback"/> reads again unless told otherwise.</summary>
    public const int DefaultMaxLookbackSessions = 100;

    /// <summary>The longest <see cref="Lookback"/> accepted: 365 days.</summary>
    public static readonly TimeSpan MaxLookbackLimit = TimeSpan.FromDays(365);

    /// <summary>The longest <see cref="Instructions"/> accepted, in UTF-16 characters.</summary>
    public const int MaxInstructionsLength = 4096;

    /// <summary>Gets the scope whose memory the dream consolidates.</summary>
    public required MemoryScope Scope { get; init; }

    /// <summary>Gets optional guidance for the dream (for example what to focus on), at most <see cref="MaxInstructionsLength"/> characters.</summary>
    public string? Instructions { get; init; }

    /// <summary>Gets the most sessions the dream reads.</summary>
    /// <value>The default is <see cref="DefaultMaxSessions"/>.</value>
    public int MaxSessions { get; init; } = DefaultMaxSessions;

    /// <summary>Gets the fewest sessions the dream needs to change anything.</summary>
    /// <value>The default is <see cref="DefaultMinSessions"/>.</value>
    public int MinSessions { get; init; } = DefaultMinSessions;

    /// <summary>Gets how far back the dream also mines sessions of the scope that earlier dreams already read, or
    /// <see langword="null"/> to mine only the new ones (the designed behaviour).</summary>
    /// <remarks>
    /// <para>Opt-in, for an agent with few sessions a night: a dream mines only the sessions since the last dream, so a
    /// pattern seen in fewer than <c>MiningOptions.MinSupport</c> sessions per dream is never learnt however many
    /// nights it recurs. With a lookback, the dream also mines the already-read sessions of the scope that started within
    /// this span before it runs (newest first, at most <see cref="MaxLookbackSessions"/>, and never more than
    /// <see cref="MaxSessions"/> sessions in all: the new ones come first), so such a pattern reaches the support it needs.</para>
    /// <para>Those earlier sessions only add support: a finding must occur in at least one new session (the same old
    /// pattern is not found again each night for no new reason), credits (helpful, harmful, seen) come from the new
    /// sessions only, <see cref="MinSessions"/> counts new sessions only, <see cref="DreamRunResults.SessionIds"/> and the
    /// cursor name and move by the new sessions only, as without a lookback. The trade-off: an old pattern may be learnt
    /// from one new occurrence plus older ones, and each dream reads more sessions.</para>
    /// </remarks>
    /// <value>The default is <see langword="null"/>; otherwise greater than zero and at most <see cref="MaxLookbackLimit"/>.</value>
    public TimeSpan? Lookback { get; init; }

    /// <summary>Gets the most earlier sessions a dream with a <see cref="Lookback"/> mines again (the newest of them);
    /// ignored without a lookback.</summary>
    /// <value>The default is <see cref="DefaultMaxLookbackSessions"/>; between 1 and <see cref="MaxSessionsLimit"/>.</value>
    public int MaxLookbackSessions { get; init; } = DefaultMaxLookbackSessions;

    /// <summary>Gets whether the version written becomes active at once or waits for a person.</summary>
    /// <value>The default is <see cref="DreamReviewMode.Auto"/>.</value>
    public DreamReviewMode ReviewMode { get; init; } = DreamReviewMode.Auto;

    /// <summary>Gets the most model tokens (input and output together) the dream may spend, or <see langword="null"/> for no limit.
    /// When it is reached the dream makes no further model calls, finishes the stages that cost nothing (template lessons,
    /// curation, commit), and records <see cref="DreamRunResults.BudgetReached"/> with a note.</summary>
    /// <value>The default is <see langword="null"/>; otherwise at least 1.</value>
    public long? TokenBudget { get; init; }

    /// <summary>Gets the fewest distinct team scopes (tenants) a pattern's sessions must come from for this dream to learn
    /// it, or <see langword="null"/> for the registered <c>MiningOptions.MinScopes</c> (the designed behaviour).</summary>
    /// <remarks>For a dream of an agent's or the global memory only: a team's dream reads that one team's sessions, so a
    /// request of a team scope with a value is refused. It lets each schedule ask for its own, such as a global dream that
    /// needs three tenants beside an agent dream that needs one. Stored with the run like the rest of the request. The
    /// library's miner and reflector apply it; a miner of your own (<c>IDreamMiner</c>) is not given the request and
    /// decides for itself, as it does for <c>MiningOptions.MinScopes</c>.</remarks>
    /// <value>The default is <see langword="null"/>; otherwise at least 1.</value>
    public int? MinScopes { get; init; }

    /// <summary>Checks the request, as stores do before storing it.</summary>
    /// <exception cref="ArgumentException">A field is missing or out of range; the message names it and its limit.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Scope, nameof(Scope));
        if (Instructions is { Length: > MaxInstructionsLength } instructions)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The dream instructions are {instructions.Length:N0} characters long; the limit is {MaxInstructionsLength:N0}. Shorten them."),
                nameof(Instructions));
        }

        if (MaxSessions is < 1 or > MaxSessionsLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSessions), MaxSessions, string.Create(CultureInfo.InvariantCulture, $"MaxSessions must be between 1 and {MaxSessionsLimit:N0}."));
        }

        if (MinSessions < 1 || MinSessions > MaxSessions)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MinSessions),
                MinSessions,
                string.Create(CultureInfo.InvariantCulture, $"MinSessions must be between 1 and MaxSessions ({MaxSessions}): a dream that may read at most {MaxSessions} sessions cannot require {MinSessions}."));
        }

        if (Lookback is { } lookback && (lookback <= TimeSpan.Zero || lookback > MaxLookbackLimit))
        {
            throw new ArgumentOutOfRangeException(
                nameof(Lookback),
                lookback,
                string.Create(CultureInfo.InvariantCulture, $"Lookback must be greater than zero and at most {MaxLookbackLimit.TotalDays:N0} days, not {lookback}; leave it null for no lookback."));
        }

        if (MaxLookbackSessions is < 1 or > MaxSessionsLimit)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxLookbackSessions),
                MaxLookbackSessions,
                string.Create(CultureInfo.InvariantCulture, $"MaxLookbackSessions must be between 1 and {MaxSessionsLimit:N0}, not {MaxLookbackSessions}."));
        }

        if (TokenBudget is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TokenBudget), TokenBudget, "TokenBudget must be at least 1 token, or null for no limit.");
        }

        if (MinScopes is { } minScopes)
        {
            if (minScopes < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(MinScopes), minScopes, string.Create(CultureInfo.InvariantCulture, $"MinScopes must be at least 1, not {minScopes}; leave it null for MiningOptions.MinScopes."));
            }

            if (Scope.Kind == MemoryScopeKind.Team)
            {
                throw new ArgumentException(
                    $"MinScopes applies to dreams of an agent's or the global memory; a dream of {Scope} reads that team's sessions alone, so nothing would be filtered. Leave it null.",
                    nameof(MinScopes));
            }
        }

        if (!Enum.IsDefined(ReviewMode))
        {
            throw new ArgumentException($"{(int)ReviewMode} is not a DreamReviewMode.", nameof(ReviewMode));
        }
    }
}
