namespace Dreaming;

/// <summary>The select stage of a dream: which sessions it reads. Register your own to replace the default.</summary>
public interface IDreamSessionSelector
{
    /// <summary>Selects the sessions of the request's scope that the dream reads, oldest first.</summary>
    /// <param name="request">The dream's request (scope and limits).</param>
    /// <param name="after">The cursor of the previous completed dream of the scope, if any.</param>
    /// <param name="cancellationToken">Cancels the selection.</param>
    /// <returns>The sessions with their events.</returns>
    Task<IReadOnlyList<SessionWithEvents>> SelectAsync(DreamRunRequest request, DreamCursor? after, CancellationToken cancellationToken);
}
