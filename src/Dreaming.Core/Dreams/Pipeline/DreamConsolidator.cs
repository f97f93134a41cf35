using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>The default <see cref="IDreamConsolidator"/>: select → mine → write lessons (by template, offline) → curate
/// and guard → commit, as one leased, recorded dream run.</summary>
/// <remarks>
/// Only one dream runs per scope at a time (the run store's lease; a second gets <see cref="DreamConflictException"/>).
/// The input memory version is never changed: the result is a new version whose parent it is, written only when the
/// curation changed an insight (a dream whose changes are all rejections, such as a lesson retired as harmful found again,
/// completes with those changes and no version). A failure keeps the partial results on the run. Thread-safe.
/// </remarks>
public sealed partial class DreamConsolidator : IDreamConsolidator
{
    private readonly ITraceStore _traces;
    private readonly IMemoryStore _memory;
    private readonly IDreamRunStore _runs;
    private readonly TimeProvider _timeProvider;
    private readonly IDreamSessionSelector _selector;
    private readonly IDreamMiner _miner;
    private readonly IDreamReflector _reflector;
    private readonly IDreamCurator _curator;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embeddings;
    private readonly ILogger _logger;
    private readonly DefaultDreamStages _defaults;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="traces">Where the sessions are.</param>
    /// <param name="memory">Where the memory versions are.</param>
    /// <param name="runs">Where dream runs are recorded and leased.</param>
    /// <param name="timeProvider">The clock, or <see langword="null"/> for the system clock.</param>
    /// <param name="logger">The logger, or <see langword="null"/>.</param>
    /// <param name="reflector">The reflect stage, or <see langword="null"/> to write lessons by template (offline).</param>
    /// <param name="selector">The select stage, or <see langword="null"/> for the default.</param>
    /// <param name="miner">The mine stage, or <see langword="null"/> for <see cref="FindingMiner"/>.</param>
    /// <param name="curator">The curate and guard stages, or <see langword="null"/> for <see cref="MemoryCurator"/>.</param>
    /// <param name="embeddings">An embedding generator, so curation also merges lessons that say the same thing in other
    /// words, or <see langword="null"/>.</param>
    /// <param name="curationOptions">The options of the default curator, or <see langword="null"/> for the defaults.</param>
    /// <param name="miningOptions">The options of the default miner (<see cref="FindingMiner"/>), or <see langword="null"/>
    /// for the defaults; its <see cref="MiningOptions.MinScopes"/> applies to dreams of an agent's or the global memory
    /// whose request gives none (<see cref="DreamRunRequest.MinScopes"/>), and to the pairs of similar tasks their
    /// reflector is shown.</param>
    /// <remarks>Registered by <c>AddDreamingAgents</c>; each stage comes from the container when one is registered
    /// (<see cref="IDreamSessionSelector"/>, <see cref="IDreamMiner"/>, <see cref="IDreamReflector"/>, <see cref="IDreamCurator"/>),
    /// and so does an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings.</remarks>
    public DreamConsolidator(
        ITraceStore traces,
        IMemoryStore memory,
        IDreamRunStore runs,
        TimeProvider? timeProvider = null,
        ILogger<DreamConsolidator>? logger = null,
        IDreamReflector? reflector = null,
        IDreamSessionSelector? selector = null,
        IDreamMiner? miner = null,
        IDreamCurator? curator = null,
        IEmbeddingGenerator<string, Embedding<float>>? embeddings = null,
        IOptions<CurationOptions>? curationOptions = null,
        IOptions<MiningOptions>? miningOptions = null)
    {
        miningOptions?.Value.Validate();
        _traces = traces ?? throw new ArgumentNullException(nameof(traces));
        _memory = memory ?? throw new ArgumentNullException(nameof(memory));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _embeddings = embeddings;
        var defaults = new DefaultDreamStages(_traces, _runs, _timeProvider, curationOptions?.Value, miningOptions?.Value);
        _defaults = defaults;
        _reflector = reflector ?? defaults;
        _selector = selector ?? defaults;
        _miner = miner ?? defaults;
        _curator = curator ?? defaults;
    }

    /// <inheritdoc />
    /// <remarks>While the dream works it renews its lease every third of <see cref="LeaseDuration"/>; when the run is
    /// canceled (or failed) in the store meanwhile — by <see cref="IDreamRunStore.CancelAsync"/> from another process, or
    /// because its lease was lost — the dream stops at the next stage and writes no memory version, and the stored run is
    /// returned. The last check is made just before the version is written.</remarks>
    public Task<DreamRun> DreamAsync(DreamRunRequest request, CancellationToken cancellationToken = default) => DreamAsync(request, static _ => { }, cancellationToken);

    /// <inheritdoc />
    public async Task<DreamRun> DreamAsync(DreamRunRequest request, Action<DreamRun> started, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(started);
        request.Validate();
        var holder = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        var run = await _runs.CreateAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            run = await _runs.StartAsync(run.Id, holder, LeaseDuration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DreamConflictException or OperationCanceledException)
        {
            // The request was refused (another dream of the scope holds the lease) or withdrawn: it never ran, so it is
            // recorded as canceled rather than left pending for ever.
            await _runs.CancelAsync(run.Id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        started(run);
        var results = DreamRunResults.Empty;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var lease = new LeaseKeeper(this, run.Id, holder, stop);
        var keeping = lease.KeepAsync();
        try
        {
            results = await RunStagesAsync(run, request, r => results = r, lease, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await _runs.CancelAsync(run.Id, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectDisposedException disposed) when (cancellationToken.IsCancellationRequested)
        {
            // Canceled, and a store disposed under the dream: a host's stop whose ShutdownTimeout was used up disposes the
            // provider while the dream still runs. That is the cancellation, not a failure. With the run store gone too,
            // nothing can record the end: the run's lease expires and the next dream of the scope ends it.
            try
            {
                return await _runs.CancelAsync(run.Id, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                throw new OperationCanceledException($"Dream {run.Id} was canceled and its stores were disposed before it could record its end.", disposed, cancellationToken);
            }
        }
        catch (Exception ex) when (lease.StoppedInStore is not null && ex is OperationCanceledException or DreamRunStateException)
        {
            LogDreamStoppedInStore(_logger, run.Id, lease.StoppedInStore);
            return await StoredAsync(run).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDreamFailed(_logger, run.Id, ex);
            try
            {
                return await _runs.FailAsync(run.Id, ex.Message, results, CancellationToken.None).ConfigureAwait(false);
            }
            catch (DreamRunStateException ended)
            {
                // Ended in the store meanwhile (canceled by another process): the run keeps that end.
                LogDreamStoppedInStore(_logger, run.Id, ended.Message);
                return await StoredAsync(run).ConfigureAwait(false);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await keeping.ConfigureAwait(false);
        }

        try
        {
            run = await _runs.CompleteAsync(run.Id, results, CancellationToken.None).ConfigureAwait(false);
            LogDreamCompleted(_logger, run.Id, results.SessionIds.Count, results.Report.Changes.Count);
            return run;
        }
        catch (DreamRunStateException ex)
        {
            // Canceled in the store after the last check, while the version was written: too late to stop the commit, so
            // the version stands (its author names the run) and the run keeps the end it was given.
            LogDreamStoppedInStore(_logger, run.Id, ex.Message);
            return await StoredAsync(run).ConfigureAwait(false);
        }
    }

    private async Task<DreamRun> StoredAsync(DreamRun run) => await _runs.GetAsync(run.Id, CancellationToken.None).ConfigureAwait(false) ?? run;

    /// <summary>Gets how long a dream's lease lasts before another process may take the scope over; it is renewed every
    /// third of it while the dream works.</summary>
    public static TimeSpan LeaseDuration { get; } = TimeSpan.FromMinutes(10);

    private async Task<DreamRunResults> RunStagesAsync(DreamRun run, DreamRunRequest request, Action<DreamRunResults> keep, LeaseKeeper lease, CancellationToken cancellationToken)
    {
        var stages = new List<DreamStageUsage>();
        var current = await _memory.GetActiveVersionAsync(request.Scope, cancellationToken).ConfigureAwait(false);
        if (request.ReviewMode == DreamReviewMode.RequireApproval)
        {
            current = await PendingProposalAsync(request.Scope, current, cancellationToken).ConfigureAwait(false) ?? current;
        }

        var results = new DreamRunResults { InputVersionId = current?.Id };

        var watch = Stopwatch.StartNew();
        var previous = await _runs.GetLastCompletedAsync(request.Scope, cancellationToken).ConfigureAwait(false);
        var selected = await _selector.SelectAsync(request, previous?.Results.Cursor, cancellationToken).ConfigureAwait(false);
        stages.Add(new DreamStageUsage("select", SessionUsage.Zero, watch.Elapsed));
        // With too few sessions the cursor stays where it was, so they are read again, with the ones that follow, next time.
        var enough = selected.Count >= request.MinSessions;
        var cursor = enough ? DreamSessionSelector.CursorOf(selected, previous?.Results.Cursor) : previous?.Results.Cursor;
        results = results with { SessionIds = selected.Select(s => s.Session.Id).ToList(), Cursor = cursor, StageUsage = [.. stages] };
        keep(results);
        if (!enough)
        {
            var why = await WhyTooFewAsync(request.Scope, previous?.Results.Cursor, cancellationToken).ConfigureAwait(false);
            return results with { Note = string.Create(CultureInfo.InvariantCulture, $"not enough sessions ({selected.Count} < {request.MinSessions}){why}; memory unchanged") };
        }

        watch.Restart();
        // With a lookback, earlier sessions only add support to the findings (see DreamRunRequest.Lookback): they are
        // not credited, not named among the sessions read, and do not move the cursor.
        var earlier = request.Lookback is null ? [] : await _selector.SelectLookbackAsync(request, previous?.Results.Cursor, selected, cancellationToken).ConfigureAwait(false);
        // The default miner applies the request's MinScopes, else MiningOptions.MinScopes, by the dream's scope; another
        // miner decides for itself.
        var mining = ReferenceEquals(_miner, _defaults)
            ? await _defaults.MineAsync(selected, earlier, request, cancellationToken).ConfigureAwait(false)
            : earlier.Count == 0
                ? await _miner.MineAsync(selected, cancellationToken).ConfigureAwait(false)
                : await _miner.MineAsync(selected, earlier, cancellationToken).ConfigureAwait(false);
        // Every session mined, earlier ones too: a finding's evidence may cite them, for the run record's examples, the
        // reflector's excerpts and the guard's untrusted content alike.
        var bySession = selected.Concat(earlier).ToDictionary(s => s.Session.Id, StringComparer.Ordinal);
        var report = MaskExamples(mining.ToDreamReport(), bySession);
        stages.Add(new DreamStageUsage("mine", SessionUsage.Zero, watch.Elapsed));
        results = results with { Report = report, StageUsage = [.. stages] };
        keep(results);
        await _runs.UpdateProgressAsync(run.Id, results, cancellationToken).ConfigureAwait(false);

        watch.Restart();
        // A pair of similar tasks needs a new session, as a finding does: the reflector is told which ones are old.
        var earlierIds = earlier.Count == 0 ? null : earlier.Select(static s => s.Session.Id).ToHashSet(StringComparer.Ordinal);
        var reflection = await _reflector.ReflectAsync(
            new ReflectionRequest { Findings = mining.Findings, BaseFailureRate = mining.BaseFailureRate, Sessions = bySession, EarlierSessionIds = earlierIds, Instructions = request.Instructions, TokenBudget = request.TokenBudget, Scope = request.Scope, MinScopes = _defaults.MinScopesFor(request) },
            cancellationToken).ConfigureAwait(false);
        var (candidates, reflectUsage, reflectNote) = (reflection.Lessons, reflection.Usage, reflection.Note);
        // What the budget counts: the reported tokens, and the reflector's estimate for calls whose model reported none.
        var reflectEstimated = Math.Max(0, reflection.EstimatedTokens);
        var reflectSpent = SaturatingSum.Add(reflectUsage.TotalTokens, reflectEstimated);
        var budgetReached = reflection.BudgetReached || (request.TokenBudget is { } budget && reflectSpent >= budget);
        stages.Add(new DreamStageUsage("reflect", reflectUsage, watch.Elapsed) { EstimatedTokens = reflectEstimated });
        results = results with { StageUsage = [.. stages], BudgetReached = budgetReached };
        keep(results);

        watch.Restart();
        var (embeddings, embedUsage, embedEstimated, embedNote) = budgetReached ? (null, SessionUsage.Zero, 0L, null) : await EmbedAsync(current?.Insights ?? [], candidates, cancellationToken).ConfigureAwait(false);
        var curation = _curator.Curate(
            current?.Insights ?? [],
            candidates,
            InsightCredits.From(selected, current?.Insights ?? [], request.Scope),
            request.Scope,
            candidate => UntrustedContent.Of(candidate, bySession),
            _timeProvider.GetUtcNow(),
            embeddings,
            cancellationToken);
        // The embeddings' input a generator did not report is estimated from the texts, as the reflector's is; when a batch
        // failed, the batches before it still count.
        var embedSpent = SaturatingSum.Add(embedUsage.TotalTokens, embedEstimated);
        var dreamSpent = SaturatingSum.Add(reflectSpent, embedSpent);
        stages.Add(new DreamStageUsage("curate", embedUsage, watch.Elapsed) { EstimatedTokens = embedEstimated });
        if (!budgetReached && request.TokenBudget is { } limit && dreamSpent >= limit)
        {
            // The embeddings took the dream to its budget: nothing else costs tokens, so this only records it.
            budgetReached = true;
            var estimated = (reflectEstimated > 0, embedEstimated > 0) switch
            {
                (true, true) => " (including an estimate where the reflector's model and the embedding generator reported no usage)",
                (true, false) => " (including an estimate where the reflector's model reported no usage)",
                (false, true) => " (including an estimate where the embedding generator reported no usage)",
                _ => string.Empty,
            };
            embedNote = Join(embedNote, string.Create(CultureInfo.InvariantCulture, $"token budget reached by the embeddings: {dreamSpent} of {limit} tokens used{estimated}"));
        }

        reflectNote = Join(reflectNote, embedNote);
        results = results with { Report = report with { Changes = curation.Changes }, StageUsage = [.. stages], BudgetReached = budgetReached };
        keep(results);
        results = results with { Note = reflectNote };
        if (curation.Changes.Count == 0)
        {
            return results with { Note = reflectNote ?? "no findings changed the memory" };
        }

        if (curation.Insights.SequenceEqual(current?.Insights ?? []))
        {
            // Only rejections (a lesson retired as harmful, or one contradicting a better-supported insight, found again):
            // a version identical to its parent would be one more for a person to review each night, with nothing in it.
            return results with { Note = Join(reflectNote, string.Create(CultureInfo.InvariantCulture, $"no change to the insights ({curation.Changes.Count} lessons found again were not added, see the changes); memory unchanged, no version written")) };
        }

        watch.Restart();
        await lease.EnsureStillRunningAsync(cancellationToken).ConfigureAwait(false);

        // The commit is one step: once the version is proposed, a cancel is too late (as for one in the store), so the run
        // never ends without naming a version it wrote. A failed approval (the active version was replaced meanwhile)
        // leaves the proposal for review, and the failed run names it.
        var author = MemoryAuthor.DreamRun(run.Id);
        var version = await _memory.ProposeAsync(
            new MemoryProposal
            {
                Scope = request.Scope,
                ParentVersionId = current?.Id,
                Author = author,
                Insights = curation.Insights,
                Note = string.Create(CultureInfo.InvariantCulture, $"dream {run.Id}: {selected.Count} sessions, {mining.Findings.Count} findings, {curation.Changes.Count} changes"),
            },
            cancellationToken).ConfigureAwait(false);
        results = results with { OutputVersionId = version.Id };
        keep(results);
        try
        {
            await _runs.UpdateProgressAsync(run.Id, results, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DreamRunStateException)
        {
            // Canceled in the store since the last check: too late, the commit goes on and CompleteAsync reports it.
        }
        if (request.ReviewMode == DreamReviewMode.Auto)
        {
            version = await _memory.ApproveAsync(version.Id, author, CancellationToken.None).ConfigureAwait(false);
        }

        stages.Add(new DreamStageUsage("commit", SessionUsage.Zero, watch.Elapsed));
        return results with { OutputVersionId = version.Id, StageUsage = [.. stages] };
    }

    [LoggerMessage(EventId = 50, Level = LogLevel.Information, Message = "Dream {RunId} completed: {Sessions} sessions read, {Changes} memory changes.")]
    private static partial void LogDreamCompleted(ILogger logger, string runId, int sessions, int changes);

    [LoggerMessage(EventId = 51, Level = LogLevel.Error, Message = "Dream {RunId} failed; its partial results are kept on the run.")]
    private static partial void LogDreamFailed(ILogger logger, string runId, Exception exception);
}
