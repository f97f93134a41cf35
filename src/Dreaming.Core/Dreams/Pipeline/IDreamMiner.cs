namespace Dreaming;

/// <summary>The mine stage of a dream: what recurs in the sessions. Register your own to replace the default
/// (<see cref="FindingMiner"/>).</summary>
public interface IDreamMiner
{
    /// <summary>Mines the sessions.</summary>
    /// <param name="sessions">The selected sessions.</param>
    /// <param name="cancellationToken">Cancels the mining.</param>
    /// <returns>The findings, strongest first, and the counts.</returns>
    Task<MiningReport> MineAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default);

    /// <summary>Mines the new sessions together with earlier ones a dream with a <see cref="DreamRunRequest.Lookback"/>
    /// reads again: a pattern may reach its support from both, but is reported only when it occurs in at least one new
    /// session (its evidence may cite earlier ones).</summary>
    /// <param name="sessions">The new sessions.</param>
    /// <param name="earlier">The earlier sessions (already read by earlier dreams); may be empty.</param>
    /// <param name="cancellationToken">Cancels the mining.</param>
    /// <returns>The findings, strongest first, and the counts (of both kinds of session).</returns>
    /// <remarks>The default implementation mines the new sessions only (<see cref="MineAsync(IReadOnlyList{SessionWithEvents}, CancellationToken)"/>),
    /// so a miner written before the lookback existed behaves as before.</remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<MiningReport> MineAsync(IReadOnlyList<SessionWithEvents> sessions, IReadOnlyList<SessionWithEvents> earlier, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        return MineAsync(sessions, cancellationToken);
    }
}
