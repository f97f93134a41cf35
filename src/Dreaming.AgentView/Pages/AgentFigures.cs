using System.Globalization;

namespace Dreaming.AgentView.Pages;

/// <summary>The counts and sums of a set of sessions the agent pages show: an agent's in the window, a memory version's,
/// one day's of a version. Tokens, cost, scores and passes are of the ended sessions only, as <c>dreaming report</c>
/// counts them: a running session's usage and grade are not final.</summary>
/// <remarks>Not thread-safe: one request counts its sessions one at a time.</remarks>
internal sealed class AgentFigures
{
    /// <summary>Gets every session counted, running ones included.</summary>
    public long Sessions { get; private set; }

    /// <summary>Gets the sessions that ended completed.</summary>
    public long Completed { get; private set; }

    /// <summary>Gets the sessions that ended failed.</summary>
    public long Failed { get; private set; }

    /// <summary>Gets the sessions that ended blocked.</summary>
    public long Blocked { get; private set; }

    /// <summary>Gets the sessions the app never ended.</summary>
    public long Abandoned { get; private set; }

    /// <summary>Gets the sessions still running.</summary>
    public long Running { get; private set; }

    /// <summary>Gets the input and output tokens of the ended sessions (saturating).</summary>
    public long Tokens { get; private set; }

    /// <summary>Gets the cost of the ended sessions in minor units (saturating).</summary>
    public long Cost { get; private set; }

    /// <summary>Gets the ended sessions with an outcome.</summary>
    public long WithOutcome { get; private set; }

    /// <summary>Gets the ended sessions whose outcome counts as a pass, as dreaming counts it (a success or satisfied label
    /// on a session that did not end failed or blocked).</summary>
    public long Passed { get; private set; }

    /// <summary>Gets the ended sessions whose outcome has a score.</summary>
    public long Scored { get; private set; }

    /// <summary>Gets the sum of their scores.</summary>
    public double ScoreSum { get; private set; }

    /// <summary>Gets the start of the first session counted.</summary>
    public DateTimeOffset First { get; private set; } = DateTimeOffset.MaxValue;

    /// <summary>Gets the start of the last session counted.</summary>
    public DateTimeOffset Last { get; private set; } = DateTimeOffset.MinValue;

    /// <summary>Gets the ended sessions.</summary>
    public long Ended => Sessions - Running;

    /// <summary>Gets the mean score, or <see langword="null"/> when no ended session has one: a missing score is not 0.</summary>
    public double? MeanScore => Scored == 0 ? null : ScoreSum / Scored;

    /// <summary>Gets the share of the ended sessions with an outcome that passed, or <see langword="null"/> when none has
    /// an outcome.</summary>
    public double? PassRate => WithOutcome == 0 ? null : (double)Passed / WithOutcome;

    /// <summary>Gets the mean cost of an ended session, or <see langword="null"/> when none has ended.</summary>
    public double? MeanCost => Ended == 0 ? null : (double)Cost / Ended;

    /// <summary>Counts a session.</summary>
    /// <param name="session">The session.</param>
    public void Add(SessionRecord session)
    {
        Sessions++;
        First = session.StartedAt < First ? session.StartedAt : First;
        Last = session.StartedAt > Last ? session.StartedAt : Last;
        switch (session.Status)
        {
            case SessionStatus.Running:
                Running++;
                return;
            case SessionStatus.Completed:
                Completed++;
                break;
            case SessionStatus.Failed:
                Failed++;
                break;
            case SessionStatus.Blocked:
                Blocked++;
                break;
            case SessionStatus.Abandoned:
                Abandoned++;
                break;
        }

        Tokens = SaturatingSum.Add(Tokens, session.Usage.TotalTokens);
        Cost = SaturatingSum.Add(Cost, session.Usage.CostMinorUnits);
        if (session.Outcome is { } outcome)
        {
            WithOutcome++;
            Passed += SessionVerdicts.Classify(session) == SessionVerdict.Succeeded ? 1 : 0;
            if (outcome.Score is { } score && double.IsFinite(score))
            {
                Scored++;
                ScoreSum += score;
            }
        }
    }

    /// <summary>A score as the pages write it: <c>0.85</c>, or "-" for none.</summary>
    /// <param name="score">The score.</param>
    public static string Score(double? score) => score is { } value ? value.ToString("0.00", CultureInfo.InvariantCulture) : "-";

    /// <summary>A share as the pages write it: <c>75.0%</c>, or "-" for none.</summary>
    /// <param name="rate">The share, 0 to 1.</param>
    public static string Percent(double? rate) => rate is { } value ? (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-";

    /// <summary>A mean cost as the pages write it: <c>12.5</c>, or "-" for none.</summary>
    /// <param name="cost">The mean cost in minor units.</param>
    public static string MeanOf(double? cost) => cost is { } value ? value.ToString("#,0.0", CultureInfo.InvariantCulture) : "-";
}
