namespace Dreaming;

/// <summary>The curate and guard stages of a dream: the next insight set as delta operations. Register your own to replace
/// the default (<see cref="MemoryCurator"/> with <see cref="MemoryGuard"/>).</summary>
public interface IDreamCurator
{
    /// <summary>Curates the next insight set.</summary>
    /// <param name="current">The insights of the current version.</param>
    /// <param name="candidates">The new lessons.</param>
    /// <param name="credits">What the sessions given insights say about them.</param>
    /// <param name="scope">The memory scope.</param>
    /// <param name="untrustedEvidence">The tool results and user messages a candidate was learnt from.</param>
    /// <param name="now">The time of the change.</param>
    /// <param name="embeddings">Embeddings of the lessons' texts when an embedding generator is registered, or <see langword="null"/>.</param>
    /// <returns>The next insights and the changes.</returns>
    CurationResult Curate(IReadOnlyList<Insight> current, IReadOnlyList<LessonCandidate> candidates, IReadOnlyList<InsightCredit> credits, MemoryScope scope, Func<LessonCandidate, IEnumerable<string>> untrustedEvidence, DateTimeOffset now, TextEmbeddings? embeddings);

    /// <summary>Curates the next insight set, stopping when the dream is cancelled. <see cref="DreamConsolidator"/> calls
    /// this overload with the dream's token; the default implementation checks the token once and calls the overload
    /// without it, so a curator written before it existed still works. Implement it to stop a long curation promptly.</summary>
    /// <param name="current">The insights of the current version.</param>
    /// <param name="candidates">The new lessons.</param>
    /// <param name="credits">What the sessions given insights say about them.</param>
    /// <param name="scope">The memory scope.</param>
    /// <param name="untrustedEvidence">The tool results and user messages a candidate was learnt from.</param>
    /// <param name="now">The time of the change.</param>
    /// <param name="embeddings">Embeddings of the lessons' texts when an embedding generator is registered, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the curation (the dream was cancelled, or stopped in the store).</param>
    /// <returns>The next insights and the changes.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    CurationResult Curate(IReadOnlyList<Insight> current, IReadOnlyList<LessonCandidate> candidates, IReadOnlyList<InsightCredit> credits, MemoryScope scope, Func<LessonCandidate, IEnumerable<string>> untrustedEvidence, DateTimeOffset now, TextEmbeddings? embeddings, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Curate(current, candidates, credits, scope, untrustedEvidence, now, embeddings);
    }
}
