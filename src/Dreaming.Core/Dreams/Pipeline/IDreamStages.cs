namespace Dreaming;

/// <summary>The select stage of a dream: which sessions it reads. Register your own to replace the default.</summary>
public interface IDreamSessionSelector
{
    /// <summary>Selects the sessions of the request's scope that the dream reads, oldest first.</summary>
    /// <param name="request">The dream's request (scope and limits).</param>
    /// <param name="after">The cursor of the previous completed dream of the scope, if any.</param>
    /// <param name="cancellationToken">Cancels the selection.</param>
    /// <returns>The sessions with their events.</returns>
    Task<IReadOnlyList<SessionWithEvents>> SelectAsync(DreamRunRequest request, DreamCursor? after, CancellationToken cancellationToken = default);

    /// <summary>Selects the earlier sessions a dream with a <see cref="DreamRunRequest.Lookback"/> mines with its new ones:
    /// sessions of the scope that earlier dreams already read, within the lookback. They only add support to findings;
    /// they are not credited, not counted against <see cref="DreamRunRequest.MinSessions"/> and do not move the cursor.</summary>
    /// <param name="request">The dream's request (scope, lookback and limits).</param>
    /// <param name="after">The cursor of the previous completed dream of the scope, if any.</param>
    /// <param name="selected">The new sessions <see cref="SelectAsync"/> returned; none of them is returned again.</param>
    /// <param name="cancellationToken">Cancels the selection.</param>
    /// <returns>The earlier sessions with their events; at most <see cref="DreamRunRequest.MaxSessions"/> less the new ones.</returns>
    /// <remarks>The default implementation returns none, so a selector written before the lookback existed reads new
    /// sessions only. Implementations must be thread-safe, as <see cref="SelectAsync"/> must.</remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<IReadOnlyList<SessionWithEvents>> SelectLookbackAsync(DreamRunRequest request, DreamCursor? after, IReadOnlyList<SessionWithEvents> selected, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(selected);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<SessionWithEvents>>([]);
    }
}
