namespace Dreaming;

/// <summary>A memory store that keeps versions in process memory, for tests, demos and short-lived hosts.</summary>
/// <remarks>
/// <para>Everything is lost when the process ends. Members are safe to call from several threads at once: every check and
/// the change it guards happen under one lock, so concurrent approvals cannot leave two active versions.</para>
/// <para>Like the durable stores, it keeps its own read-only copies of what it is given, with times truncated to UTC
/// milliseconds and text as UTF-8 keeps it (an unpaired surrogate becomes U+FFFD), so that versions compare and diff the same whichever store holds them.</para>
/// </remarks>
public sealed class InMemoryMemoryStore : IMemoryStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, MemoryVersion> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<MemoryScope, List<string>> _scopes = [];
    private readonly Dictionary<MemoryScope, string> _active = [];

    /// <summary>Initializes a new, empty instance.</summary>
    /// <param name="timeProvider">The clock that stamps versions and reviews; the system clock when <see langword="null"/>.</param>
    public InMemoryMemoryStore(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <inheritdoc />
    public Task<MemoryVersion> ProposeAsync(MemoryProposal proposal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        return Locked(
            () =>
            {
                var parent = proposal.ParentVersionId is { } parentId ? Find(parentId) : null;
                proposal.Validate(parent);
                return Add(proposal, MemoryVersionState.Proposed, restoredFromVersionId: null, Now());
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion?> GetVersionAsync(string versionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        return Locked(() => _versions.GetValueOrDefault(versionId), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion?> GetActiveVersionAsync(MemoryScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return Locked(() => ActiveOf(scope), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<MemoryVersionSummary>> ListVersionsAsync(MemoryScope scope, int limit = 50, int? beforeNumber = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        MemoryStoreRules.CheckListLimit(limit);
        return Locked<IReadOnlyList<MemoryVersionSummary>>(
            () =>
            {
                if (!_scopes.TryGetValue(scope, out var ids))
                {
                    return [];
                }

                // Version n sits at index n - 1, so the page starts at the index of number (before - 1), counting down.
                var start = (int)Math.Min(ids.Count, (long)(beforeNumber ?? int.MaxValue) - 1) - 1;
                var page = new List<MemoryVersionSummary>();
                for (var i = start; i >= 0 && page.Count < limit; i--)
                {
                    page.Add(_versions[ids[i]].ToSummary());
                }

                return page;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion> ApproveAsync(string versionId, MemoryAuthor reviewer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(reviewer);
        return Locked(
            () =>
            {
                var version = Find(versionId);
                var active = ActiveOf(version.Scope);
                MemoryStoreRules.CheckApprove(version.ToSummary(), active?.ToSummary(), active is not null && DerivesFrom(version, active.Id));
                var now = Now();
                Supersede(active, version.Id, now);
                return Store(version with { State = MemoryVersionState.Active, ReviewedBy = Utf8(reviewer), ReviewedAt = now });
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion> RejectAsync(string versionId, MemoryAuthor reviewer, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(reviewer);
        return Locked(
            () =>
            {
                var version = Find(versionId);
                MemoryStoreRules.CheckReject(version.ToSummary());
                return Store(version with { State = MemoryVersionState.Rejected, ReviewedBy = Utf8(reviewer), ReviewedAt = Now(), ReviewNote = reason is null ? null : Utf8(reason) });
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion> EditAsync(string versionId, MemoryEdit edit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(edit);
        return Locked(
            () =>
            {
                var source = Find(versionId);
                var proposal = edit.ApplyTo(source);
                proposal.Validate(source);
                return Add(proposal, MemoryVersionState.Proposed, restoredFromVersionId: null, Now());
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion> RollbackAsync(string versionId, MemoryAuthor author, string? note = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(author);
        return Locked(
            () =>
            {
                var target = Find(versionId);
                var active = ActiveOf(target.Scope);
                MemoryStoreRules.CheckRollback(target.ToSummary(), active?.ToSummary());
                var proposal = new MemoryProposal { Scope = target.Scope, ParentVersionId = active?.Id, Author = author, Insights = target.Insights, Note = note };
                proposal.Validate(active);
                var now = Now();
                var restored = Add(proposal, MemoryVersionState.Active, target.Id, now);
                Supersede(active, restored.Id, now);
                return restored;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryDiff> DiffAsync(string fromVersionId, string toVersionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fromVersionId);
        ArgumentNullException.ThrowIfNull(toVersionId);
        return Run(
            () =>
            {
                // Versions are immutable snapshots, so the comparison can run outside the lock and not hold up writers.
                MemoryVersion from, to;
                lock (_gate)
                {
                    from = Find(fromVersionId);
                    to = Find(toVersionId);
                }

                return MemoryDiff.Between(from, to);
            },
            cancellationToken);
    }

    // Failures other than bad arguments travel in the task, as they would from an I/O-bound store.
    private static Task<T> Run<T>(Func<T> action, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        try
        {
            return Task.FromResult(action());
        }
        catch (Exception exception) when (exception is MemoryStateException or MemoryVersionNotFoundException or ArgumentException)
        {
            return Task.FromException<T>(exception);
        }
    }

    private Task<T> Locked<T>(Func<T> action, CancellationToken cancellationToken) => Run(
        () =>
        {
            lock (_gate)
            {
                return action();
            }
        },
        cancellationToken);

    private static DateTimeOffset Milliseconds(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    /// <summary>Copies an insight into read-only collections, with times and text as the durable stores keep them.</summary>
    private static Insight Freeze(Insight insight) => insight with
    {
        Text = Utf8(insight.Text),
        Triggers = new InsightTriggers { Tools = Array.AsReadOnly(insight.Triggers.Tools.Select(Utf8).ToArray()), Keywords = Array.AsReadOnly(insight.Triggers.Keywords.Select(Utf8).ToArray()) },
        Evidence = Array.AsReadOnly(insight.Evidence.Select(e => e with { SessionId = Utf8(e.SessionId) }).ToArray()),
        CreatedAt = Milliseconds(insight.CreatedAt),
        UpdatedAt = Milliseconds(insight.UpdatedAt),
    };

    /// <summary>Text as a store that keeps UTF-8 gives it back: an unpaired surrogate (half a character) becomes U+FFFD.</summary>
    private static string Utf8(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsSurrogate(text[i]))
            {
                return System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text));
            }
        }

        return text;
    }

    private static MemoryAuthor Utf8(MemoryAuthor author)
    {
        var id = Utf8(author.Id);
        return ReferenceEquals(id, author.Id) ? author : new MemoryAuthor(author.Kind, id);
    }

    private DateTimeOffset Now() => Milliseconds(_time.GetUtcNow());

    private MemoryVersion Find(string versionId) =>
        _versions.GetValueOrDefault(versionId) ?? throw MemoryVersionNotFoundException.ForId(versionId);

    private MemoryVersion? ActiveOf(MemoryScope scope) => _active.TryGetValue(scope, out var id) ? _versions[id] : null;

    private bool DerivesFrom(MemoryVersion version, string ancestorId)
    {
        for (var parentId = version.ParentVersionId; parentId is not null; parentId = _versions[parentId].ParentVersionId)
        {
            if (string.Equals(parentId, ancestorId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private void Supersede(MemoryVersion? active, string successorId, DateTimeOffset now)
    {
        if (active is not null)
        {
            Store(active with { State = MemoryVersionState.Superseded, SupersededAt = now, SupersededByVersionId = successorId });
        }
    }

    private MemoryVersion Store(MemoryVersion version)
    {
        _versions[version.Id] = version;
        if (version.State == MemoryVersionState.Active)
        {
            _active[version.Scope] = version.Id;
        }

        return version;
    }

    private MemoryVersion Add(MemoryProposal proposal, MemoryVersionState state, string? restoredFromVersionId, DateTimeOffset now)
    {
        if (!_scopes.TryGetValue(proposal.Scope, out var ids))
        {
            ids = [];
            _scopes.Add(proposal.Scope, ids);
        }

        var active = state == MemoryVersionState.Active;
        var version = new MemoryVersion
        {
            Id = MemoryVersion.NewId(),
            Scope = proposal.Scope,
            Number = ids.Count + 1,
            ParentVersionId = proposal.ParentVersionId,
            RestoredFromVersionId = restoredFromVersionId,
            Author = Utf8(proposal.Author),
            State = state,
            CreatedAt = now,
            Note = proposal.Note is null ? null : Utf8(proposal.Note),
            ReviewedBy = active ? Utf8(proposal.Author) : null,
            ReviewedAt = active ? now : null,
            Insights = Array.AsReadOnly(proposal.Insights.Select(Freeze).ToArray()),
        };
        ids.Add(version.Id);
        return Store(version);
    }
}
