namespace Dreaming;

/// <summary>Durable storage of dream runs: their requests, states, leases and results, with at most one running dream per scope.</summary>
/// <remarks>
/// <para>A run moves <c>pending → running → completed | failed | canceled</c> (a pending run may also fail or be canceled);
/// each transition is checked with <see cref="DreamRunStoreRules"/> in the same lock or transaction that makes it, so that
/// of two starts racing for one scope, in this process or another, exactly one wins. Runs are never deleted, and a finished
/// run never changes.</para>
/// <para>The running dream of a scope holds a lease until a time the store's clock compares with. A process renews it while
/// it works; when the process stops, the lease runs out and the run is abandoned: the next start in its scope, or
/// <see cref="RecoverAbandonedAsync"/>, marks it failed with <see cref="DreamRunStoreRules.AbandonedError"/>, keeping its
/// partial results. A store that can see the memory version the run recorded (<see cref="DreamRunResults.OutputVersionId"/>)
/// written as the dream leaves it may complete the run instead, as the SQLite store does, so its sessions are not read
/// again.</para>
/// <para>Implementations must be safe to call from several threads (and, for durable stores, processes) at once and must
/// pass the conformance suite in <c>Dreaming.Testing</c> (<c>DreamRunStoreConformanceTests</c>). Invalid arguments fail with
/// <see cref="ArgumentException"/> and change nothing.</para>
/// </remarks>
public interface IDreamRunStore
{
    /// <summary>Creates or migrates the storage if needed. Idempotent; other members call it on first use.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the store is ready.</returns>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores a new <see cref="DreamRunStatus.Pending"/> run.</summary>
    /// <param name="request">What the dream is asked to do.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The stored run, with its id and request time.</returns>
    /// <exception cref="ArgumentException">The request is invalid (see <see cref="DreamRunRequest.Validate"/>).</exception>
    Task<DreamRun> CreateAsync(DreamRunRequest request, CancellationToken cancellationToken = default);

    /// <summary>Starts a pending run: it becomes running and takes the lease of its scope. A run of the scope whose lease has
    /// expired is marked failed as abandoned in the same step.</summary>
    /// <param name="runId">The run to start.</param>
    /// <param name="leaseHolder">Who runs it, such as a host name and process id.</param>
    /// <param name="leaseDuration">How long the lease lasts unless renewed (see <see cref="DreamRunStoreRules.CheckLease"/>).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The running run.</returns>
    /// <exception cref="DreamRunNotFoundException">No run has that id.</exception>
    /// <exception cref="DreamRunStateException">The run is not pending. Nothing changes.</exception>
    /// <exception cref="DreamConflictException">Another run of the scope is running with a lease that has not expired; the
    /// run stays pending.</exception>
    Task<DreamRun> StartAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>Extends the lease of a running run to <paramref name="leaseDuration"/> from now.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="leaseHolder">Who holds the lease; it must be the holder that started the run.</param>
    /// <param name="leaseDuration">How long the lease lasts from now unless renewed again.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The run with its new expiry.</returns>
    /// <exception cref="DreamRunNotFoundException">No run has that id.</exception>
    /// <exception cref="DreamRunStateException">The run is not running (for example it was canceled, or failed as abandoned),
    /// or another holder holds its lease. The dream should stop.</exception>
    Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>Records what a running dream has read and produced so far, replacing the results recorded before.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="results">Everything the dream has so far.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The updated run.</returns>
    /// <exception cref="DreamRunNotFoundException">No run has that id.</exception>
    /// <exception cref="DreamRunStateException">The run is not running.</exception>
    /// <exception cref="ArgumentException">The results are invalid (see <see cref="DreamRunResults.Validate"/>).</exception>
    Task<DreamRun> UpdateProgressAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default);

    /// <summary>Finishes a running run with its final results.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="results">The final results.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The completed run.</returns>
    /// <exception cref="DreamRunNotFoundException">No run has that id.</exception>
    /// <exception cref="DreamRunStateException">The run is not running (pending, or already finished). Nothing changes.</exception>
    /// <exception cref="ArgumentException">The results are invalid (see <see cref="DreamRunResults.Validate"/>).</exception>
    Task<DreamRun> CompleteAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default);

    /// <summary>Marks a pending or running run failed, keeping the results recorded so far or replacing them with <paramref name="results"/>.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="reason">Why it failed; it becomes the run's <see cref="DreamRun.Error"/>.</param>
    /// <param name="results">The partial results, or <see langword="null"/> to keep those last recorded.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The failed run.</returns>
    /// <exception cref="DreamRunNotFoundException">No run has that id.</exception>
    /// <exception cref="DreamRunStateException">The run is already finished. Nothing changes.</exception>
    /// <exception cref="ArgumentException">The reason is blank or the results are invalid.</exception>
    Task<DreamRun> FailAsync(string runId, string reason, DreamRunResults? results = null, CancellationToken cancellationToken = default);

    /// <summary>Cancels a pending or running run, keeping the results recorded so far. A running dream learns of it when it
    /// next renews its lease or records progress.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The canceled run.</returns>
    /// <exception cref="DreamRunNotFoundException">No run has that id.</exception>
    /// <exception cref="DreamRunStateException">The run is already finished. Nothing changes.</exception>
    Task<DreamRun> CancelAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Gets a run.</summary>
    /// <param name="runId">The run id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The run, or <see langword="null"/> when there is none with that id.</returns>
    Task<DreamRun?> GetAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Lists the runs of a scope, newest first: latest request first, and the later created first on a tie.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="limit">The most runs to return, 1 to <see cref="DreamRunStoreRules.MaxListLimit"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The runs; empty when the scope has none.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The limit is out of range.</exception>
    Task<IReadOnlyList<DreamRun>> ListAsync(MemoryScope scope, int limit = 50, CancellationToken cancellationToken = default);

    /// <summary>Lists the runs of every scope, newest first (latest request first, and the later created first on a tie, as
    /// <see cref="ListAsync"/>), one page at a time, optionally only those in one state: what an operator asks during an
    /// incident ("which dreams are running, leased or failed, anywhere?") without knowing the scopes.</summary>
    /// <param name="query">The status to match, the page size and the cursor of the page.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One page and the cursor of the next (<see langword="null"/> after the last).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The query's limit or status is out of range (see <see cref="DreamRunQuery.Validate"/>).</exception>
    /// <exception cref="ArgumentException">The cursor is not one this store issued.</exception>
    /// <exception cref="NotSupportedException">The store does not implement it (the default implementation).</exception>
    /// <remarks>A stuck run is one <see cref="DreamRunStatus.Running"/> whose <see cref="DreamRun.LeaseExpiresAt"/> has passed
    /// (<see cref="DreamRunStoreRules.IsAbandoned"/>): its process stopped, and <see cref="RecoverAbandonedAsync"/> (or the
    /// next start in its scope) ends it. The in-memory, SQLite and PostgreSQL stores implement it with an index on the
    /// status and request time, so a page costs the page, not every run ever stored (runs are never deleted). The default
    /// implementation, for stores written before it existed, checks the query and fails with
    /// <see cref="NotSupportedException"/>: the interface offers no way to enumerate the scopes. A store of your own implements
    /// it (the conformance suite checks it, and accepts <see cref="NotSupportedException"/> from a store that does not), and
    /// may use <see cref="DreamRunCursor"/> for its cursor. Pages are read at different times: a run that changes state
    /// between two pages may be missed by a status filter or, without one, is listed once (its request time never changes).</remarks>
    Task<DreamRunPage> QueryRunsAsync(DreamRunQuery query, CancellationToken cancellationToken = default) =>
        QueryRunsNotSupported(this, query, cancellationToken);

    /// <summary>The default implementation of <see cref="QueryRunsAsync"/>, naming <paramref name="store"/>: also what
    /// <see cref="ForwardingDreamRunStore"/> runs to act as a store written before the member existed.</summary>
    internal static Task<DreamRunPage> QueryRunsNotSupported(IDreamRunStore store, DreamRunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<DreamRunPage>(cancellationToken)
            : Task.FromException<DreamRunPage>(new NotSupportedException(
                $"The dream run store {store.GetType().FullName} does not list runs across scopes (IDreamRunStore.QueryRunsAsync): list one scope's runs with ListAsync, or implement QueryRunsAsync in the store."));
    }

    /// <summary>Gets the completed run of a scope that ended last (the later created on a tie), whose
    /// <see cref="DreamRunResults.Cursor"/> tells the next dream where to start reading.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The run, or <see langword="null"/> when no run of the scope has completed.</returns>
    Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope, CancellationToken cancellationToken = default);

    /// <summary>Marks every running run whose lease has expired failed with <see cref="DreamRunStoreRules.AbandonedError"/>,
    /// keeping its partial results (or completes one whose memory version was written, see the remarks of the interface).
    /// A host calls it once the leases of a killed process can have expired, so its dreams do not stay running; a run
    /// whose lease has not expired is left alone.</summary>
    /// <param name="now">The time leases are compared with and the runs end at; the store's clock when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The runs it ended (failed, or completed); empty when there were none.</returns>
    Task<IReadOnlyList<DreamRun>> RecoverAbandonedAsync(DateTimeOffset? now = null, CancellationToken cancellationToken = default);

    /// <summary>Ends the abandoned runs <paramref name="recovery"/> selects, as <see cref="RecoverAbandonedAsync"/> ends every
    /// one: those of its <see cref="DreamRunRecovery.Scope"/> only (every scope when none), and only those whose lease expired
    /// at or before <see cref="DreamRunRecovery.LeaseBound"/> (its <see cref="DreamRunRecovery.ExpiredFor"/> before the time
    /// they end at), judged in the transaction or lock that ends them, so a run renewed, ended or recovered meanwhile is left
    /// alone and two recoveries at once end each run once.</summary>
    /// <param name="recovery">Which runs to end, and when they end.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The runs it ended (failed, or completed); empty when there were none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="recovery"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The recovery's <see cref="DreamRunRecovery.ExpiredFor"/> is out of range.</exception>
    /// <exception cref="NotSupportedException">The store does not implement it (the default implementation) and the recovery
    /// names a scope or a time the lease must have expired for.</exception>
    /// <remarks>The in-memory, SQLite and PostgreSQL stores implement it. The default implementation, for stores written
    /// before it existed, runs <see cref="RecoverAbandonedAsync"/> for the default recovery (every scope, expired for zero)
    /// and fails any other with <see cref="NotSupportedException"/>: <see cref="RecoverAbandonedAsync"/>'s time is both the
    /// lease bound and the end time, so it cannot end the runs whose lease expired long enough ago at the right time, and the
    /// interface offers no way to end one scope's. Thread safety is the store's, as for every member.</remarks>
    Task<IReadOnlyList<DreamRun>> RecoverAsync(DreamRunRecovery recovery, CancellationToken cancellationToken = default) =>
        RecoverByDefault(this, recovery, cancellationToken);

    /// <summary>The default implementation of <see cref="RecoverAsync"/> over <paramref name="store"/>: also what
    /// <see cref="ForwardingDreamRunStore"/> runs to act as a store written before the member existed.</summary>
    internal static Task<IReadOnlyList<DreamRun>> RecoverByDefault(IDreamRunStore store, DreamRunRecovery recovery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recovery);
        recovery.Validate();
        if (recovery.Scope is null && recovery.ExpiredFor == TimeSpan.Zero)
        {
            return store.RecoverAbandonedAsync(recovery.Now, cancellationToken);
        }

        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<IReadOnlyList<DreamRun>>(cancellationToken)
            : Task.FromException<IReadOnlyList<DreamRun>>(new NotSupportedException(
                $"The dream run store {store.GetType().FullName} does not end one scope's abandoned runs or only those whose lease expired long enough ago (IDreamRunStore.RecoverAsync): end every abandoned run with RecoverAbandonedAsync, or implement RecoverAsync in the store."));
    }
}
