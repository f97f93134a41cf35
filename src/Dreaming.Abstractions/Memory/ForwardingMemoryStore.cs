namespace Dreaming;

/// <summary>A memory store that passes every member of <see cref="IMemoryStore"/> to an inner store: derive from it and
/// override only the members a decorator changes (counting, caching the active version, slowing down, failing).</summary>
/// <remarks>
/// <para>Every member forwards to <see cref="Inner"/> with the caller's arguments and token, so a member added to
/// <see cref="IMemoryStore"/> later, with a default implementation, reaches the inner store's own implementation through
/// a decorator derived from this class once the class forwards it, instead of running the default over the decorator.</para>
/// <para>Abstract, because an instance that overrides nothing is only the inner store again. It implements no other
/// interface of the inner store: not <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/> (the inner store belongs
/// to whoever made it; a derived class that owns it disposes it itself), nor <see cref="IMemoryWebhookWriter"/>, which a
/// decorator hides, as the library expects of any decorator.</para>
/// <para>Adds no allocation per call: each member is one virtual call and the inner store's.</para>
/// </remarks>
public abstract class ForwardingMemoryStore : IMemoryStore
{
    /// <summary>Initializes a new instance of the <see cref="ForwardingMemoryStore"/> class.</summary>
    /// <param name="inner">The store every member is passed to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is <see langword="null"/>.</exception>
    protected ForwardingMemoryStore(IMemoryStore inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>Gets the store every member is passed to.</summary>
    protected IMemoryStore Inner { get; }

    /// <inheritdoc/>
    public virtual Task InitializeAsync(CancellationToken cancellationToken = default) => Inner.InitializeAsync(cancellationToken);

    /// <inheritdoc/>
    public virtual Task<MemoryVersion> ProposeAsync(MemoryProposal proposal, CancellationToken cancellationToken = default) =>
        Inner.ProposeAsync(proposal, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<MemoryVersion?> GetVersionAsync(string versionId, CancellationToken cancellationToken = default) =>
        Inner.GetVersionAsync(versionId, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<MemoryVersion?> GetActiveVersionAsync(MemoryScope scope, CancellationToken cancellationToken = default) =>
        Inner.GetActiveVersionAsync(scope, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<MemoryVersionSummary>> ListVersionsAsync(MemoryScope scope, int limit = 50, int? beforeNumber = null, CancellationToken cancellationToken = default) =>
        Inner.ListVersionsAsync(scope, limit, beforeNumber, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<MemoryVersion> ApproveAsync(string versionId, MemoryAuthor reviewer, CancellationToken cancellationToken = default) =>
        Inner.ApproveAsync(versionId, reviewer, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<MemoryVersion> RejectAsync(string versionId, MemoryAuthor reviewer, string? reason = null, CancellationToken cancellationToken = default) =>
        Inner.RejectAsync(versionId, reviewer, reason, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<MemoryVersion> EditAsync(string versionId, MemoryEdit edit, CancellationToken cancellationToken = default) =>
        Inner.EditAsync(versionId, edit, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<MemoryVersion> RollbackAsync(string versionId, MemoryAuthor author, string? note = null, CancellationToken cancellationToken = default) =>
        Inner.RollbackAsync(versionId, author, note, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<MemoryDiff> DiffAsync(string fromVersionId, string toVersionId, CancellationToken cancellationToken = default) =>
        Inner.DiffAsync(fromVersionId, toVersionId, cancellationToken);
}
