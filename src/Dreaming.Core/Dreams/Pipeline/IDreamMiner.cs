namespace Dreaming;

/// <summary>The mine stage of a dream: what recurs in the sessions. Register your own to replace the default
/// (<see cref="FindingMiner"/>).</summary>
public interface IDreamMiner
{
    /// <summary>Mines the sessions.</summary>
    /// <param name="sessions">The selected sessions.</param>
    /// <param name="cancellationToken">Cancels the mining.</param>
    /// <returns>The findings, strongest first, and the counts.</returns>
    Task<MiningReport> MineAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken);
}
