namespace Dreaming.Cli;

/// <summary>The memory store of a PostgreSQL schema without the memory tables yet (<see cref="NotYetMadeStore{TStore}"/>):
/// no versions until the app's first dream makes them.</summary>
/// <param name="database">The PostgreSQL memory store on the schema.</param>
/// <param name="components">The schema's components.</param>
internal sealed class NotYetMadeMemoryStore(IMemoryStore database, SchemaComponents components)
    : NotYetMadeStore<IMemoryStore>(database, new InMemoryMemoryStore(), components, CliServices.MemoryComponent), IMemoryStore
{
    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).InitializeAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<MemoryVersion> ProposeAsync(MemoryProposal proposal, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).ProposeAsync(proposal, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<MemoryVersion?> GetVersionAsync(string versionId, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).GetVersionAsync(versionId, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<MemoryVersion?> GetActiveVersionAsync(MemoryScope scope, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).GetActiveVersionAsync(scope, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<MemoryVersionSummary>> ListVersionsAsync(MemoryScope scope, int limit = 50, int? beforeNumber = null, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).ListVersionsAsync(scope, limit, beforeNumber, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<MemoryVersion> ApproveAsync(string versionId, MemoryAuthor reviewer, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).ApproveAsync(versionId, reviewer, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<MemoryVersion> RejectAsync(string versionId, MemoryAuthor reviewer, string? reason = null, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).RejectAsync(versionId, reviewer, reason, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<MemoryVersion> EditAsync(string versionId, MemoryEdit edit, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).EditAsync(versionId, edit, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<MemoryVersion> RollbackAsync(string versionId, MemoryAuthor author, string? note = null, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).RollbackAsync(versionId, author, note, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<MemoryDiff> DiffAsync(string fromVersionId, string toVersionId, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).DiffAsync(fromVersionId, toVersionId, cancellationToken).ConfigureAwait(false);
}
