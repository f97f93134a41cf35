namespace Dreaming;

/// <summary>Durable storage of an agent's versioned memory: immutable snapshots of insights, reviewed before they become
/// active, with at most one active version per scope.</summary>
/// <remarks>
/// <para>Nothing is ever deleted or changed in place: edits and rollbacks create new versions, and only a version's review
/// state moves (see <see cref="MemoryVersionState"/>). Approval and rollback switch the active version atomically.</para>
/// <para>Implementations must be safe to call from several threads (and, for durable stores, processes) at once, must
/// apply <see cref="MemoryStoreRules"/> and <see cref="MemoryProposal.Validate"/>, and must pass the conformance suite in
/// <c>Dreaming.Testing</c> (<c>MemoryStoreConformanceTests</c>). Invalid arguments fail with <see cref="ArgumentException"/>
/// and change nothing.</para>
/// </remarks>
public interface IMemoryStore
{
    /// <summary>Creates or migrates the storage if needed. Idempotent; other members call it on first use.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the store is ready.</returns>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores a new <see cref="MemoryVersionState.Proposed"/> version with the next number of its scope.</summary>
    /// <param name="proposal">The scope, parent, author, insights and note.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The stored version.</returns>
    /// <exception cref="MemoryVersionNotFoundException">The parent does not exist.</exception>
    /// <exception cref="ArgumentException">The proposal is invalid (see <see cref="MemoryProposal.Validate"/>).</exception>
    Task<MemoryVersion> ProposeAsync(MemoryProposal proposal, CancellationToken cancellationToken = default);

    /// <summary>Gets a version with its insights.</summary>
    /// <param name="versionId">The version id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The version, or <see langword="null"/> when there is none with that id.</returns>
    Task<MemoryVersion?> GetVersionAsync(string versionId, CancellationToken cancellationToken = default);

    /// <summary>Gets the active version of a scope with its insights.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The active version, or <see langword="null"/> when the scope has none.</returns>
    Task<MemoryVersion?> GetActiveVersionAsync(MemoryScope scope, CancellationToken cancellationToken = default);

    /// <summary>Lists the versions of a scope, newest (highest number) first, without their insights.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="limit">The most versions to return, 1 to <see cref="MemoryStoreRules.MaxListLimit"/>.</param>
    /// <param name="beforeNumber">Only versions numbered below this, to read the next page after the last number returned.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The versions; empty when the scope has none.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The limit is out of range.</exception>
    Task<IReadOnlyList<MemoryVersionSummary>> ListVersionsAsync(MemoryScope scope, int limit = 50, int? beforeNumber = null, CancellationToken cancellationToken = default);

    /// <summary>Makes a proposed version the active version of its scope; the one active before becomes superseded.</summary>
    /// <param name="versionId">The version to approve.</param>
    /// <param name="reviewer">Who approves it (a person, or the dream run in automatic review).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The approved version.</returns>
    /// <exception cref="MemoryVersionNotFoundException">No version has that id.</exception>
    /// <exception cref="MemoryStateException">The version is not proposed, or it does not derive from the active version
    /// (see <see cref="MemoryStoreRules.CheckApprove"/>). Nothing changes.</exception>
    Task<MemoryVersion> ApproveAsync(string versionId, MemoryAuthor reviewer, CancellationToken cancellationToken = default);

    /// <summary>Turns down a proposed version. It is kept, and can still be edited or rolled back to.</summary>
    /// <param name="versionId">The version to reject.</param>
    /// <param name="reviewer">Who rejects it.</param>
    /// <param name="reason">Why, kept as <see cref="MemoryVersion.ReviewNote"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The rejected version.</returns>
    /// <exception cref="MemoryVersionNotFoundException">No version has that id.</exception>
    /// <exception cref="MemoryStateException">The version is not proposed. Nothing changes.</exception>
    Task<MemoryVersion> RejectAsync(string versionId, MemoryAuthor reviewer, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>Stores a new proposed version whose parent is the edited version, with the edit applied as
    /// <see cref="MemoryEdit.ApplyTo"/> applies it (an insight whose text a person changes becomes
    /// <see cref="InsightSource.Human"/>); the edited version is not changed.</summary>
    /// <param name="versionId">The version to edit, in any state.</param>
    /// <param name="edit">The author, the insights to upsert and remove, and a note.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new version.</returns>
    /// <exception cref="MemoryVersionNotFoundException">No version has that id.</exception>
    /// <exception cref="ArgumentException">The edit is invalid (see <see cref="MemoryEdit.ApplyTo"/> and <see cref="MemoryProposal.Validate"/>).</exception>
    Task<MemoryVersion> EditAsync(string versionId, MemoryEdit edit, CancellationToken cancellationToken = default);

    /// <summary>Makes the insights of any earlier version active again: stores a new version with a copy of them, whose parent
    /// is the active version, and makes it active in the same step. The earlier versions are not changed.</summary>
    /// <param name="versionId">The version to restore, in any state but active.</param>
    /// <param name="author">Who rolls back; the author and reviewer of the new version.</param>
    /// <param name="note">Why; the note of the new version.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new active version; its <see cref="MemoryVersion.RestoredFromVersionId"/> is <paramref name="versionId"/>.</returns>
    /// <exception cref="MemoryVersionNotFoundException">No version has that id.</exception>
    /// <exception cref="MemoryStateException">The version is already active. Nothing changes.</exception>
    Task<MemoryVersion> RollbackAsync(string versionId, MemoryAuthor author, string? note = null, CancellationToken cancellationToken = default);

    /// <summary>Compares two versions insight by insight (see <see cref="MemoryDiff.Between"/>).</summary>
    /// <param name="fromVersionId">The older (or base) version.</param>
    /// <param name="toVersionId">The newer version.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The differences.</returns>
    /// <exception cref="MemoryVersionNotFoundException">Either version does not exist.</exception>
    Task<MemoryDiff> DiffAsync(string fromVersionId, string toVersionId, CancellationToken cancellationToken = default);
}
